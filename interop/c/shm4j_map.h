/*
 * shm4j_map.h: read a shm4j shared map (org.shm4j.map, layout version 1) from C.
 *
 * Header-only, C11 with GCC/Clang atomics, little-endian machines. The layout and the protocol are
 * documented in org.shm4j.map's package documentation (docs/map.md); this file repeats the numbers.
 * It is a lock-free reader: shm4j_map_get() never blocks a Java writer and never returns a torn
 * value (each slot is a seqlock; a lookup that raced a writer starts over). Every count, index and
 * length read from shared memory is checked before use; a corrupt map gives SHM4J_MAP_ECORRUPT,
 * never an access outside the mapping, and every probe is bounded.
 *
 *   shm4j_map m;
 *   if (shm4j_map_attach(&m, base, size) == 0) {
 *       char value[64];
 *       int64_t n = shm4j_map_get(&m, "EURUSD", 6, value, sizeof value);   // >= 0: length
 *   }
 */
#ifndef SHM4J_MAP_H
#define SHM4J_MAP_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SHM4J_MAP_MAGIC 0x50414D4A344D4853ULL /* "SHM4JMAP" */
#define SHM4J_MAP_VERSION 1u

/* map header */
#define SHM4J_MAP_OFF_MAGIC 0x00
#define SHM4J_MAP_OFF_VERSION 0x08
#define SHM4J_MAP_OFF_CREATOR 0x10
#define SHM4J_MAP_OFF_STRIPES 0x18
#define SHM4J_MAP_OFF_BUCKETS_PER_STRIPE 0x1C
#define SHM4J_MAP_OFF_SLOTS_PER_STRIPE 0x20
#define SHM4J_MAP_OFF_ENTRIES_PER_STRIPE 0x24
#define SHM4J_MAP_OFF_MAX_KEY_BYTES 0x28
#define SHM4J_MAP_OFF_MAX_VALUE_BYTES 0x2C
#define SHM4J_MAP_OFF_SLOT_BYTES 0x30
#define SHM4J_MAP_OFF_STRIPE_BYTES 0x38
#define SHM4J_MAP_OFF_STRIPES_OFFSET 0x40
#define SHM4J_MAP_OFF_TOTAL_BYTES 0x48
#define SHM4J_MAP_OFF_HASH_SEED 0x50
#define SHM4J_MAP_OFF_REQUESTED_ENTRIES 0x58
#define SHM4J_MAP_HEADER_BYTES 0x80

/* stripe */
#define SHM4J_MAP_STRIPE_OFF_MUTEX_STATE 0x20 /* org.shm4j.sync mutex state u32: holder pid in bits 0-21 */
#define SHM4J_MAP_STRIPE_OFF_SIZE 0x40
#define SHM4J_MAP_STRIPE_OFF_FREE_COUNT 0x44
#define SHM4J_MAP_STRIPE_OFF_TOMBSTONES 0x48
#define SHM4J_MAP_STRIPE_OFF_WRITES 0x50
#define SHM4J_MAP_STRIPE_OFF_FREE_STACK 0x80

/* slot */
#define SHM4J_MAP_SLOT_OFF_VERSION 0x00
#define SHM4J_MAP_SLOT_OFF_KEY_LENGTH 0x08
#define SHM4J_MAP_SLOT_OFF_VALUE_LENGTH 0x0C
#define SHM4J_MAP_SLOT_OFF_KEY 0x10

#define SHM4J_MAP_EMPTY 0ULL
#define SHM4J_MAP_TOMBSTONE 0xFFFFFFFFFFFFFFFFULL

/* shm4j_map_get results below zero */
#define SHM4J_MAP_ABSENT (-1)
#define SHM4J_MAP_EINVAL (-2)   /* key length 0 or above the map's maximum */
#define SHM4J_MAP_ETOOSMALL (-3) /* the value is longer than the caller's buffer */
#define SHM4J_MAP_ECORRUPT (-4) /* the map's memory breaks its invariants */
#define SHM4J_MAP_EBUSY (-5)    /* a slot kept changing for about a second */

/* shm4j_map_attach results */
#define SHM4J_MAP_ENOTMAP (-10) /* too small, no magic yet, or foreign */
#define SHM4J_MAP_EVERSION (-11)
#define SHM4J_MAP_EHEADER (-12) /* header fields inconsistent, or larger than the mapping */

typedef struct {
    const uint8_t *base;
    uint64_t seed;
    uint32_t stripes, buckets, slots, entries_per_stripe, max_key, max_value;
    uint64_t slot_bytes, stripe_bytes, stripes_offset, buckets_offset, slots_offset, value_offset, total_bytes;
} shm4j_map;

static inline uint64_t shm4j_map_rd64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t shm4j_map_rd32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t shm4j_map_align(uint64_t v, uint64_t to) {
    return (v + to - 1) & ~(to - 1);
}

static inline uint64_t shm4j_map_rotl(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t shm4j_map_step(uint64_t h, uint64_t w) {
    return shm4j_map_rotl(h ^ (w * 0x87C37B91114253D5ULL), 31) * 0x4CF5AD432745937FULL;
}

/* The key hash (org.shm4j.map.MapLayout.hash): little-endian 64-bit words, the last zero-padded. */
static inline uint64_t shm4j_map_hash(const void *key, size_t length, uint64_t seed) {
    const uint8_t *k = (const uint8_t *)key;
    uint64_t h = seed ^ ((uint64_t)length * 0x9E3779B97F4A7C15ULL);
    size_t i = 0;
    for (; i + 8 <= length; i += 8) {
        h = shm4j_map_step(h, shm4j_map_rd64(k + i));
    }
    if (i < length) {
        uint64_t w = 0;
        for (int shift = 0; i < length; i++, shift += 8) {
            w |= (uint64_t)k[i] << shift;
        }
        h = shm4j_map_step(h, w);
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

/*
 * Checks the header of the map mapped at base (size bytes, 8-byte aligned) and fills m. Returns 0,
 * or SHM4J_MAP_ENOTMAP / EVERSION / EHEADER. Every size is recomputed from the maxima and counts and
 * must match, so no offset derived from the header can leave the mapping.
 */
static inline int shm4j_map_attach(shm4j_map *m, const void *base, uint64_t size) {
    const uint8_t *b = (const uint8_t *)base;
    if (size < SHM4J_MAP_HEADER_BYTES || ((uintptr_t)b & 7) != 0) {
        return SHM4J_MAP_ENOTMAP;
    }
    /* Acquire: pairs with the creator's release store of the magic, written after every field. */
    if (__atomic_load_n((const uint64_t *)(b + SHM4J_MAP_OFF_MAGIC), __ATOMIC_ACQUIRE) != SHM4J_MAP_MAGIC) {
        return SHM4J_MAP_ENOTMAP;
    }
    if (shm4j_map_rd32(b + SHM4J_MAP_OFF_VERSION) != SHM4J_MAP_VERSION) {
        return SHM4J_MAP_EVERSION;
    }
    uint32_t stripes = shm4j_map_rd32(b + SHM4J_MAP_OFF_STRIPES);
    uint32_t buckets = shm4j_map_rd32(b + SHM4J_MAP_OFF_BUCKETS_PER_STRIPE);
    uint32_t slots = shm4j_map_rd32(b + SHM4J_MAP_OFF_SLOTS_PER_STRIPE);
    uint32_t entries = shm4j_map_rd32(b + SHM4J_MAP_OFF_ENTRIES_PER_STRIPE);
    uint32_t max_key = shm4j_map_rd32(b + SHM4J_MAP_OFF_MAX_KEY_BYTES);
    uint32_t max_value = shm4j_map_rd32(b + SHM4J_MAP_OFF_MAX_VALUE_BYTES);
    uint64_t slot_bytes = shm4j_map_rd32(b + SHM4J_MAP_OFF_SLOT_BYTES);
    uint64_t stripe_bytes = shm4j_map_rd64(b + SHM4J_MAP_OFF_STRIPE_BYTES);
    uint64_t stripes_offset = shm4j_map_rd64(b + SHM4J_MAP_OFF_STRIPES_OFFSET);
    uint64_t total = shm4j_map_rd64(b + SHM4J_MAP_OFF_TOTAL_BYTES);
    if (stripes < 1 || stripes > 1024 || (stripes & (stripes - 1)) != 0 || slots < 2 || slots > (1u << 28)
            || entries != slots - 1 || max_key < 1 || max_key > (1u << 16) || max_value > (1u << 24)) {
        return SHM4J_MAP_EHEADER;
    }
    uint32_t want_buckets = 8;
    while (want_buckets < 2 * slots) {
        want_buckets <<= 1;
    }
    uint64_t value_offset = SHM4J_MAP_SLOT_OFF_KEY + shm4j_map_align(max_key, 8);
    uint64_t want_slot = value_offset + shm4j_map_align(max_value, 8);
    uint64_t buckets_offset = SHM4J_MAP_STRIPE_OFF_FREE_STACK + shm4j_map_align(4ULL * slots, 64);
    uint64_t slots_offset = buckets_offset + shm4j_map_align(8ULL * buckets, 64);
    uint64_t want_stripe = slots_offset + shm4j_map_align(want_slot * slots, 64);
    if (buckets != want_buckets || slot_bytes != want_slot || stripe_bytes != want_stripe
            || stripes_offset != SHM4J_MAP_HEADER_BYTES || total != stripes_offset + stripes * stripe_bytes
            || total > size) {
        return SHM4J_MAP_EHEADER;
    }
    m->base = b;
    m->seed = shm4j_map_rd64(b + SHM4J_MAP_OFF_HASH_SEED);
    m->stripes = stripes;
    m->buckets = buckets;
    m->slots = slots;
    m->entries_per_stripe = entries;
    m->max_key = max_key;
    m->max_value = max_value;
    m->slot_bytes = slot_bytes;
    m->stripe_bytes = stripe_bytes;
    m->stripes_offset = stripes_offset;
    m->buckets_offset = buckets_offset;
    m->slots_offset = slots_offset;
    m->value_offset = value_offset;
    m->total_bytes = total;
    return 0;
}

/*
 * Copies the value of key into out (capacity cap) and returns its length, or a negative
 * SHM4J_MAP_* result. Lock-free: a lookup that raced a writer (the bucket or the slot's version
 * moved while it read) starts over from the home bucket.
 */
static inline int64_t shm4j_map_get(const shm4j_map *m, const void *key, size_t klen, void *out, size_t cap) {
    if (klen < 1 || klen > m->max_key) {
        return SHM4J_MAP_EINVAL;
    }
    uint64_t h = shm4j_map_hash(key, klen, m->seed);
    uint32_t tag = (uint32_t)(h >> 32);
    const uint8_t *stripe = m->base + m->stripes_offset + (uint64_t)(tag & (m->stripes - 1)) * m->stripe_bytes;
    uint32_t mask = m->buckets - 1;
    uint32_t home = (uint32_t)h & mask;
    for (long attempt = 0; attempt < 20000000L; attempt++) {
        int retry = 0;
        for (uint32_t i = 0; i < m->buckets; i++) {
            const uint64_t *bp = (const uint64_t *)(stripe + m->buckets_offset + 8ULL * ((home + i) & mask));
            /* Acquire: pairs with the writer's release store that published the bucket. */
            uint64_t w = __atomic_load_n(bp, __ATOMIC_ACQUIRE);
            if (w == SHM4J_MAP_EMPTY) {
                return SHM4J_MAP_ABSENT;
            }
            if (w == SHM4J_MAP_TOMBSTONE || (uint32_t)(w >> 32) != tag) {
                continue;
            }
            uint32_t slot = (uint32_t)w - 1;
            if (slot >= m->slots) {
                return SHM4J_MAP_ECORRUPT;
            }
            const uint8_t *sp = stripe + m->slots_offset + (uint64_t)slot * m->slot_bytes;
            /* Acquire: pairs with the release store that ended the slot's last write. */
            uint64_t v1 = __atomic_load_n((const uint64_t *)sp, __ATOMIC_ACQUIRE);
            if (v1 & 1) {
                retry = 1;
                break;
            }
            uint32_t kl = __atomic_load_n((const uint32_t *)(sp + SHM4J_MAP_SLOT_OFF_KEY_LENGTH), __ATOMIC_RELAXED);
            uint32_t vl = __atomic_load_n((const uint32_t *)(sp + SHM4J_MAP_SLOT_OFF_VALUE_LENGTH), __ATOMIC_RELAXED);
            int sane = kl >= 1 && kl <= m->max_key && vl <= m->max_value;
            int match = sane && kl == klen && memcmp(sp + SHM4J_MAP_SLOT_OFF_KEY, key, klen) == 0;
            if (match && vl <= cap) {
                memcpy(out, sp + m->value_offset, vl);
            }
            /* The reads above happen before the bucket and version are read again (the seqlock). */
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            if (__atomic_load_n(bp, __ATOMIC_ACQUIRE) != w
                    || __atomic_load_n((const uint64_t *)sp, __ATOMIC_RELAXED) != v1) {
                retry = 1;
                break;
            }
            if (!sane) {
                return SHM4J_MAP_ECORRUPT;
            }
            if (match) {
                return vl <= cap ? (int64_t)vl : SHM4J_MAP_ETOOSMALL;
            }
        }
        if (!retry) {
            return SHM4J_MAP_ABSENT;
        }
        if (attempt > 64) {
            sched_yield();
        }
    }
    return SHM4J_MAP_EBUSY;
}

/* Entries of one stripe (a snapshot without locks; 0 for an out-of-range stripe). */
static inline uint32_t shm4j_map_stripe_size(const shm4j_map *m, uint32_t stripe) {
    if (stripe >= m->stripes) {
        return 0;
    }
    uint32_t n = __atomic_load_n((const uint32_t *)(m->base + m->stripes_offset + stripe * m->stripe_bytes
            + SHM4J_MAP_STRIPE_OFF_SIZE), __ATOMIC_RELAXED);
    return n > m->entries_per_stripe ? m->entries_per_stripe : n;
}

#endif
