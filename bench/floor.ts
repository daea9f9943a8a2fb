// The Bun floor: the least a Bun executable can do and still be a pause.
// It loads libc through bun:ffi and blocks in pause(2), with no handlers, no
// helper, no imports. Whatever dist/pause costs above this is ours; below
// it is the runtime's. Compiled exactly as dist/pause is.
import { dlopen, FFIType } from "bun:ffi";

const { symbols: libc } = dlopen("libc.so.6", {
  pause: { args: [], returns: FFIType.i32 },
});

for (;;) libc.pause();
