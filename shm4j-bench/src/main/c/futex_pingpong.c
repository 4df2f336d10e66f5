/*
 * Baseline for SyncHarness: a C futex wait/wake ping-pong between two processes (fork), no
 * spinning, over a MAP_SHARED anonymous mapping. Usage: futex_pingpong ROUNDS GAP_NS
 * Prints the round-trip times, one per line, in nanoseconds (the harness computes percentiles).
 */
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void wait_for(uint32_t *w, uint32_t want) {
    uint32_t v;
    while ((v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) != want) syscall(SYS_futex, w, FUTEX_WAIT, v, NULL, NULL, 0);
}

static void post(uint32_t *w, uint32_t v) {
    __atomic_store_n(w, v, __ATOMIC_RELEASE);
    syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s ROUNDS GAP_NS\n", argv[0]); return 64; }
    int rounds = atoi(argv[1]);
    long gap = atol(argv[2]);
    uint32_t *words = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (words == MAP_FAILED) { perror("mmap"); return 2; }
    uint32_t *ping = &words[0], *pong = &words[16];
    pid_t child = fork();
    if (child == 0) {
        for (uint32_t i = 1; i <= (uint32_t)rounds; i++) { wait_for(ping, i); post(pong, i); }
        _exit(0);
    }
    long *rtt = malloc(sizeof(long) * rounds);
    for (uint32_t i = 1; i <= (uint32_t)rounds; i++) {
        long until = now_ns() + gap;
        while (now_ns() < until) { }
        long t0 = now_ns();
        post(ping, i);
        wait_for(pong, i);
        rtt[i - 1] = now_ns() - t0;
    }
    waitpid(child, NULL, 0);
    for (int i = 0; i < rounds; i++) printf("%ld\n", rtt[i]);
    return 0;
}
