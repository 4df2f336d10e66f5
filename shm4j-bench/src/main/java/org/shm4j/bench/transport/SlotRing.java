package org.shm4j.bench.transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.shm4j.bench.harness.Waiter;
import org.shm4j.bench.harness.Kv;

/**
 * The simplest correct single-producer single-consumer ring in shared memory, the raw baseline: a
 * power-of-two number of fixed slots, each with its own sequence word, so producer and consumer
 * share no index cache line. The C peer ({@code shm4j_bench_peer.c}) implements the same layout.
 *
 * <pre>
 * slot i, {@link #slotBytes} bytes, 64-byte aligned:
 *   0            8        12       16
 *   +------------+--------+--------+---------------------------+
 *   | sequence   | length | unused | payload (length bytes)    |
 *   +------------+--------+--------+---------------------------+
 * sequence == p      : free for the producer's message number p (initially i)
 * sequence == p + 1  : holds message p for the consumer
 * the consumer frees it by storing p + slots
 * </pre>
 * The producer's release store of {@code p + 1} pairs with the consumer's acquire load (the payload
 * is visible); the consumer's release store of {@code p + slots} pairs with the producer's acquire
 * load (the consumer is done reading before the slot is reused).
 */
final class SlotRing {
    static final int HEADER_BYTES = 16;
    /** Slots per ring; with 64-byte messages a ring is 32 KiB, with 64 KiB messages 16 MiB. */
    static final int SLOTS = 256;
    private static final VarHandle SEQUENCE = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment ring;
    private final int slotBytes;
    private final int maxMessageBytes;
    private final Waiter waiter;
    private long position;

    private SlotRing(MemorySegment ring, int maxMessageBytes, Waiter waiter) {
        this.slotBytes = slotBytes(maxMessageBytes);
        if (ring.byteSize() < (long) SLOTS * slotBytes) {
            throw new IllegalArgumentException(Kv.format("ring memory too small", "byteSize", ring.byteSize(),
                    "required", (long) SLOTS * slotBytes));
        }
        this.ring = ring;
        this.maxMessageBytes = maxMessageBytes;
        this.waiter = waiter;
    }

    static int slotBytes(int maxMessageBytes) {
        return (HEADER_BYTES + maxMessageBytes + 63) & ~63;
    }

    static long ringBytes(int maxMessageBytes) {
        return (long) SLOTS * slotBytes(maxMessageBytes);
    }

    /** Lays out a fresh ring (every slot free for its first message) and returns its producer or consumer. */
    static SlotRing create(MemorySegment ring, int maxMessageBytes, Waiter waiter) {
        SlotRing r = new SlotRing(ring, maxMessageBytes, waiter);
        for (int i = 0; i < SLOTS; i++) {
            SEQUENCE.setRelease(ring, (long) i * r.slotBytes, (long) i);
        }
        return r;
    }

    /** Attaches to a ring {@link #create} laid out. */
    static SlotRing attach(MemorySegment ring, int maxMessageBytes, Waiter waiter) {
        return new SlotRing(ring, maxMessageBytes, waiter);
    }

    /** Producer side (one thread). */
    void send(MemorySegment source, int length) throws IOException {
        long p = position;
        long offset = (p & (SLOTS - 1)) * slotBytes;
        // Acquire pairs with the consumer's release of p (slot freed).
        while ((long) SEQUENCE.getAcquire(ring, offset) != p) {
            waiter.spin();
        }
        ring.set(ValueLayout.JAVA_INT, offset + 8, length);
        MemorySegment.copy(source, 0, ring, offset + HEADER_BYTES, length);
        // Release pairs with the consumer's acquire of p + 1: payload and length are visible first.
        SEQUENCE.setRelease(ring, offset, p + 1);
        position = p + 1;
    }

    /** Consumer side (one thread). */
    int receive(MemorySegment target) throws IOException {
        long c = position;
        long offset = (c & (SLOTS - 1)) * slotBytes;
        // Acquire pairs with the producer's release of c + 1.
        while ((long) SEQUENCE.getAcquire(ring, offset) != c + 1) {
            waiter.spin();
        }
        int length = ring.get(ValueLayout.JAVA_INT, offset + 8);
        // The length was written by another process: checked before it is used.
        if (length < 0 || length > maxMessageBytes || length > target.byteSize()) {
            throw new IOException(Kv.format("invalid message length in ring", "length", length,
                    "maxMessageBytes", maxMessageBytes, "position", c));
        }
        MemorySegment.copy(ring, offset + HEADER_BYTES, target, 0, length);
        // Release pairs with the producer's acquire of c + SLOTS: reading is done before reuse.
        SEQUENCE.setRelease(ring, offset, c + SLOTS);
        position = c + 1;
        return length;
    }
}
