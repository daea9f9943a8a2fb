// Every bun:ffi detail: loading the C helper, and the libc calls needed to
// do it.
//
// The helper's bytes are compiled into the executable (scripts/build-binary.sh
// turns the shared object into build/libpause-helper.ts). An embedded file
// that is dlopen()ed directly gets written to $TMPDIR first, which fails on
// the image's read-only root as uid 65535, so the bytes go into an anonymous
// memory file instead and the loader opens it through /proc/self/fd. libc
// does the writing: node:fs is never loaded (it costs start-up, and heap).
import { dlopen, FFIType, read, CString, type Pointer } from "bun:ffi";
import helperBytes from "../build/libpause-helper";

export interface Helper {
  /** 0, or the exit code of the handler that could not be installed (1 INT, 2 TERM, 3 CHLD). */
  installHandlers(): number;
  /** Why installHandlers() failed: the system's words for its errno. */
  installError(): string;
  /** Blocks in pause() for good; returns the errno that ended the wait if it ever does. */
  waitForever(): number;
}

export class HelperLoadError extends Error {}

const MFD_CLOEXEC = 0x1;
const MFD_NOEXEC_SEAL = 0x8;
const EINTR = 4;
const EIO = 5;
const EINVAL = 22;

function openLibc() {
  return dlopen("libc.so.6", {
    memfd_create: { args: [FFIType.cstring, FFIType.u32], returns: FFIType.i32 },
    write: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
    strerror: { args: [FFIType.i32], returns: FFIType.ptr },
  }).symbols;
}

type Libc = ReturnType<typeof openLibc>;

let boundLibc: Libc | undefined;
function libc(): Libc {
  return (boundLibc ??= openLibc());
}

function errno(): number {
  return read.i32(libc().__errno_location() as Pointer, 0);
}

function describeErrno(code: number): string {
  return new CString(libc().strerror(code) as Pointer).toString();
}

function lastError(): string {
  return describeErrno(errno());
}

/** Writes all of BYTES to FD, retrying on EINTR; returns 0, or the errno that stopped it. */
function writeAll(fd: number, bytes: Uint8Array): number {
  for (let offset = 0; offset < bytes.length; ) {
    const written = Number(libc().write(fd, bytes.subarray(offset), bytes.length - offset));
    if (written < 0 && errno() === EINTR) continue;
    if (written <= 0) return written < 0 ? errno() : EIO;
    offset += written;
  }
  return 0;
}

/**
 * A memory file that can never be made executable (MFD_NOEXEC_SEAL): the
 * loader maps it, nobody execs it. Hardened nodes ask for that
 * (vm.memfd_noexec=2: Linux 6.3 to 6.5 refuse a memory file without the
 * flag); a kernel older than 6.3 does not know the flag and answers EINVAL,
 * and then the file is made without it.
 */
function createMemoryFile(name: string): number {
  const cName = Buffer.from(`${name}\0`);
  const fd = libc().memfd_create(cName, MFD_CLOEXEC | MFD_NOEXEC_SEAL);
  if (fd >= 0 || errno() !== EINVAL) return fd;
  return libc().memfd_create(cName, MFD_CLOEXEC);
}

function copyToMemoryFile(bytes: Uint8Array): number {
  const fd = createMemoryFile("pause-helper");
  if (fd < 0) throw new HelperLoadError(`memfd_create: ${lastError()}`);
  if (writeAll(fd, bytes) !== 0) {
    const reason = lastError();
    libc().close(fd);
    throw new HelperLoadError(`writing the memory file: ${reason}`);
  }
  return fd;
}

export function loadHelper(): Helper {
  const fd = copyToMemoryFile(helperBytes);
  try {
    const { symbols } = dlopen(`/proc/self/fd/${fd}`, {
      pause_install_handlers: { args: [], returns: FFIType.i32 },
      pause_install_error: { args: [], returns: FFIType.i32 },
      pause_wait_forever: { args: [], returns: FFIType.i32 },
    });
    return {
      installHandlers: () => symbols.pause_install_handlers(),
      installError: () => describeErrno(symbols.pause_install_error()),
      waitForever: () => symbols.pause_wait_forever(),
    };
  } catch (error) {
    throw new HelperLoadError(`dlopen: ${(error as Error).message}`);
  } finally {
    libc().close(fd); // the mapping outlives the descriptor
  }
}
