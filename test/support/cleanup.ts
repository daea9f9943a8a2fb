// Preloaded by bunfig.toml: after every test, whatever it started is gone.
import { afterEach } from "bun:test";
import { killLeftovers } from "./pause";

afterEach(killLeftovers);
