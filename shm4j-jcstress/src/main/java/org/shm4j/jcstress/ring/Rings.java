package org.shm4j.jcstress.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.BroadcastTransmitter;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RingBusyException;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingOption;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * Small rings for one jcstress state each, formatted in native memory of their own. The data region
 * is {@link #CAPACITY} bytes: a record with a {@link Payload} takes 80 bytes (88 in a broadcast
 * ring, whose record header is 24 bytes), so three fill it (two in a broadcast ring) and the next
 * one wraps: the tests reach the wrap and the reuse of consumed space in a few operations.
 */
final class Rings {
    static final long CAPACITY = 256;
    /** Long enough that no test consumer ever skips a record it was not meant to. */
    static final Duration NO_SKIP = Duration.ofDays(1);

    private Rings() {}

    static MemorySegment memory() {
        return memory(CAPACITY);
    }

    /** Memory for a ring of {@code capacity} data bytes, aligned to a cache line. */
    static MemorySegment memory(long capacity) {
        // Automatic arena, as Blocks in the sync tests: jcstress makes millions of states, the GC
        // returns their memory. One ring is a 12 KiB header plus the data region.
        return Arena.ofAuto().allocate(SpscRing.requiredBytes(capacity), 64);
    }

    /** A new SPSC ring whose first record is at {@code start} (a multiple of 8, any 64-bit value). */
    static SpscRing spsc(long start) {
        return SpscRing.create(memory(), CAPACITY, RingOption.startPosition(start));
    }

    static MpscRing mpsc(long start) {
        return MpscRing.create(memory(), CAPACITY, RingOption.startPosition(start));
    }

    static BroadcastRing broadcast() {
        return BroadcastRing.create(memory(), CAPACITY);
    }

    static RingProducer producer(MessageRing ring) {
        try {
            return ring.producer(WaitStrategy.busySpin());
        } catch (RingBusyException e) {
            throw unchecked(e);
        }
    }

    static RingConsumer consumer(MessageRing ring) {
        return consumer(ring, WaitStrategy.busySpin(), NO_SKIP);
    }

    static RingConsumer consumer(MessageRing ring, WaitStrategy wait, Duration skipTimeout) {
        try {
            return ring.consumer(wait, skipTimeout);
        } catch (RingBusyException e) {
            throw unchecked(e);
        }
    }

    static BroadcastTransmitter transmitter(BroadcastRing ring) {
        try {
            return ring.transmitter();
        } catch (RingBusyException e) {
            throw unchecked(e);
        }
    }

    static RuntimeException unchecked(Exception e) {
        return new IllegalStateException(e);
    }
}
