/*
 * shm4j_mutex.h - the shm4j robust mutex protocol (layout version 2) in C.
 *
 * A C process and a Java process (org.shm4j.sync.SharedMutex) contend for the same 64-byte
 * mutex block in a MAP_SHARED mapping. Layout (little-endian; the org.shm4j.sync package
 * documentation gives the read-write lock, event and semaphore blocks too):
 *
 *   0 u32 magic "SYNC" (0x434E5953)   4 u16 version (2)   6 u16 type (1 = mutex)
 *   8 u64 creatorPid   16 u64 creatorStartTicks   24 u64 pidNamespace
 *  32 u32 state (futex word)   36 u32 reserved
 *  40 u64 ownerIdentity   48 u64 ownerToken   56 u64 reserved2
 *
 * state: bits 0-21 holder PID (0 = free), bit 29 OWNER_DIED, bit 30 WAITERS;
 *        0x10000000 alone = not recoverable; anything else is corrupt.
 *
 * Owner record: after its CAS the holder writes ownerIdentity (pid << 42 | start ticks) and then
 * ownerToken with a release store; it clears ownerToken before it releases the state word. The
 * token names the holding thread, unique across processes (here: a salt mixed from the identity,
 * XOR the thread id, bit 62 set); bit 63 mirrors OWNER_DIED until the holder calls
 * shm4j_mutex_consistent. A waiter trusts the identity only when the token is set and the
 * identity's PID equals the PID in the state word.
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
#define SHM4J_VERSION 2
#define SHM4J_TYPE_MUTEX 1
/* "BILD": the magic word while a creator builds the block in place; wait for SHM4J_MAGIC. */
#define SHM4J_BUILDING 0x444C4942u
#define SHM4J_PID_MASK 0x003FFFFFu
#define SHM4J_NOT_RECOVERABLE 0x10000000u
#define SHM4J_OWNER_DIED 0x20000000u
#define SHM4J_WAITERS 0x40000000u
#define SHM4J_ECORRUPT 1001
#define SHM4J_TICK_BITS 42
#define SHM4J_TOKEN_OWNER_DIED 0x8000000000000000ull

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
    uint64_t owner_identity;
    uint64_t owner_token;
    uint64_t reserved2;
};

_Static_assert(sizeof(struct shm4j_mutex) == 64, "layout");
_Static_assert(__builtin_offsetof(struct shm4j_mutex, state) == 32, "layout");
_Static_assert(__builtin_offsetof(struct shm4j_mutex, owner_identity) == 40, "layout");
_Static_assert(__builtin_offsetof(struct shm4j_mutex, owner_token) == 48, "layout");

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

static uint64_t shm4j_my_identity(void) {
    return ((uint64_t)getpid() << SHM4J_TICK_BITS) | (shm4j_my_start() & ((1ull << SHM4J_TICK_BITS) - 1));
}

/* This thread's token: SplitMix64's finalizer over the identity, XOR the thread id. */
static uint64_t shm4j_my_token(void) {
    uint64_t z = shm4j_my_identity();
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    uint64_t salt = (z | (1ull << 62)) & ~SHM4J_TOKEN_OWNER_DIED;
    return salt ^ (uint64_t)syscall(SYS_gettid);
}

static int shm4j_holder_alive(struct shm4j_mutex *m, uint32_t pid) {
    uint64_t token = __atomic_load_n(&m->owner_token, __ATOMIC_ACQUIRE);
    uint64_t identity = __atomic_load_n(&m->owner_identity, __ATOMIC_RELAXED);
    uint64_t start = token != 0 && (identity >> SHM4J_TICK_BITS) == pid
            ? identity & ((1ull << SHM4J_TICK_BITS) - 1) : 0;
    if (pid == (uint32_t)getpid()) return start == 0 || start == shm4j_my_start();
    return shm4j_alive(pid, start);
}

static void shm4j_set_owner(struct shm4j_mutex *m, int owner_died) {
    __atomic_store_n(&m->owner_identity, shm4j_my_identity(), __ATOMIC_RELAXED);
    uint64_t token = shm4j_my_token() | (owner_died ? SHM4J_TOKEN_OWNER_DIED : 0);
    __atomic_store_n(&m->owner_token, token, __ATOMIC_RELEASE);
}

static long shm4j_futex(uint32_t *word, int op, uint32_t val, const struct timespec *timeout) {
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

/* Returns 0, EOWNERDEAD (locked; repair, then shm4j_mutex_consistent), ENOTRECOVERABLE or SHM4J_ECORRUPT. */
static int shm4j_mutex_lock(struct shm4j_mutex *m) {
    uint32_t me = (uint32_t)getpid();
    uint32_t zero = 0;
    if (__atomic_compare_exchange_n(&m->state, &zero, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        shm4j_set_owner(m, 0);
        return 0;
    }
    int spins = 200, slept = 0, check = 0;
    for (;;) {
        uint32_t c = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
        if (c == 0) {
            uint32_t want = me | (slept ? SHM4J_WAITERS : 0);
            if (__atomic_compare_exchange_n(&m->state, &c, want, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
                shm4j_set_owner(m, 0);
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
                    shm4j_set_owner(m, 1);
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
    __atomic_store_n(&m->owner_token, shm4j_my_token(), __ATOMIC_RELAXED);
}

/* The caller must hold the mutex; the owner-died mark in the token says how to release it. */
static void shm4j_mutex_unlock(struct shm4j_mutex *m) {
    uint64_t token = __atomic_load_n(&m->owner_token, __ATOMIC_RELAXED);
    __atomic_store_n(&m->owner_token, 0, __ATOMIC_RELAXED);
    if (token & SHM4J_TOKEN_OWNER_DIED) {
        __atomic_exchange_n(&m->state, SHM4J_NOT_RECOVERABLE, __ATOMIC_RELEASE);
        shm4j_futex(&m->state, FUTEX_WAKE, 0x7fffffff, NULL);
        return;
    }
    uint32_t prev = __atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE);
    if (prev & SHM4J_WAITERS) shm4j_futex(&m->state, FUTEX_WAKE, 1, NULL);
}

#endif
