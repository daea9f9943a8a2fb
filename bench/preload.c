/*
 * pause-preload experiment: runs before the runtime does, loaded through
 * LD_PRELOAD by `npm run bench`'s preload section (bench/NOTES.md). The image
 * ships the handlers half of it, from a constructor: c/pause-preload.c. Built
 * with -DHANDLERS_ONLY this is the IFUNC variant of that library, which the
 * bench's image section puts in its place to compare the two moments.
 *
 * Until a PID 1 has a handler for SIGTERM the kernel drops that signal, and
 * the Bun runtime takes milliseconds (seconds, on a cold start under a tight
 * memory limit) before pause.ts installs its handlers. This library installs
 * handlers for INT, TERM and CHLD that behave exactly as c/pause-helper.c's
 * (the same message and _exit(0); the same reaping loop, SA_NOCLDSTOP |
 * SA_RESTART), so pause.ts's start-up later replaces them with its own
 * without any change in behaviour, and wraps the runtime's own handlers with
 * its filter then, as always.
 *
 * It also advises the kernel that the executable's mappings are read at
 * random (MADV_RANDOM): a fault then reads the page it needs, not
 * read_ahead_kb around it, so a cold start charges the pod's memory cgroup
 * with the pages the runtime touches instead of most of a 100 MB file.
 *
 * Built with -DHANDLERS_ONLY, it installs the handlers and advises nothing
 * (the bench measures both).
 *
 * When: as early as the dynamic loader lets code run. An IFUNC resolver of
 * this library runs while the loader relocates it, which is after libc and
 * before the executable itself is relocated and before any constructor; a
 * constructor does the same if the resolver did not run.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The helper itself, so that these are its handlers, not a copy of them. */
#include "../c/pause-helper.c"

#ifdef HANDLERS_ONLY
#define ADVISE 0
#else
#define ADVISE 1
#endif

static int done;

#ifndef TEXT_CHUNK
#define TEXT_CHUNK (64 * 1024)
#endif

/*
 * A fault in an executable mapping is read ahead up to read_ahead_kb, but
 * only to the end of its VMA, whatever MADV_RANDOM says (measured on Linux
 * 6.18: 62 MiB of the runtime's 78 MiB of text read by a cold start with
 * MADV_RANDOM, 14 MiB once cut in 64 KiB VMAs). Cutting the text into VMAs
 * of TEXT_CHUNK bounds each read to that. The cut is
 * made with a flag that changes nothing here: every other chunk is
 * MADV_DONTDUMP (file-backed text is not in a core dump by default anyway),
 * so neighbouring VMAs differ and the kernel cannot merge them back.
 */
static void split_text(uintptr_t start, uintptr_t end)
{
    for (uintptr_t at = start + TEXT_CHUNK; at < end; at += 2 * (uintptr_t)TEXT_CHUNK)
        madvise((void *)at, at + TEXT_CHUNK < end ? TEXT_CHUNK : end - at, MADV_DONTDUMP);
}

/* MADV_RANDOM over every PT_LOAD segment of the executable (not of the libraries). */
static void advise_random(void)
{
    const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    unsigned long count = getauxval(AT_PHNUM);
    uintptr_t bias = 0;
    long page = sysconf(_SC_PAGESIZE);

    if (!phdr || page <= 0)
        return;
    for (unsigned long i = 0; i < count; i++)
        if (phdr[i].p_type == PT_PHDR)
            bias = (uintptr_t)phdr - phdr[i].p_vaddr;
    for (unsigned long i = 0; i < count; i++) {
        if (phdr[i].p_type != PT_LOAD)
            continue;
        uintptr_t start = (bias + phdr[i].p_vaddr) & ~((uintptr_t)page - 1);
        uintptr_t end = bias + phdr[i].p_vaddr + phdr[i].p_filesz;
        madvise((void *)start, end - start, MADV_RANDOM);
        if (phdr[i].p_flags & PF_X)
            split_text(start, end);
    }
}

static void start_early(void)
{
    if (done)
        return;
    done = 1;
    pause_install_handlers(); /* nothing of the runtime's to wrap yet */
    if (ADVISE)
        advise_random();
}

/* The IFUNC: its resolver is called by the loader while it relocates this library. */
static void nothing(void)
{
}

static void (*resolve_early(void))(void)
{
    start_early();
    return nothing;
}

static void early(void) __attribute__((ifunc("resolve_early")));
/* A reference the loader must resolve (an R_*_IRELATIVE relocation). */
__attribute__((used)) void (*pause_preload_early)(void) = early;

__attribute__((constructor)) static void start(void)
{
    start_early();
}
