package org.shm4j.ring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;

/**
 * A ring of variable-length records, many producers (up to 64 at a time, in any processes), one consumer. Producers reserve space with a CAS on the tail.
 *
 * {@snippet :
 * // process A
 * try (MpscRing ring = MpscRing.create("orders", 1 << 20);
 *      RingProducer producer = ring.producer()) {
 *     producer.offer(1, MemorySegment.ofArray("hello".getBytes()));
 * }
 * // process B
 * try (MpscRing ring = MpscRing.open("orders");
 *      RingConsumer consumer = ring.consumer()) {
 *     consumer.poll((type, payload) -> System.out.println(payload.byteSize()), 100, Duration.ofSeconds(1));
 * }
 * }
 */
public final class MpscRing extends RegionRing {

    MpscRing(RingRegion region) {
        super(region);
    }

    /**
     * Creates a named ring: a segment of {@link #requiredBytes(long)} bytes whose header is
     * published last.
     *
     * @param capacityBytes bytes of the data region: a power of two from 64 to 2^40
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     * @throws IllegalArgumentException if the capacity is not a power of two in range
     * @throws IOException if the segment cannot be created
     */
    public static MpscRing create(String name, long capacityBytes, RingOption... options) throws IOException {
        return new MpscRing(RingRegion.create(name, RingType.MPSC, capacityBytes, options));
    }

    /**
     * Opens an existing named ring.
     *
     * @throws java.nio.file.NoSuchFileException if there is no segment of that name
     * @throws RingNotInitializedException if its creator died before publishing the header, or did
     *     not publish it within the open timeout
     * @throws org.shm4j.WrongObjectKindException if the name holds another kind of object (another
     *     ring type, a lock, a plain segment), at once
     * @throws RingFormatException if its header is not a valid ring
     */
    public static MpscRing open(String name, RingOption... options) throws IOException {
        return new MpscRing(RingRegion.open(name, EnumSet.of(RingType.MPSC), options));
    }

    /**
     * Opens the named MPSC ring, or creates it if the name is free; race-free, see
     * {@link SpscRing#openOrCreate}. {@link #created()} tells which happened.
     *
     * @throws org.shm4j.WrongObjectKindException if the name holds another kind of object, at once
     * @throws RingFormatException if the name holds a ring of another capacity, or a ring header
     *     that is not valid
     * @throws RingNotInitializedException if the name exists but its creator never published the header
     */
    public static MpscRing openOrCreate(String name, long capacityBytes, RingOption... options) throws IOException {
        return new MpscRing(RingRegion.openOrCreate(name, RingType.MPSC, capacityBytes, options));
    }

    /**
     * Creates a new ring in memory the caller owns (a view of a segment, or part of one), zeroing
     * it. The memory must stay mapped while the ring is used; closing the ring does not unmap it.
     *
     * @throws IllegalArgumentException if the segment is not native, writable, aligned to 8 bytes
     *     and at least {@link #requiredBytes(long)} long
     */
    public static MpscRing create(MemorySegment segment, long capacityBytes, RingOption... options) {
        return new MpscRing(RingRegion.format(segment, RingType.MPSC, capacityBytes, options));
    }

    /**
     * Opens a ring another process created in {@code segment}.
     *
     * @throws RingFormatException if the memory does not hold a published ring of this type
     */
    public static MpscRing open(MemorySegment segment) throws RingFormatException {
        return new MpscRing(RingRegion.attach(segment, EnumSet.of(RingType.MPSC)));
    }

    /** Bytes a ring of {@code capacityBytes} takes: a 12 KiB header, then the data region. */
    public static long requiredBytes(long capacityBytes) {
        return RingRegion.requiredBytes(capacityBytes);
    }

    @Override
    public RingType type() {
        return RingType.MPSC;
    }
}
