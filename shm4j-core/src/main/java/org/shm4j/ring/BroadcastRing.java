package org.shm4j.ring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;

/**
 * A one-to-many ring: one transmitter, any number of receivers in any processes. The transmitter
 * never waits for receivers; it overwrites the oldest records. A receiver that falls more than the
 * capacity behind is lapped: it is told how many records it lost ({@link RecordHandler#onLoss}) and
 * continues from the latest record. Receivers copy each record and check, after copying, that the
 * transmitter did not start overwriting it, so they never see a torn record.
 *
 * {@snippet :
 * try (BroadcastRing ring = BroadcastRing.create("ticks", 1 << 20);
 *      BroadcastTransmitter tx = ring.transmitter()) {
 *     tx.transmit(1, payload);
 * }
 * // any number of other processes:
 * try (BroadcastRing ring = BroadcastRing.open("ticks");
 *      BroadcastReceiver rx = ring.receiver(WaitStrategy.blocking())) {
 *     rx.poll((type, payload) -> handle(payload), 100, Duration.ofSeconds(1));
 * }
 * }
 */
public final class BroadcastRing implements Ring {
    private final RingRegion region;

    private BroadcastRing(RingRegion region) {
        this.region = region;
    }

    /**
     * Creates a named broadcast ring.
     *
     * @param capacityBytes bytes of the data region: a power of two from 64 to 2^40
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     * @throws IOException if the segment cannot be created
     */
    public static BroadcastRing create(String name, long capacityBytes, RingOption... options) throws IOException {
        return new BroadcastRing(RingRegion.create(name, RingType.BROADCAST, capacityBytes, options));
    }

    /**
     * Opens an existing named broadcast ring.
     *
     * @throws java.nio.file.NoSuchFileException if there is no segment of that name
     * @throws RingNotInitializedException if the creator never published the header
     * @throws org.shm4j.WrongObjectKindException if the name holds another kind of object (another
     *     ring type, a lock, a plain segment), at once
     * @throws RingFormatException if its header is not a valid broadcast ring
     */
    public static BroadcastRing open(String name, RingOption... options) throws IOException {
        return new BroadcastRing(RingRegion.open(name, EnumSet.of(RingType.BROADCAST), options));
    }

    /**
     * Opens the named broadcast ring, or creates it if the name is free; race-free, see
     * {@link SpscRing#openOrCreate}. {@link #created()} tells which happened.
     *
     * @throws org.shm4j.WrongObjectKindException if the name holds another kind of object, at once
     * @throws RingFormatException if the name holds a ring of another capacity, or a ring header
     *     that is not valid
     * @throws RingNotInitializedException if the name exists but its creator never published the header
     */
    public static BroadcastRing openOrCreate(String name, long capacityBytes, RingOption... options)
            throws IOException {
        return new BroadcastRing(RingRegion.openOrCreate(name, RingType.BROADCAST, capacityBytes, options));
    }

    /** Creates a broadcast ring in memory the caller owns; see {@link SpscRing#create(MemorySegment, long, RingOption...)}. */
    public static BroadcastRing create(MemorySegment segment, long capacityBytes, RingOption... options) {
        return new BroadcastRing(RingRegion.format(segment, RingType.BROADCAST, capacityBytes, options));
    }

    /** Opens a broadcast ring created in {@code segment}. @throws RingFormatException if there is none */
    public static BroadcastRing open(MemorySegment segment) throws RingFormatException {
        return new BroadcastRing(RingRegion.attach(segment, EnumSet.of(RingType.BROADCAST)));
    }

    /** {@link RingType#BROADCAST}. */
    @Override
    public RingType type() {
        return RingType.BROADCAST;
    }

    /** Whether the call that returned this handle created the ring (see {@link Ring#created()}). */
    @Override
    public boolean created() {
        return region.created;
    }

    /** Bytes a ring of {@code capacityBytes} takes: a 12 KiB header, then the data region. */
    public static long requiredBytes(long capacityBytes) {
        return RingRegion.requiredBytes(capacityBytes);
    }

    @Override
    public long capacityBytes() {
        return region.capacity;
    }

    /** The largest payload: half the capacity less the 24-byte record header, at most 2^30 - 24. */
    @Override
    public int maxPayloadBytes() {
        return region.maxPayload;
    }

    /**
     * Becomes the transmitter.
     *
     * @throws RingBusyException if a live process is the transmitter
     */
    public BroadcastTransmitter transmitter() throws RingBusyException {
        return BroadcastTransmitter.open(region);
    }

    /**
     * A receiver that starts with the latest record transmitted (or the first one, if none was yet)
     * and waits with spin-then-yield.
     *
     * @throws RingCorruptedException if the ring's latest position, read from shared memory, is not
     *     a record of the ring
     */
    public BroadcastReceiver receiver() {
        return receiver(WaitStrategy.spinThenYield());
    }

    /** As {@link #receiver()}, waiting with {@code wait}. @throws RingCorruptedException as {@link #receiver()} */
    public BroadcastReceiver receiver(WaitStrategy wait) {
        return BroadcastReceiver.open(region, wait);
    }

    /** A snapshot of the ring's counters; receivers are not registered, so the read side is empty. */
    @Override
    public RingStats stats() {
        return region.stats();
    }

    /** Closes the transmitter and receivers made from this handle and unmaps the ring if this handle mapped it. */
    @Override
    public void close() {
        region.close();
    }

    @Override
    public String toString() {
        return "BroadcastRing[name=" + region.name + ", capacity=" + region.capacity + "]";
    }
}
