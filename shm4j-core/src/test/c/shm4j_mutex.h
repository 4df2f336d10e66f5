/*
 * shm4j_mutex.h - the shm4j robust mutex protocol (layout version 1) in C.
 *
 * A C process and a Java process (org.shm4j.sync.SharedMutex) contend for the same 64-byte
 * mutex block in a MAP_SHARED mapping. Layout (little-endian, see SyncLayout.java):
 *
 *   0 u32 magic "SYNC" (0x434E5953)   4 u16 version (1)   6 u16 type (1 = mutex)
 *   8 u64 creatorPid   16 u64 creatorStartTicks   24 u64 pidNamespace
 *  32 u32 state (futex word)   36 u32 reserved
 *  40 u64 ownerPid   48 u64 ownerStartTicks   56 u64 ownerToken
 *
 * state: bits 0-21 holder PID (0 = free), bit 29 OWNER_DIED, bit 30 WAITERS;
 *        0x10000000 alone = not recoverable; anything else is corrupt.
 *
 * Owner record: ownerStartTicks and ownerToken are written first, ownerPid last with a release
 * store; it is cleared (ownerPid = 0, ownerToken = 0) before the state word is released. A waiter trusts the
 * record only when ownerPid equals the PID in the state word.
 *
 * Header-only; Linux only; gcc or clang (uses __atomic builtins).
 */
#ifndef SHM4J_MUTEX_H
#define SHM4J_MUTEX_H

#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SHM4J_MAGIC 0x434E5953u
#define SHM4J_VERSION 1
#define SHM4J_TYPE_MUTEX 1
#define SHM4J_PID_MASK 0x003FFFFFu
#define SHM4J_NOT_RECOVERABLE 0x10000000u
#define SHM4J_OWNER_DIED 0x20000000u
#define SHM4J_WAITERS 0x40000000u
#define SHM4J_ECORRUPT 1001

#if defined(__x86_64__) || defined(__i386__)
#define SHM4J_SPIN_PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define SHM4J_SPIN_PAUSE() __asm__ __volatile__("yield")
#else
#define SHM4J_SPIN_PAUSE() ((void)0)
#endif

struct shm4j_mutex {
    uint32_t magic;
    uint16_t version;
    uint16_t type;
    uint64_t creator_pid;
    uint64_t creator_start_ticks;
    uint64_t pid_namespace;
    uint32_t state;
    uint32_t reserved;
    uint64_t owner_pid;
    uint64_t owner_start_ticks;
    uint64_t owner_token;
};

_Static_assert(sizeof(struct shm4j_mutex) == 64, "layout");
_Static_assert(__builtin_offsetof(struct shm4j_mutex, state) == 32, "layout");
_Static_assert(__builtin_offsetof(struct shm4j_mutex, owner_pid) == 40, "layout");

/* Field 22 of /proc/<pid>/stat, 0 if the process does not exist; *zombie set for state Z/X. */
static uint64_t shm4j_start_ticks(long pid, int *zombie) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    p += 2;
    if (zombie) *zombie = (*p == 'Z' || *p == 'X' || *p == 'x');
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p) p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

static int shm4j_alive(long pid, uint64_t start) {
    int zombie = 0;
    uint64_t now = shm4j_start_ticks(pid, &zombie);
    if (now == 0 || zombie) return 0;
    return start == 0 || now == start;
}

static uint64_t shm4j_my_start(void) {
    static uint64_t mine;
    if (!mine) mine = shm4j_start_ticks(getpid(), NULL);
    return mine;
}

static int shm4j_holder_alive(struct shm4j_mutex *m, uint32_t pid) {
    uint64_t rec_pid = __atomic_load_n(&m->owner_pid, __ATOMIC_ACQUIRE);
    uint64_t rec_start = __atomic_load_n(&m->owner_start_ticks, __ATOMIC_RELAXED);
    if (pid == (uint32_t)getpid()) return !(rec_pid == pid && rec_start != 0 && rec_start != shm4j_my_start());
    return shm4j_alive(pid, rec_pid == pid ? rec_start : 0);
}

static void shm4j_set_owner(struct shm4j_mutex *m) {
    __atomic_store_n(&m->owner_start_ticks, shm4j_my_start(), __ATOMIC_RELAXED);
    __atomic_store_n(&m->owner_token, (uint64_t)syscall(SYS_gettid), __ATOMIC_RELAXED);
    __atomic_store_n(&m->owner_pid, (uint64_t)getpid(), __ATOMIC_RELEASE);
}

static long shm4j_futex(uint32_t *word, int op, uint32_t val, const struct timespec *timeout) {
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

/* Returns 0, EOWNERDEAD (locked; repair, then shm4j_mutex_consistent), ENOTRECOVERABLE or SHM4J_ECORRUPT. */
static int shm4j_mutex_lock(struct shm4j_mutex *m) {
    uint32_t me = (uint32_t)getpid();
    uint32_t zero = 0;
    if (__atomic_compare_exchange_n(&m->state, &zero, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        shm4j_set_owner(m);
        return 0;
    }
    int spins = 200, slept = 0, check = 0;
    for (;;) {
        uint32_t c = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
        if (c == 0) {
            uint32_t want = me | (slept ? SHM4J_WAITERS : 0);
            if (__atomic_compare_exchange_n(&m->state, &c, want, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
                shm4j_set_owner(m);
                return 0;
            }
            continue;
        }
        if (c == SHM4J_NOT_RECOVERABLE) return ENOTRECOVERABLE;
        if ((c & ~(SHM4J_PID_MASK | SHM4J_OWNER_DIED | SHM4J_WAITERS)) || !(c & SHM4J_PID_MASK)) return SHM4J_ECORRUPT;
        if (spins > 0) { spins--; SHM4J_SPIN_PAUSE(); continue; }
        if (check) {
            check = 0;
            if (!shm4j_holder_alive(m, c & SHM4J_PID_MASK)) {
                uint32_t want = me | SHM4J_OWNER_DIED | ((slept || (c & SHM4J_WAITERS)) ? SHM4J_WAITERS : 0);
                if (__atomic_compare_exchange_n(&m->state, &c, want, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
                    shm4j_set_owner(m);
                    return EOWNERDEAD;
                }
                continue;
            }
        }
        if (!(c & SHM4J_WAITERS)) {
            if (!__atomic_compare_exchange_n(&m->state, &c, c | SHM4J_WAITERS, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                continue;
            c |= SHM4J_WAITERS;
        }
        struct timespec slice = {0, 20 * 1000 * 1000};
        long rc = shm4j_futex(&m->state, FUTEX_WAIT, c, &slice);
        slept = 1;
        check = rc < 0 && errno == ETIMEDOUT;
    }
}

static void shm4j_mutex_consistent(struct shm4j_mutex *m) {
    __atomic_fetch_and(&m->state, ~SHM4J_OWNER_DIED, __ATOMIC_RELAXED);
}

static void shm4j_mutex_unlock(struct shm4j_mutex *m) {
    uint32_t c = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
    __atomic_store_n(&m->owner_pid, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&m->owner_token, 0, __ATOMIC_RELAXED);
    if (c & SHM4J_OWNER_DIED) {
        __atomic_exchange_n(&m->state, SHM4J_NOT_RECOVERABLE, __ATOMIC_RELEASE);
        shm4j_futex(&m->state, FUTEX_WAKE, 0x7fffffff, NULL);
        return;
    }
    uint32_t prev = __atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE);
    if (prev & SHM4J_WAITERS) shm4j_futex(&m->state, FUTEX_WAKE, 1, NULL);
}

#endif
