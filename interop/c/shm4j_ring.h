/*
 * shm4j_ring.h - the shm4j ring layout (version 1) for C, and a minimal producer and consumer.
 *
 * The layout is documented in org.shm4j.ring (package-info.java) and docs/ring.md; every number
 * here is checked against the Java side by RingInteropTest. Header-only; needs GCC or Clang
 * (__atomic builtins) on a little-endian 64-bit Linux.
 *
 * Memory ordering, as in Java:
 *   - records are published by a release store of word0 (position | COMMITTED); consumers load
 *     word0 with acquire before reading length, type and payload;
 *   - the consumer frees space by a release store of head; producers load head with acquire;
 *   - MPSC producers reserve [tail, tail + n) with a CAS on tail; SPSC producers store tail
 *     (release) before writing the record.
 *   - after publishing, a side that sees waiters (dataWaiters / spaceWaiters) increments the
 *     signal word and FUTEX_WAKEs it (process-shared futex).
 * Every value read from the ring is validated before use: the functions return SHM4J_CORRUPT
 * rather than read or write outside the mapping.
 *
 * A record whose producer died between claim and commit, or space an MPSC producer reserved and
 * never wrote, blocks the head; shm4j_ring_skip_blocked steps over it once it has blocked the head
 * for a timeout, by the Java consumer's rule (call it when a poll delivers nothing).
 */
#ifndef SHM4J_RING_H
#define SHM4J_RING_H

#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SHM4J_RING_MAGIC 0x474E4952344D4853ULL /* "SHM4RING" little-endian */
#define SHM4J_RING_VERSION 1u
#define SHM4J_RING_SPSC 1u
#define SHM4J_RING_MPSC 2u
#define SHM4J_RING_BROADCAST 3u

#define SHM4J_OFF_MAGIC 0x00
#define SHM4J_OFF_VERSION 0x08
#define SHM4J_OFF_TYPE 0x0C
#define SHM4J_OFF_CAPACITY 0x10
#define SHM4J_OFF_DATA_OFFSET 0x18
#define SHM4J_OFF_MAX_PAYLOAD 0x20
#define SHM4J_OFF_RECORD_HEADER_LENGTH 0x24
#define SHM4J_OFF_CREATOR 0x28
#define SHM4J_OFF_START_POSITION 0x30
#define SHM4J_OFF_PRODUCER_SLOTS 0x38
#define SHM4J_OFF_TAIL 0x80
#define SHM4J_OFF_PRODUCER_IDENTITY 0x88
#define SHM4J_OFF_MESSAGES_WRITTEN 0x90
#define SHM4J_OFF_PAYLOAD_BYTES_WRITTEN 0x98
#define SHM4J_OFF_TAIL_INTENT 0xA0
#define SHM4J_OFF_LATEST_POSITION 0xA8
#define SHM4J_OFF_HEAD 0x100
#define SHM4J_OFF_CONSUMER_IDENTITY 0x108
#define SHM4J_OFF_MESSAGES_READ 0x110
#define SHM4J_OFF_PAYLOAD_BYTES_READ 0x118
#define SHM4J_OFF_SKIPPED_RECORDS 0x120
#define SHM4J_OFF_SKIPPED_BYTES 0x128
#define SHM4J_OFF_DATA_SIGNAL 0x180
#define SHM4J_OFF_DATA_WAITERS 0x184
#define SHM4J_OFF_SPACE_SIGNAL 0x200
#define SHM4J_OFF_SPACE_WAITERS 0x204
#define SHM4J_OFF_SLOTS 0x1000
#define SHM4J_SLOT_COUNT 64
#define SHM4J_SLOT_LENGTH 128
#define SHM4J_SLOT_IDENTITY 0
#define SHM4J_SLOT_MESSAGES 8
#define SHM4J_SLOT_BYTES 16
#define SHM4J_DATA_OFFSET 0x3000

#define SHM4J_RECORD_HEADER_LENGTH 16
#define SHM4J_BROADCAST_RECORD_HEADER_LENGTH 24
#define SHM4J_STATE_MASK 7ULL
#define SHM4J_CLAIMED 1ULL
#define SHM4J_COMMITTED 2ULL
#define SHM4J_PADDING 3ULL
#define SHM4J_ABORTED 4ULL
#define SHM4J_IDENTITY_TICK_BITS 42

/* Return codes. */
#define SHM4J_OK 0
#define SHM4J_FULL 0
#define SHM4J_CORRUPT (-2)
#define SHM4J_BAD_FORMAT (-3)
#define SHM4J_NOT_READY (-4)
#define SHM4J_BUSY (-5)
#define SHM4J_BAD_ARGUMENT (-6)

typedef struct {
    uint8_t *base;     /* start of the ring header */
    uint8_t *data;     /* start of the data region */
    uint64_t capacity; /* bytes of the data region, a power of two */
    uint64_t mask;
    uint32_t max_payload;
    uint32_t type;
    uint64_t head_cache;   /* producer: last head seen */
    uint64_t identity;     /* this process's identity word */
    size_t identity_off;   /* producer role or slot / consumer role taken, 0 if none */
    size_t consumer_off;
    /* consumer: the blocked head being timed by shm4j_ring_skip_blocked */
    int stuck;
    uint64_t stuck_position;
    uint64_t stuck_since_ns;
    uint64_t stuck_tail;
} shm4j_ring;

static inline uint64_t *shm4j_u64(const shm4j_ring *r, size_t off) { return (uint64_t *)(r->base + off); }
static inline uint32_t *shm4j_u32(const shm4j_ring *r, size_t off) { return (uint32_t *)(r->base + off); }

/*
 * Reads a /proc/<pid>/stat file: the process state (field 3) and start time in clock ticks (field
 * 22). Returns 0 if the file cannot be read or parsed (no such process).
 */
static inline int shm4j_read_stat(const char *path, char *state, uint64_t *ticks) {
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p || p[1] != ' ' || !p[2]) return 0;
    p += 2; /* field 3 */
    *state = *p;
    for (int field = 3; field < 22 && *p; p++) {
        if (*p == ' ') field++;
    }
    if (!*p) return 0;
    *ticks = strtoull(p, NULL, 10);
    return 1;
}

/* pid << 42 | (start time in clock ticks & (2^42-1)). */
static inline uint64_t shm4j_current_identity(void) {
    char state;
    uint64_t ticks;
    if (!shm4j_read_stat("/proc/self/stat", &state, &ticks)) return 0;
    return ((uint64_t)getpid() << SHM4J_IDENTITY_TICK_BITS) | (ticks & ((1ULL << SHM4J_IDENTITY_TICK_BITS) - 1));
}

/*
 * Whether the process an identity word names runs: a process with that pid exists, is not a zombie,
 * and started at the recorded time (a recycled pid reads as dead). As RingPeer.isAlive in Java.
 */
static inline int shm4j_identity_alive(uint64_t identity) {
    char path[48], state;
    uint64_t ticks, mask = (1ULL << SHM4J_IDENTITY_TICK_BITS) - 1;
    snprintf(path, sizeof path, "/proc/%llu/stat", (unsigned long long)(identity >> SHM4J_IDENTITY_TICK_BITS));
    if (!shm4j_read_stat(path, &state, &ticks) || state == 'Z' || state == 'X' || state == 'x') return 0;
    return (identity & mask) == 0 || (ticks & mask) == (identity & mask);
}

/*
 * Takes the role word at off if it is free or names a dead process: a CAS on the exact value judged,
 * so of several takers one wins. Returns 1 if taken, storing the identity it replaced (0 if the
 * role was free) in *replaced; 0 if a live process holds it.
 */
static inline int shm4j_take_role(shm4j_ring *r, size_t off, uint64_t *replaced) {
    uint64_t *word = (uint64_t *)(r->base + off);
    for (;;) {
        uint64_t current = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        if (current != 0 && (current == r->identity || shm4j_identity_alive(current))) return 0;
        if (__atomic_compare_exchange_n(word, &current, r->identity, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            *replaced = current;
            return 1;
        }
    }
}

static inline void shm4j_wake(uint32_t *signal, uint32_t *waiters) {
    if (__atomic_load_n(waiters, __ATOMIC_RELAXED) != 0) {
        __atomic_fetch_add(signal, 1, __ATOMIC_SEQ_CST);
        syscall(SYS_futex, signal, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
}

/* Checks the header of the ring at base (size bytes mapped). */
static inline int shm4j_ring_attach(shm4j_ring *r, void *base, size_t size) {
    memset(r, 0, sizeof *r);
    r->base = (uint8_t *)base;
    if (size < SHM4J_DATA_OFFSET + 64) return SHM4J_BAD_FORMAT;
    /* Pairs with the creator's release store of the magic: every other field is visible after it. */
    uint64_t magic = __atomic_load_n(shm4j_u64(r, SHM4J_OFF_MAGIC), __ATOMIC_ACQUIRE);
    if (magic == 0) return SHM4J_NOT_READY;
    if (magic != SHM4J_RING_MAGIC) return SHM4J_BAD_FORMAT;
    if (*shm4j_u32(r, SHM4J_OFF_VERSION) != SHM4J_RING_VERSION) return SHM4J_BAD_FORMAT;
    uint32_t type = *shm4j_u32(r, SHM4J_OFF_TYPE);
    uint64_t capacity = *shm4j_u64(r, SHM4J_OFF_CAPACITY);
    uint32_t header = *shm4j_u32(r, SHM4J_OFF_RECORD_HEADER_LENGTH);
    uint32_t max_payload = *shm4j_u32(r, SHM4J_OFF_MAX_PAYLOAD);
    if (type < SHM4J_RING_SPSC || type > SHM4J_RING_BROADCAST) return SHM4J_BAD_FORMAT;
    if (capacity < 64 || (capacity & (capacity - 1)) != 0 || capacity > (1ULL << 40)) return SHM4J_BAD_FORMAT;
    if (*shm4j_u64(r, SHM4J_OFF_DATA_OFFSET) != SHM4J_DATA_OFFSET) return SHM4J_BAD_FORMAT;
    if (size < SHM4J_DATA_OFFSET + capacity) return SHM4J_BAD_FORMAT;
    uint64_t max_record = capacity / 2 < (1ULL << 30) ? capacity / 2 : (1ULL << 30);
    if (header != (type == SHM4J_RING_BROADCAST ? 24u : 16u) || max_payload != max_record - header)
        return SHM4J_BAD_FORMAT;
    r->data = r->base + SHM4J_DATA_OFFSET;
    r->capacity = capacity;
    r->mask = capacity - 1;
    r->max_payload = max_payload;
    r->type = type;
    r->identity = shm4j_current_identity();
    return SHM4J_OK;
}

/* Moves an MPSC slot's counters to the departed producers' totals (messagesWritten, payloadBytesWritten). */
static inline void shm4j_retire_slot(shm4j_ring *r, size_t slot) {
    uint64_t m = __atomic_exchange_n(shm4j_u64(r, slot + SHM4J_SLOT_MESSAGES), 0, __ATOMIC_SEQ_CST);
    uint64_t b = __atomic_exchange_n(shm4j_u64(r, slot + SHM4J_SLOT_BYTES), 0, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(shm4j_u64(r, SHM4J_OFF_MESSAGES_WRITTEN), m, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(shm4j_u64(r, SHM4J_OFF_PAYLOAD_BYTES_WRITTEN), b, __ATOMIC_SEQ_CST);
}

/*
 * Takes the producer role (SPSC) or a producer slot (MPSC), free or held by a dead process. A dead
 * MPSC producer's counters are added to the departed producers' totals, as Java does.
 */
static inline int shm4j_ring_producer(shm4j_ring *r) {
    if (r->type == SHM4J_RING_SPSC) {
        uint64_t replaced;
        if (!shm4j_take_role(r, SHM4J_OFF_PRODUCER_IDENTITY, &replaced)) return SHM4J_BUSY;
        r->identity_off = SHM4J_OFF_PRODUCER_IDENTITY;
        return SHM4J_OK;
    }
    if (r->type != SHM4J_RING_MPSC) return SHM4J_BAD_ARGUMENT;
    for (size_t i = 0; i < SHM4J_SLOT_COUNT; i++) {
        size_t slot = SHM4J_OFF_SLOTS + i * SHM4J_SLOT_LENGTH;
        uint64_t replaced;
        if (!shm4j_take_role(r, slot, &replaced)) continue;
        if (replaced != 0) shm4j_retire_slot(r, slot);
        r->identity_off = slot;
        return SHM4J_OK;
    }
    return SHM4J_BUSY;
}

/* Takes the consumer role of an SPSC or MPSC ring, free or held by a dead process. */
static inline int shm4j_ring_consumer(shm4j_ring *r) {
    if (r->type == SHM4J_RING_BROADCAST) return SHM4J_BAD_ARGUMENT;
    uint64_t replaced;
    if (!shm4j_take_role(r, SHM4J_OFF_CONSUMER_IDENTITY, &replaced)) return SHM4J_BUSY;
    r->consumer_off = SHM4J_OFF_CONSUMER_IDENTITY;
    return SHM4J_OK;
}

/* Gives up the roles taken; an MPSC producer adds its counters to the departed producers' totals. */
static inline void shm4j_ring_detach(shm4j_ring *r) {
    if (r->identity_off >= SHM4J_OFF_SLOTS) shm4j_retire_slot(r, r->identity_off);
    uint64_t me = r->identity;
    if (r->identity_off) __atomic_compare_exchange_n(shm4j_u64(r, r->identity_off), &me, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    me = r->identity;
    if (r->consumer_off) __atomic_compare_exchange_n(shm4j_u64(r, r->consumer_off), &me, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    r->identity_off = r->consumer_off = 0;
}

static inline uint64_t shm4j_record_length(uint64_t payload) { return (SHM4J_RECORD_HEADER_LENGTH + payload + 7) & ~7ULL; }

/* Copies one record in. Returns 1 if written, SHM4J_FULL (0) if there is no room, < 0 on error. */
static inline int shm4j_ring_offer(shm4j_ring *r, int32_t type_id, const void *payload, uint32_t length) {
    if (type_id < 0 || length > r->max_payload || !r->identity_off) return SHM4J_BAD_ARGUMENT;
    uint64_t record = shm4j_record_length(length);
    uint64_t *tail = shm4j_u64(r, SHM4J_OFF_TAIL);
    uint64_t t, off, to_end, required;
    for (;;) {
        t = __atomic_load_n(tail, __ATOMIC_ACQUIRE);
        if (t & 7) return SHM4J_CORRUPT; /* producers advance it by whole records */
        off = t & r->mask;
        to_end = r->capacity - off;
        required = record <= to_end ? record : to_end + record;
        if (t + required - r->head_cache > r->capacity || (int64_t)(t - r->head_cache) < 0) {
            /* Pairs with the consumer's release store of head. */
            uint64_t h = __atomic_load_n(shm4j_u64(r, SHM4J_OFF_HEAD), __ATOMIC_ACQUIRE);
            int64_t used = (int64_t)(t - h);
            if (used < 0 && r->type == SHM4J_RING_MPSC && __atomic_load_n(tail, __ATOMIC_ACQUIRE) != t) continue;
            if (used < 0 || (uint64_t)used > r->capacity) return SHM4J_CORRUPT;
            r->head_cache = h;
            if (t + required - h > r->capacity) return SHM4J_FULL;
        }
        if (r->type == SHM4J_RING_SPSC) {
            __atomic_store_n(tail, t + required, __ATOMIC_RELEASE);
            break;
        }
        if (__atomic_compare_exchange_n(tail, &t, t + required, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) break;
    }
    uint64_t position = t;
    if (record > to_end) {
        __atomic_store_n((uint64_t *)(r->data + off), t | SHM4J_PADDING, __ATOMIC_RELEASE);
        position = t + to_end;
        off = 0;
    }
    memcpy(r->data + off + SHM4J_RECORD_HEADER_LENGTH, payload, length);
    *(uint64_t *)(r->data + off + 8) = ((uint64_t)(uint32_t)type_id << 32) | length;
    /* Publishes the record: pairs with the consumer's acquire load of word0. */
    __atomic_store_n((uint64_t *)(r->data + off), position | SHM4J_COMMITTED, __ATOMIC_RELEASE);
    size_t counters = r->type == SHM4J_RING_MPSC ? r->identity_off + SHM4J_SLOT_MESSAGES : SHM4J_OFF_MESSAGES_WRITTEN;
    __atomic_store_n(shm4j_u64(r, counters), *shm4j_u64(r, counters) + 1, __ATOMIC_RELAXED);
    __atomic_store_n(shm4j_u64(r, counters + 8), *shm4j_u64(r, counters + 8) + length, __ATOMIC_RELAXED);
    shm4j_wake(shm4j_u32(r, SHM4J_OFF_DATA_SIGNAL), shm4j_u32(r, SHM4J_OFF_DATA_WAITERS));
    return 1;
}

/*
 * Reads and validates the header of the record at data offset off (word0 already checked): stores its
 * payload length and type id and returns its whole length, or 0 if the header is corrupt.
 */
static inline uint64_t shm4j_checked_record(const shm4j_ring *r, uint64_t off, uint32_t *length, int32_t *type_id) {
    if (off + SHM4J_RECORD_HEADER_LENGTH > r->capacity) return 0;
    uint64_t word1 = *(volatile uint64_t *)(r->data + off + 8); /* read once: another process writes it */
    int32_t len = (int32_t)(uint32_t)word1;
    *type_id = (int32_t)(word1 >> 32);
    if (len < 0 || (uint32_t)len > r->max_payload || *type_id < 0) return 0;
    uint64_t record = shm4j_record_length((uint64_t)len);
    if (off + record > r->capacity) return 0;
    *length = (uint32_t)len;
    return record;
}

typedef void (*shm4j_handler)(void *context, int32_t type_id, const uint8_t *payload, uint32_t length);

/* Delivers up to limit committed records. Returns how many, or SHM4J_CORRUPT. */
static inline int shm4j_ring_poll(shm4j_ring *r, shm4j_handler handler, void *context, int limit) {
    if (!r->consumer_off) return SHM4J_BAD_ARGUMENT;
    uint64_t *head = shm4j_u64(r, SHM4J_OFF_HEAD);
    uint64_t start = __atomic_load_n(head, __ATOMIC_RELAXED); /* only the consumer writes head */
    uint64_t h = start, bytes = 0;
    int count = 0, result = 0;
    while (count < limit) {
        uint64_t off = h & r->mask;
        /* Pairs with the producer's release store of word0. */
        uint64_t word0 = __atomic_load_n((uint64_t *)(r->data + off), __ATOMIC_ACQUIRE);
        uint64_t state = word0 & SHM4J_STATE_MASK;
        if ((word0 & ~SHM4J_STATE_MASK) != h || state == 0 || state == SHM4J_CLAIMED) break;
        if (state == SHM4J_PADDING) {
            if (off == 0) { result = SHM4J_CORRUPT; break; }
            h += r->capacity - off;
            continue;
        }
        uint32_t length;
        int32_t type_id;
        uint64_t record = shm4j_checked_record(r, off, &length, &type_id);
        if (!record) { result = SHM4J_CORRUPT; break; }
        if (state == SHM4J_COMMITTED) {
            handler(context, type_id, r->data + off + SHM4J_RECORD_HEADER_LENGTH, length);
            count++;
            bytes += length;
        } else if (state != SHM4J_ABORTED) { result = SHM4J_CORRUPT; break; }
        h += record;
    }
    if (h != start) {
        __atomic_store_n(shm4j_u64(r, SHM4J_OFF_MESSAGES_READ), *shm4j_u64(r, SHM4J_OFF_MESSAGES_READ) + count, __ATOMIC_RELAXED);
        __atomic_store_n(shm4j_u64(r, SHM4J_OFF_PAYLOAD_BYTES_READ), *shm4j_u64(r, SHM4J_OFF_PAYLOAD_BYTES_READ) + bytes, __ATOMIC_RELAXED);
        /* Frees the space: pairs with the producers' acquire load of head. */
        __atomic_store_n(head, h, __ATOMIC_RELEASE);
        shm4j_wake(shm4j_u32(r, SHM4J_OFF_SPACE_SIGNAL), shm4j_u32(r, SHM4J_OFF_SPACE_WAITERS));
    }
    return result < 0 ? result : count;
}

static inline uint64_t shm4j_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* Frees the consumed space up to h after a skip: counters first, then head (release), then wakes. */
static inline void shm4j_skip_to(shm4j_ring *r, uint64_t h, uint64_t next) {
    __atomic_store_n(shm4j_u64(r, SHM4J_OFF_SKIPPED_RECORDS), *shm4j_u64(r, SHM4J_OFF_SKIPPED_RECORDS) + 1, __ATOMIC_RELAXED);
    __atomic_store_n(shm4j_u64(r, SHM4J_OFF_SKIPPED_BYTES), *shm4j_u64(r, SHM4J_OFF_SKIPPED_BYTES) + (next - h), __ATOMIC_RELAXED);
    /* Pairs with the producers' acquire load of head. */
    __atomic_store_n(shm4j_u64(r, SHM4J_OFF_HEAD), next, __ATOMIC_RELEASE);
    shm4j_wake(shm4j_u32(r, SHM4J_OFF_SPACE_SIGNAL), shm4j_u32(r, SHM4J_OFF_SPACE_WAITERS));
    r->stuck = 0;
}

/*
 * Steps over what blocks the head once it has blocked it for timeout_ns: a record left CLAIMED
 * (its producer died, or held the claim too long), or space below tail with no record header (an
 * MPSC producer reserved it and died). Call it when shm4j_ring_poll delivers nothing; the first
 * call that finds the head blocked starts the clock. Counts the skip in skippedRecords and
 * skippedBytes. Returns 1 if it skipped, 0 if not (nothing blocks, or not long enough yet),
 * SHM4J_CORRUPT if the ring's positions or the blocking header are invalid.
 */
static inline int shm4j_ring_skip_blocked(shm4j_ring *r, uint64_t timeout_ns) {
    if (!r->consumer_off) return SHM4J_BAD_ARGUMENT;
    uint64_t h = __atomic_load_n(shm4j_u64(r, SHM4J_OFF_HEAD), __ATOMIC_RELAXED); /* only the consumer writes head */
    uint64_t off = h & r->mask;
    /* Pairs with the producer's release store of word0. */
    uint64_t word0 = __atomic_load_n((uint64_t *)(r->data + off), __ATOMIC_ACQUIRE);
    uint64_t state = word0 & SHM4J_STATE_MASK;
    int header = (word0 & ~SHM4J_STATE_MASK) == h && state != 0;
    int claimed = header && state == SHM4J_CLAIMED;
    if (header && !claimed) { r->stuck = 0; return 0; } /* a record poll can read: not blocked */
    uint64_t t = 0;
    if (!claimed) {
        /* Pairs with the producers' release store (SPSC) or CAS (MPSC) of tail. */
        t = __atomic_load_n(shm4j_u64(r, SHM4J_OFF_TAIL), __ATOMIC_ACQUIRE);
        int64_t ahead = (int64_t)(t - h);
        if (ahead < 0 || (uint64_t)ahead > r->capacity || (t & 7)) return SHM4J_CORRUPT; /* t may become the head */
        if (ahead == 0) { r->stuck = 0; return 0; } /* empty, not blocked */
    }
    uint64_t now = shm4j_now_ns();
    if (!r->stuck || r->stuck_position != h) {
        r->stuck = 1;
        r->stuck_position = h;
        r->stuck_since_ns = now;
        r->stuck_tail = t;
        return 0;
    }
    if (now - r->stuck_since_ns < timeout_ns) return 0;
    uint64_t next = h;
    if (claimed) {
        uint32_t length;
        int32_t type_id;
        uint64_t record = shm4j_checked_record(r, off, &length, &type_id);
        if (!record) return SHM4J_CORRUPT;
        next = h + record;
    } else {
        /* The first record header of this lap after h and below t, if any (every offset masked). */
        for (uint64_t q = h + 8; (int64_t)(q - t) < 0; q += 8) {
            uint64_t w = __atomic_load_n((uint64_t *)(r->data + (q & r->mask)), __ATOMIC_ACQUIRE);
            uint64_t s = w & SHM4J_STATE_MASK;
            if ((w & ~SHM4J_STATE_MASK) == q && s >= SHM4J_CLAIMED && s <= SHM4J_ABORTED) { next = q; break; }
        }
        if (next == h) {
            if (t != r->stuck_tail) { /* producers still reserving behind the gap: wait for a quiet tail */
                r->stuck_tail = t;
                r->stuck_since_ns = now;
                return 0;
            }
            next = t;
        }
    }
    shm4j_skip_to(r, h, next);
    return 1;
}

#endif
