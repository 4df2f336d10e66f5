/*
 * The C side of the shm4j benchmark harness, compiled with gcc when the benchmark runs.
 *
 *   session MODE RESULT_DIR HARNESS_CPU PEER_CPU BUDGET_MS MAX_MESSAGE WORKLOAD...
 *       MODE: spin  (two slots per direction, spinning: the C spin ping-pong)
 *             spsc  (256-slot ring per direction, spinning: the C SPSC ring)
 *             futex (256-slot ring per direction, futex waits: the C blocking baseline)
 *       The process forks its peer; both sides are C. Each workload is written as the Java
 *       harness writes it (PATTERN/messageBytes/producers/warmupNanos/measureNanos/maxSamples).
 *       Results go to RESULT_DIR/results.txt; round-trip samples (int64 nanoseconds, native
 *       order) to RESULT_DIR/lat-<i>.bin, for the Java side to record in HdrHistogram.
 *   memcpy RESULT_FILE SRC_NAME DST_NAME BYTES MILLIS CPU
 *       Copies BYTES between two named shared-memory objects (made by the Java side) for MILLIS
 *       and writes "COPY bytes iterations nanos".
 *
 * The ring has the layout of the Java SlotRing (org.shm4j.bench.transport.SlotRing), after a
 * 64-byte header whose first int counts threads sleeping in futex waits:
 *   slot: int64 sequence | int32 length | 4 unused | payload
 * and the message protocol of org.shm4j.bench.harness.Protocol.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HEADER_BYTES 16
#define RING_HEADER_BYTES 64
#define OP_END (-1LL)
#define OP_ECHO (-2LL)
#define OP_PRODUCE (-3LL)
#define OP_QUIT (-4LL)
#define OP_HELLO (-5LL)
#define COMMAND_BYTES 32
#define MIN_MESSAGE_BYTES 8
#define MAX_MESSAGE_BYTES (1 << 20)

enum wait_mode { WAIT_SPIN, WAIT_FUTEX };

typedef struct {
    uint8_t *base;
    uint64_t slots;
    uint64_t slot_bytes;
    uint32_t max_message;
    enum wait_mode wait;
    uint64_t position;
} ring;

static int64_t deadline_ns;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(const char *what) {
    fprintf(stderr, "shm4j_bench_peer: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void check_deadline(void) {
    if (now_ns() > deadline_ns) {
        fprintf(stderr, "shm4j_bench_peer: deadline passed\n");
        exit(3);
    }
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void pin(int cpu) {
    if (cpu < 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, "shm4j_bench_peer: cannot pin to cpu %d: %s\n", cpu, strerror(errno));
    }
}

static _Atomic int32_t *sleepers(ring *r) { return (_Atomic int32_t *)r->base; }

static _Atomic int64_t *sequence(ring *r, uint64_t position) {
    return (_Atomic int64_t *)(r->base + RING_HEADER_BYTES + (position & (r->slots - 1)) * r->slot_bytes);
}

static uint64_t slot_bytes(uint32_t max_message) { return (HEADER_BYTES + (uint64_t)max_message + 63) & ~63ULL; }

static uint64_t ring_bytes(uint64_t slots, uint32_t max_message) {
    return RING_HEADER_BYTES + slots * slot_bytes(max_message);
}

static void ring_init(ring *r, uint8_t *base, uint64_t slots, uint32_t max_message, enum wait_mode wait) {
    r->base = base;
    r->slots = slots;
    r->slot_bytes = slot_bytes(max_message);
    r->max_message = max_message;
    r->wait = wait;
    r->position = 0;
    atomic_store(sleepers(r), 0);
    for (uint64_t i = 0; i < slots; i++) {
        atomic_store(sequence(r, i), (int64_t)i);
    }
}

/* Waits until *seq == expected: spinning, or sleeping on the futex of its low 32 bits (little-endian). */
static void await_sequence(ring *r, _Atomic int64_t *seq, int64_t expected) {
    uint32_t turns = 0;
    for (;;) {
        /* Acquire pairs with the release (or seq_cst) store in publish(). */
        int64_t v = atomic_load_explicit(seq, memory_order_acquire);
        if (v == expected) {
            return;
        }
        if (r->wait == WAIT_SPIN) {
            cpu_relax();
            if ((++turns & 0xfffff) == 0) {
                check_deadline();
            }
        } else {
            /* Dekker with publish(): the sleeper count goes up (seq_cst) before the sequence is read
               again (seq_cst); the publisher stores the sequence (seq_cst) before reading the count. */
            atomic_fetch_add(sleepers(r), 1);
            v = atomic_load(seq);
            if (v != expected) {
                struct timespec timeout = {0, 50 * 1000 * 1000};
                syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAIT, (uint32_t)v, &timeout, NULL, 0);
            }
            atomic_fetch_sub(sleepers(r), 1);
            check_deadline();
        }
    }
}

static void publish(ring *r, _Atomic int64_t *seq, int64_t value) {
    if (r->wait == WAIT_SPIN) {
        atomic_store_explicit(seq, value, memory_order_release);
        return;
    }
    atomic_store(seq, value);
    if (atomic_load(sleepers(r)) > 0) {
        syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
}

static void ring_send(ring *r, const uint8_t *source, uint32_t length) {
    uint64_t p = r->position;
    _Atomic int64_t *seq = sequence(r, p);
    await_sequence(r, seq, (int64_t)p);
    uint8_t *slot = (uint8_t *)seq;
    memcpy(slot + 8, &length, sizeof length);
    memcpy(slot + HEADER_BYTES, source, length);
    publish(r, seq, (int64_t)p + 1);
    r->position = p + 1;
}

static uint32_t ring_receive(ring *r, uint8_t *target) {
    uint64_t c = r->position;
    _Atomic int64_t *seq = sequence(r, c);
    await_sequence(r, seq, (int64_t)c + 1);
    uint8_t *slot = (uint8_t *)seq;
    uint32_t length;
    memcpy(&length, slot + 8, sizeof length);
    if (length > r->max_message) {
        fprintf(stderr, "shm4j_bench_peer: invalid message length %u\n", length);
        exit(2);
    }
    memcpy(target, slot + HEADER_BYTES, length);
    publish(r, seq, (int64_t)(c + r->slots));
    r->position = c + 1;
    return length;
}

static int64_t word(const uint8_t *message, int index) {
    int64_t w;
    memcpy(&w, message + 8 * index, sizeof w);
    return w;
}

static void set_word(uint8_t *message, int index, int64_t value) { memcpy(message + 8 * index, &value, sizeof value); }

static void send_command(ring *out, uint8_t *buffer, int64_t op, int64_t bytes, int64_t producers, int64_t nanos) {
    set_word(buffer, 0, op);
    set_word(buffer, 1, bytes);
    set_word(buffer, 2, producers);
    set_word(buffer, 3, nanos);
    ring_send(out, buffer, COMMAND_BYTES);
}

static void expect(ring *in, uint8_t *buffer, int64_t op) {
    uint32_t length = ring_receive(in, buffer);
    if (length < MIN_MESSAGE_BYTES || word(buffer, 0) != op) {
        fprintf(stderr, "shm4j_bench_peer: expected op %lld, got length %u\n", (long long)op, length);
        exit(2);
    }
}

/* ---- peer ----------------------------------------------------------------------------------- */

static void peer_main(ring *in, ring *out, uint32_t max_message, pid_t parent) {
    uint8_t *buffer = aligned_alloc(64, ((uint64_t)max_message + 63) & ~63ULL);
    if (buffer == NULL) {
        fail("malloc");
    }
    set_word(buffer, 0, OP_HELLO);
    ring_send(out, buffer, MIN_MESSAGE_BYTES);
    for (;;) {
        if (getppid() != parent) {
            exit(4);
        }
        uint32_t length = ring_receive(in, buffer);
        int64_t op = length >= COMMAND_BYTES ? word(buffer, 0) : 0;
        if (op == OP_QUIT) {
            exit(0);
        } else if (op == OP_ECHO) {
            for (;;) {
                length = ring_receive(in, buffer);
                ring_send(out, buffer, length);
                if (length >= MIN_MESSAGE_BYTES && word(buffer, 0) == OP_END) {
                    break;
                }
            }
        } else if (op == OP_PRODUCE) {
            int64_t size = word(buffer, 1);
            int64_t nanos = word(buffer, 3);
            if (size < MIN_MESSAGE_BYTES || size > max_message || word(buffer, 2) != 1 || nanos < 0) {
                fprintf(stderr, "shm4j_bench_peer: invalid produce command\n");
                exit(2);
            }
            for (int64_t i = MIN_MESSAGE_BYTES; i < size; i++) {
                buffer[i] = (uint8_t)i;
            }
            int64_t end = now_ns() + nanos;
            int64_t seq = 0;
            do {
                for (int i = 0; i < 64; i++) {
                    set_word(buffer, 0, seq++);
                    ring_send(out, buffer, (uint32_t)size);
                }
            } while (now_ns() < end);
            set_word(buffer, 0, OP_END);
            ring_send(out, buffer, MIN_MESSAGE_BYTES);
        } else {
            fprintf(stderr, "shm4j_bench_peer: unexpected command %lld\n", (long long)op);
            exit(2);
        }
    }
}

/* ---- harness side ---------------------------------------------------------------------------- */

typedef struct {
    char pattern[16];
    uint32_t bytes;
    uint32_t producers;
    long long warmup;
    long long measure;
    long long max_samples;
} workload;

static void round_trip(ring *out, ring *in, uint8_t *message, uint8_t *reply, uint32_t size, int64_t seq) {
    set_word(message, 0, seq);
    ring_send(out, message, size);
    uint32_t length = ring_receive(in, reply);
    if (length != size || word(reply, 0) != seq) {
        fprintf(stderr, "shm4j_bench_peer: echo does not match\n");
        exit(2);
    }
}

static void ping_pong(ring *out, ring *in, uint8_t *message, uint8_t *reply, const workload *w, int index,
                      const char *dir, FILE *results) {
    send_command(out, message, OP_ECHO, w->bytes, 1, 0);
    for (uint32_t i = MIN_MESSAGE_BYTES; i < w->bytes; i++) {
        message[i] = (uint8_t)i;
    }
    int64_t seq = 0;
    int64_t warm_end = now_ns() + w->warmup;
    while (now_ns() < warm_end) {
        round_trip(out, in, message, reply, w->bytes, seq++);
    }
    int64_t *samples = malloc(sizeof(int64_t) * (size_t)w->max_samples);
    if (samples == NULL) {
        fail("malloc");
    }
    long long n = 0;
    int64_t end = now_ns() + w->measure;
    int64_t t0 = now_ns();
    while (n < w->max_samples && t0 < end) {
        round_trip(out, in, message, reply, w->bytes, seq++);
        int64_t t1 = now_ns();
        samples[n++] = t1 - t0;
        t0 = t1;
    }
    set_word(message, 0, OP_END);
    ring_send(out, message, MIN_MESSAGE_BYTES);
    expect(in, reply, OP_END);
    char path[4096];
    snprintf(path, sizeof path, "%s/lat-%d.bin", dir, index);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(samples, sizeof(int64_t), (size_t)n, f) != (size_t)n || fclose(f) != 0) {
        fail("write samples");
    }
    free(samples);
    fprintf(results, "LATENCY %d %lld\n", index, n);
}

static void drain(ring *out, ring *in, uint8_t *message, uint8_t *reply, uint32_t size, int64_t nanos,
                  long long *count, int64_t *elapsed) {
    send_command(out, message, OP_PRODUCE, size, 1, nanos);
    long long messages = 0;
    int64_t first = 0;
    for (;;) {
        uint32_t length = ring_receive(in, reply);
        int64_t now = now_ns();
        if (length == MIN_MESSAGE_BYTES && word(reply, 0) == OP_END) {
            *count = messages > 0 ? messages - 1 : 0;
            *elapsed = now - first > 0 ? now - first : 1;
            return;
        }
        if (length != size || word(reply, 0) < 0) {
            fprintf(stderr, "shm4j_bench_peer: unexpected stream message\n");
            exit(2);
        }
        if (messages++ == 0) {
            first = now;
        }
    }
}

static int session(int argc, char **argv) {
    if (argc < 9) {
        fprintf(stderr, "usage: session MODE RESULT_DIR HARNESS_CPU PEER_CPU BUDGET_MS MAX_MESSAGE WORKLOAD...\n");
        return 64;
    }
    const char *mode = argv[2];
    const char *dir = argv[3];
    int harness_cpu = atoi(argv[4]);
    int peer_cpu = atoi(argv[5]);
    deadline_ns = now_ns() + atoll(argv[6]) * 1000000LL;
    long long max_message = atoll(argv[7]);
    if (max_message < COMMAND_BYTES || max_message > MAX_MESSAGE_BYTES) {
        fprintf(stderr, "invalid max message\n");
        return 64;
    }
    /* Two slots is the smallest ring whose free and full states differ (sequence p vs p + 1). */
    uint64_t slots = strcmp(mode, "spin") == 0 ? 2 : 256;
    enum wait_mode wait = strcmp(mode, "futex") == 0 ? WAIT_FUTEX : WAIT_SPIN;
    if (strcmp(mode, "spin") != 0 && strcmp(mode, "spsc") != 0 && strcmp(mode, "futex") != 0) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 64;
    }
    int count = argc - 8;
    workload *plan = calloc((size_t)count, sizeof(workload));
    for (int i = 0; i < count; i++) {
        workload *w = &plan[i];
        if (sscanf(argv[8 + i], "%15[^/]/%u/%u/%lld/%lld/%lld", w->pattern, &w->bytes, &w->producers, &w->warmup,
                   &w->measure, &w->max_samples) != 6 ||
            w->bytes < MIN_MESSAGE_BYTES || w->bytes > max_message || w->producers != 1 || w->max_samples < 1 ||
            w->max_samples > 100000000LL) {
            fprintf(stderr, "invalid workload %s\n", argv[8 + i]);
            return 64;
        }
    }
    uint64_t one = ring_bytes(slots, (uint32_t)max_message);
    uint8_t *memory = mmap(NULL, 2 * one, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        fail("mmap");
    }
    ring to_peer, from_peer;
    ring_init(&to_peer, memory, slots, (uint32_t)max_message, wait);
    ring_init(&from_peer, memory + one, slots, (uint32_t)max_message, wait);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        fail("fork");
    }
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        pin(peer_cpu);
        peer_main(&to_peer, &from_peer, (uint32_t)max_message, parent);
        return 0;
    }
    pin(harness_cpu);
    char path[4096];
    snprintf(path, sizeof path, "%s/results.txt", dir);
    FILE *results = fopen(path, "w");
    if (results == NULL) {
        fail("open results");
    }
    uint8_t *message = aligned_alloc(64, ((uint64_t)max_message + 63) & ~63ULL);
    uint8_t *reply = aligned_alloc(64, ((uint64_t)max_message + 63) & ~63ULL);
    expect(&from_peer, reply, OP_HELLO);
    for (int i = 0; i < count; i++) {
        const workload *w = &plan[i];
        if (strcmp(w->pattern, "PING_PONG") == 0) {
            ping_pong(&to_peer, &from_peer, message, reply, w, i, dir, results);
        } else if (strcmp(w->pattern, "STREAM") == 0) {
            long long messages;
            int64_t elapsed;
            if (w->warmup > 0) {
                drain(&to_peer, &from_peer, message, reply, w->bytes, w->warmup, &messages, &elapsed);
            }
            drain(&to_peer, &from_peer, message, reply, w->bytes, w->measure, &messages, &elapsed);
            fprintf(results, "THROUGHPUT %d %lld %lld\n", i, messages, (long long)elapsed);
        } else {
            fprintf(stderr, "unknown pattern %s\n", w->pattern);
            kill(child, SIGKILL);
            return 64;
        }
    }
    send_command(&to_peer, message, OP_QUIT, 0, 0, 0);
    int status;
    if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "peer failed\n");
        return 5;
    }
    if (fclose(results) != 0) {
        fail("close results");
    }
    return 0;
}

/* ---- memcpy bandwidth ------------------------------------------------------------------------ */

static uint8_t *map_named(const char *name, uint64_t bytes) {
    char path[300];
    snprintf(path, sizeof path, "/%s", name);
    int fd = shm_open(path, O_RDWR, 0);
    if (fd < 0) {
        fail("shm_open");
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < bytes) {
        fprintf(stderr, "shared memory object %s too small\n", name);
        exit(2);
    }
    uint8_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        fail("mmap");
    }
    close(fd);
    return p;
}

static int copy_bandwidth(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: memcpy RESULT_FILE SRC_NAME DST_NAME BYTES MILLIS CPU\n");
        return 64;
    }
    uint64_t bytes = strtoull(argv[5], NULL, 10);
    long long millis = atoll(argv[6]);
    pin(atoi(argv[7]));
    deadline_ns = now_ns() + (millis + 30000) * 1000000LL;
    uint8_t *src = map_named(argv[3], bytes);
    uint8_t *dst = map_named(argv[4], bytes);
    for (int i = 0; i < 3; i++) {
        memcpy(dst, src, bytes);
    }
    long long iterations = 0;
    int64_t start = now_ns();
    int64_t end = start + millis * 1000000LL;
    int64_t now;
    do {
        memcpy(dst, src, bytes);
        __asm__ __volatile__("" : : "r"(dst) : "memory");
        iterations++;
        now = now_ns();
    } while (now < end);
    FILE *f = fopen(argv[2], "w");
    if (f == NULL) {
        fail("open result");
    }
    fprintf(f, "COPY %llu %lld %lld\n", (unsigned long long)bytes, iterations, (long long)(now - start));
    return fclose(f) == 0 ? 0 : 2;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "session") == 0) {
        return session(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "memcpy") == 0) {
        return copy_bandwidth(argc, argv);
    }
    fprintf(stderr, "usage: shm4j_bench_peer session|memcpy ...\n");
    return 64;
}
