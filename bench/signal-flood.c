/*
 * signal-flood: sends COUNT signals to PID 1 of the caller's PID namespace,
 * cycling through the signal numbers given, as a process in a pod could aim
 * them at the pod's sandbox. Run through nsenter into the pod.
 *
 *   signal-flood COUNT SIGNO[,SIGNO...]
 *
 * Prints one JSON object: how many kill() calls succeeded and failed, and the
 * sender's own CPU time (user + system, microseconds).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: signal-flood COUNT SIGNO[,SIGNO...]\n");
        return 2;
    }
    long count = atol(argv[1]);
    int signals[64], kinds = 0;
    for (char *next = strtok(argv[2], ","); next && kinds < 64; next = strtok(NULL, ","))
        signals[kinds++] = atoi(next);
    if (count <= 0 || kinds == 0)
        return 2;

    long sent = 0, failed = 0;
    for (long i = 0; i < count; i++) {
        if (kill(1, signals[i % kinds]) == 0)
            sent++;
        else
            failed++;
    }
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    long long cpu_us = (long long)(self.ru_utime.tv_sec + self.ru_stime.tv_sec) * 1000000LL +
                       self.ru_utime.tv_usec + self.ru_stime.tv_usec;
    printf("{\"sent\":%ld,\"failed\":%ld,\"sender_cpu_us\":%lld}\n", sent, failed, cpu_us);
    return 0;
}
