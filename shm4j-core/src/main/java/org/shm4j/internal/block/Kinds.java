package org.shm4j.internal.block;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.ObjectKind;
import org.shm4j.SharedMemory;
import org.shm4j.WrongObjectKindException;

/**
 * The namespace's table of kinds: which magic, at which offset, marks which {@link ObjectKind},
 * and a registry of recognisers that read an object's first {@value #HEAD_BYTES} bytes and say
 * what it is. Everything no recogniser claims is a {@link ObjectKind#SEGMENT}.
 *
 * <p>A recogniser also checks that the object's size is the one its kind gives a named object of
 * that header (a ring: header plus capacity; a sync object: exactly its block), so a block placed
 * at offset 0 of a larger plain segment (the in-place factories) leaves that segment a segment.
 *
 * <p>A new kind plugs in with {@link #register} or a built-in recogniser here (the named file
 * mapping record and the shared map have one each) instead of a copy of this logic.
 */
public final class Kinds {
    /** How many leading bytes a recogniser sees (fewer when the object is smaller). */
    public static final int HEAD_BYTES = 64;

    /** {@code "SHM4RING"} read as a little-endian u64 at offset 0: a ring. */
    public static final long RING_MAGIC = 0x474E4952344D4853L;
    public static final long RING_TYPE_OFFSET = 0x0C;
    public static final long RING_CAPACITY_OFFSET = 0x10;
    /** Where a ring's data region starts: the header's size. */
    public static final long RING_HEADER_BYTES = 0x3000;
    public static final long RING_MIN_CAPACITY = 64;
    public static final long RING_MAX_CAPACITY = 1L << 40;

    /** {@code "SYNC"} read as a little-endian u32 at offset 0: a synchronization object. */
    public static final int SYNC_MAGIC = 0x434E5953;
    /** {@code "BILD"}: written in place of {@link #SYNC_MAGIC} while a block is being built in place. */
    public static final int SYNC_BUILDING = 0x444C4942;
    public static final long SYNC_TYPE_OFFSET = 6;
    public static final long SYNC_LOCK_BYTES = 64;
    public static final long SYNC_COUNTER_BYTES = 40;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Says what an object is from its first bytes.
     */
    @FunctionalInterface
    public interface Recogniser {
        /**
         * @param head the object's first {@code min(objectBytes, HEAD_BYTES)} bytes (a copy or a view;
         *     untrusted: any bytes at all)
         * @param objectBytes the object's size
         * @return the kind, or null if this recogniser does not know the object
         */
        ObjectKind recognise(MemorySegment head, long objectBytes);
    }

    /**
     * {@code "SHM4JNFM"} read as a little-endian u64 at offset 0: the record of a named file mapping
     * (its layout is owned by {@code org.shm4j.FileMappingRecord}: 64 header bytes, the path's
     * length u32 at offset 16, then the path).
     */
    public static final long FILE_MAPPING_MAGIC = org.shm4j.FileMappingRecord.MAGIC;
    public static final long FILE_MAPPING_PATH_BYTES_OFFSET = 16;
    public static final long FILE_MAPPING_HEADER_BYTES = org.shm4j.FileMappingRecord.HEADER_BYTES;

    /**
     * {@code "SHM4JMAP"} read as a little-endian u64 at offset 0: a shared map (its layout is owned
     * by {@code org.shm4j.map.MapLayout}: a 128-byte header, then {@code stripes} stripes of
     * {@code stripeBytes} each; the stripe count u32 at offset 24, the stripe size u64 at offset 56).
     */
    public static final long MAP_MAGIC = org.shm4j.map.MapLayout.MAGIC;
    /** Stored in place of {@link #MAP_MAGIC} while a map is being built. */
    public static final long MAP_BUILDING = org.shm4j.map.MapLayout.BUILDING;
    public static final long MAP_STRIPES_OFFSET = org.shm4j.map.MapLayout.STRIPES_OFFSET;
    public static final long MAP_STRIPE_BYTES_OFFSET = org.shm4j.map.MapLayout.STRIPE_BYTES_OFFSET;
    public static final long MAP_HEADER_BYTES = org.shm4j.map.MapLayout.HEADER_BYTES;
    public static final int MAP_MAX_STRIPES = org.shm4j.map.MapLayout.MAX_STRIPES;
    /** The least a stripe can be: its header, and one 64-byte line each for its free stack, buckets and slots. */
    public static final long MAP_STRIPE_MIN_BYTES = org.shm4j.map.MapLayout.STRIPE_HEADER_BYTES + 3 * 64;

    /*
     * The built-in recognisers, one per family. A new kind adds its recogniser here, or calls
     * register() from the class that owns its layout.
     */
    private static final List<Recogniser> RECOGNISERS = new CopyOnWriteArrayList<>(List.of(
            Kinds::ring,
            Kinds::sync,
            Kinds::fileMapping,
            Kinds::map));

    private Kinds() {}

    /** Adds a recogniser, consulted after the ones already there. */
    public static void register(Recogniser recogniser) {
        RECOGNISERS.add(Objects.requireNonNull(recogniser, "recogniser"));
    }

    /** The kind of an object whose first bytes are {@code head}; {@link ObjectKind#SEGMENT} when nobody knows it. */
    public static ObjectKind recognise(MemorySegment head, long objectBytes) {
        for (Recogniser r : RECOGNISERS) {
            ObjectKind k = r.recognise(head, objectBytes);
            if (k != null) {
                return k;
            }
        }
        return ObjectKind.SEGMENT;
    }

    /** The kind of the object behind an open handle, read through a small read-only view. */
    public static ObjectKind recognise(SharedMemory shm) throws IOException {
        long bytes = shm.byteSize();
        Access access = shm.access() == Access.COPY_ON_WRITE ? Access.COPY_ON_WRITE : Access.READ_ONLY;
        try (MappedView head = shm.map(access, 0, Math.min(bytes, HEAD_BYTES))) {
            return recognise(head.segment(), bytes);
        }
    }

    /**
     * Whether an object of {@code objectBytes} bytes whose magic is still zero can be a
     * {@code kind} whose creator has not yet published its header (a named object is visible
     * by name before its header is written). False means it is a plain segment.
     */
    public static boolean mayBeUnpublished(ObjectKind kind, MemorySegment head, long objectBytes) {
        if (head.byteSize() < 8) {
            return false;
        }
        int syncMagic = head.get(U32, 0);
        // A sync block being built carries SYNC_BUILDING before its type is written.
        boolean syncUnpublished = syncMagic == 0 || syncMagic == SYNC_BUILDING;
        return switch (kind) {
            case SPSC_RING, MPSC_RING, BROADCAST_RING -> head.get(U64, 0) == 0 && plausibleRingBytes(objectBytes);
            case MUTEX, READ_WRITE_LOCK -> syncUnpublished && objectBytes == SYNC_LOCK_BYTES;
            case EVENT, SEMAPHORE -> syncUnpublished && objectBytes == SYNC_COUNTER_BYTES;
            case MAP -> {
                long mapMagic = head.get(U64, 0);
                // A map is its header plus stripes of a multiple of 64 bytes (a stripe header of 128 at least).
                yield (mapMagic == 0 || mapMagic == MAP_BUILDING) && objectBytes >= MAP_HEADER_BYTES + MAP_STRIPE_MIN_BYTES
                        && (objectBytes - MAP_HEADER_BYTES) % 64 == 0;
            }
            case SEGMENT, FILE_MAPPING -> false;
        };
    }

    /**
     * Fails with {@link WrongObjectKindException} unless the object behind {@code shm} is one of
     * {@code expected}, or is a zeroed object of a size one of them could be while its creator
     * is still writing the header (the caller then waits for that header).
     */
    public static void require(SharedMemory shm, String name, Set<ObjectKind> expected) throws IOException {
        long bytes = shm.byteSize();
        Access access = shm.access() == Access.COPY_ON_WRITE ? Access.COPY_ON_WRITE : Access.READ_ONLY;
        try (MappedView view = shm.map(access, 0, Math.min(bytes, HEAD_BYTES))) {
            MemorySegment head = view.segment();
            ObjectKind found = recognise(head, bytes);
            if (expected.contains(found)) {
                return;
            }
            if (found == ObjectKind.SEGMENT) {
                for (ObjectKind k : expected) {
                    if (mayBeUnpublished(k, head, bytes)) {
                        return;
                    }
                }
            }
            throw new WrongObjectKindException(name, found, expected);
        }
    }

    private static boolean plausibleRingBytes(long objectBytes) {
        long capacity = objectBytes - RING_HEADER_BYTES;
        return capacity >= RING_MIN_CAPACITY && capacity <= RING_MAX_CAPACITY && Long.bitCount(capacity) == 1;
    }

    private static ObjectKind ring(MemorySegment head, long objectBytes) {
        if (head.byteSize() < RING_CAPACITY_OFFSET + 8 || head.get(U64, 0) != RING_MAGIC) {
            return null;
        }
        long capacity = head.get(U64, RING_CAPACITY_OFFSET);
        if (!plausibleRingBytes(objectBytes) || objectBytes - RING_HEADER_BYTES != capacity) {
            return null;
        }
        return switch (head.get(U32, RING_TYPE_OFFSET)) {
            case 1 -> ObjectKind.SPSC_RING;
            case 2 -> ObjectKind.MPSC_RING;
            case 3 -> ObjectKind.BROADCAST_RING;
            default -> null;
        };
    }

    private static ObjectKind fileMapping(MemorySegment head, long objectBytes) {
        if (head.byteSize() < FILE_MAPPING_PATH_BYTES_OFFSET + 4 || head.get(U64, 0) != FILE_MAPPING_MAGIC) {
            return null;
        }
        long pathBytes = Integer.toUnsignedLong(head.get(U32, FILE_MAPPING_PATH_BYTES_OFFSET));
        return objectBytes == FILE_MAPPING_HEADER_BYTES + pathBytes ? ObjectKind.FILE_MAPPING : null;
    }

    private static ObjectKind map(MemorySegment head, long objectBytes) {
        if (head.byteSize() < MAP_STRIPE_BYTES_OFFSET + 8 || head.get(U64, 0) != MAP_MAGIC) {
            return null;
        }
        long stripes = Integer.toUnsignedLong(head.get(U32, MAP_STRIPES_OFFSET));
        long stripeBytes = head.get(U64, MAP_STRIPE_BYTES_OFFSET);
        if (stripes < 1 || stripes > MAP_MAX_STRIPES || stripeBytes <= 0
                || stripeBytes > (objectBytes - MAP_HEADER_BYTES) / stripes) {
            return null;
        }
        // The size a named map of this header has: header plus its stripes, nothing more.
        return objectBytes == MAP_HEADER_BYTES + stripes * stripeBytes ? ObjectKind.MAP : null;
    }

    private static ObjectKind sync(MemorySegment head, long objectBytes) {
        if (head.byteSize() < SYNC_TYPE_OFFSET + 2) {
            return null;
        }
        int magic = head.get(U32, 0);
        if (magic != SYNC_MAGIC && magic != SYNC_BUILDING) {
            return null;
        }
        ObjectKind kind = switch (head.get(U16, SYNC_TYPE_OFFSET)) {
            case 1 -> ObjectKind.MUTEX;
            case 2 -> ObjectKind.READ_WRITE_LOCK;
            case 3 -> ObjectKind.EVENT;
            case 4 -> ObjectKind.SEMAPHORE;
            default -> null;
        };
        if (kind == null) {
            return null;
        }
        long size = kind == ObjectKind.MUTEX || kind == ObjectKind.READ_WRITE_LOCK ? SYNC_LOCK_BYTES : SYNC_COUNTER_BYTES;
        return objectBytes == size ? kind : null;
    }
}
