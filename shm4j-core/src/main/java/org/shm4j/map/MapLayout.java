package org.shm4j.map;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Every offset of the shared map format, version {@value #VERSION}. All fields are little-endian
 * and naturally aligned; {@code interop/c/shm4j_map.h} and {@code interop/python/shm4j_map.py}
 * repeat these numbers, and {@code MapLayoutTest} checks them against {@link #HEADER} and
 * {@link #STRIPE_HEADER}. The byte diagram is in the {@linkplain org.shm4j.map package
 * documentation}.
 */
public final class MapLayout {
    /** {@code "SHM4JMAP"} read as a little-endian u64; stored last, with a release store. */
    public static final long MAGIC = 0x50414D4A344D4853L;
    /** Stored in place of the magic while one process builds a map in caller-owned memory. */
    public static final long BUILDING = 0x474E49444C495542L; // "BUILDING"
    public static final int VERSION = 1;

    /** A map (and so each stripe and each stripe's mutex) starts on an 8-byte boundary. */
    public static final long ALIGNMENT = 8;

    /** Bucket value of a bucket never used since the last clean-up. */
    public static final long EMPTY = 0L;
    /** Bucket value of a removed entry: probing continues past it. */
    public static final long TOMBSTONE = -1L;

    public static final int MAX_STRIPES = 1024;
    public static final int MAX_KEY_BYTES = 1 << 16;
    public static final int MAX_VALUE_BYTES = 1 << 24;
    /** Slots (and so entries) of one stripe at most; buckets are at most twice that, rounded up to a power of two. */
    public static final int MAX_SLOTS_PER_STRIPE = 1 << 28;

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static final StructLayout HEADER = MemoryLayout.structLayout(
            I64.withName("magic"),
            I32.withName("version"),
            I32.withName("flags"),
            I64.withName("creator"),
            I32.withName("stripes"),
            I32.withName("bucketsPerStripe"),
            I32.withName("slotsPerStripe"),
            I32.withName("entriesPerStripe"),
            I32.withName("maxKeyBytes"),
            I32.withName("maxValueBytes"),
            I32.withName("slotBytes"),
            I32.withName("reserved"),
            I64.withName("stripeBytes"),
            I64.withName("stripesOffset"),
            I64.withName("totalBytes"),
            I64.withName("hashSeed"),
            I64.withName("requestedEntries"),
            MemoryLayout.paddingLayout(32)).withName("mapHeader");

    public static final StructLayout STRIPE_HEADER = MemoryLayout.structLayout(
            MemoryLayout.paddingLayout(64).withName("mutex"),
            I32.withName("size"),
            I32.withName("freeCount"),
            I32.withName("tombstones"),
            I32.withName("reserved"),
            I64.withName("writes"),
            MemoryLayout.paddingLayout(40)).withName("stripeHeader");

    public static final StructLayout SLOT_HEADER = MemoryLayout.structLayout(
            I64.withName("version"),
            I32.withName("keyLength"),
            I32.withName("valueLength")).withName("slotHeader");

    public static final long MAGIC_OFFSET = off(HEADER, "magic");
    public static final long VERSION_OFFSET = off(HEADER, "version");
    public static final long FLAGS_OFFSET = off(HEADER, "flags");
    public static final long CREATOR_OFFSET = off(HEADER, "creator");
    public static final long STRIPES_OFFSET = off(HEADER, "stripes");
    public static final long BUCKETS_PER_STRIPE_OFFSET = off(HEADER, "bucketsPerStripe");
    public static final long SLOTS_PER_STRIPE_OFFSET = off(HEADER, "slotsPerStripe");
    public static final long ENTRIES_PER_STRIPE_OFFSET = off(HEADER, "entriesPerStripe");
    public static final long MAX_KEY_BYTES_OFFSET = off(HEADER, "maxKeyBytes");
    public static final long MAX_VALUE_BYTES_OFFSET = off(HEADER, "maxValueBytes");
    public static final long SLOT_BYTES_OFFSET = off(HEADER, "slotBytes");
    public static final long STRIPE_BYTES_OFFSET = off(HEADER, "stripeBytes");
    public static final long STRIPES_AT_OFFSET = off(HEADER, "stripesOffset");
    public static final long TOTAL_BYTES_OFFSET = off(HEADER, "totalBytes");
    public static final long HASH_SEED_OFFSET = off(HEADER, "hashSeed");
    public static final long REQUESTED_ENTRIES_OFFSET = off(HEADER, "requestedEntries");
    public static final long HEADER_BYTES = HEADER.byteSize();

    /** The stripe's {@code SharedMutex} (64 bytes, {@code org.shm4j.sync} layout) is at offset 0 of the stripe. */
    public static final long STRIPE_MUTEX_OFFSET = 0;
    public static final long STRIPE_SIZE_OFFSET = off(STRIPE_HEADER, "size");
    public static final long STRIPE_FREE_COUNT_OFFSET = off(STRIPE_HEADER, "freeCount");
    public static final long STRIPE_TOMBSTONES_OFFSET = off(STRIPE_HEADER, "tombstones");
    public static final long STRIPE_WRITES_OFFSET = off(STRIPE_HEADER, "writes");
    public static final long STRIPE_HEADER_BYTES = STRIPE_HEADER.byteSize();
    /** The free-slot stack (u32 slot numbers) starts right after the stripe header. */
    public static final long FREE_STACK_OFFSET = STRIPE_HEADER_BYTES;

    public static final long SLOT_VERSION_OFFSET = off(SLOT_HEADER, "version");
    public static final long SLOT_KEY_LENGTH_OFFSET = off(SLOT_HEADER, "keyLength");
    public static final long SLOT_VALUE_LENGTH_OFFSET = off(SLOT_HEADER, "valueLength");
    public static final long SLOT_KEY_OFFSET = SLOT_HEADER.byteSize();

    private MapLayout() {}

    private static long off(StructLayout layout, String name) {
        return layout.byteOffset(PathElement.groupElement(name));
    }

    static long align(long value, long to) {
        return (value + to - 1) & -to;
    }

    /** Offset of the value bytes in a slot for keys of at most {@code maxKeyBytes}. */
    public static long slotValueOffset(int maxKeyBytes) {
        return SLOT_KEY_OFFSET + align(maxKeyBytes, 8);
    }

    /** Bytes of one slot. */
    public static long slotBytes(int maxKeyBytes, int maxValueBytes) {
        return slotValueOffset(maxKeyBytes) + align(maxValueBytes, 8);
    }

    /** Offset of the bucket array in a stripe. */
    public static long bucketsOffset(int slotsPerStripe) {
        return FREE_STACK_OFFSET + align(4L * slotsPerStripe, 64);
    }

    /** Offset of the slot array in a stripe. */
    public static long slotsOffset(int slotsPerStripe, int bucketsPerStripe) {
        return bucketsOffset(slotsPerStripe) + align(8L * bucketsPerStripe, 64);
    }

    /** Bytes of one stripe. */
    public static long stripeBytes(int slotsPerStripe, int bucketsPerStripe, long slotBytes) {
        return slotsOffset(slotsPerStripe, bucketsPerStripe) + align(slotBytes * slotsPerStripe, 64);
    }

    // ---- the key hash (C and Python repeat it) ---------------------------------------------------

    private static final long C1 = 0x87C37B91114253D5L;
    private static final long C2 = 0x4CF5AD432745937FL;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /**
     * The 64-bit hash of {@code length} key bytes at {@code offset} of {@code key}: the key is read
     * as little-endian 64-bit words (the last one zero-padded), each folded in with
     * {@code h = rotl(h ^ (w * C1), 31) * C2}, starting from {@code seed ^ (length * GOLDEN)}, and
     * the result goes through MurmurHash3's 64-bit finalizer. Bits 32-63 are the bucket's tag and
     * choose the stripe (their low bits), bits 0-31 the home bucket within the stripe.
     */
    public static long hash(java.lang.foreign.MemorySegment key, long offset, long length, long seed) {
        long h = seed ^ (length * GOLDEN);
        long i = 0;
        for (; i + 8 <= length; i += 8) {
            h = step(h, key.get(U64, offset + i));
        }
        if (i < length) {
            long w = 0;
            for (int shift = 0; i < length; i++, shift += 8) {
                w |= (key.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFFL) << shift;
            }
            h = step(h, w);
        }
        return finish(h);
    }

    /** {@link #hash} of the 8 little-endian bytes of {@code key}, without a segment. */
    public static long hashLong(long key, long seed) {
        return finish(step(seed ^ (8 * GOLDEN), key));
    }

    private static long step(long h, long w) {
        return Long.rotateLeft(h ^ (w * C1), 31) * C2;
    }

    private static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}
