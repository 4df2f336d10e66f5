package org.shm4j.bench.transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.SegmentTransport;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Waiter;

/**
 * The baseline: two {@link SlotRing}s (one per direction) in one shm4j segment, both sides spinning.
 * Anything built on shared memory pays at least this; a transport close to it adds little.
 */
public final class ShmSpinTransport extends SegmentTransport {
    public ShmSpinTransport() {
        super("shm-spin", "Java, raw spin SPSC slot ring over one shm4j segment (256 slots per direction)");
    }

    @Override
    protected long segmentBytes(Spec spec) {
        return 2 * SlotRing.ringBytes(spec.maxMessageBytes());
    }

    @Override
    protected Channel harnessSide(MemorySegment memory, Spec spec, Waiter waiter) {
        long half = SlotRing.ringBytes(spec.maxMessageBytes());
        SlotRing out = SlotRing.create(memory.asSlice(0, half), spec.maxMessageBytes(), waiter);
        SlotRing in = SlotRing.create(memory.asSlice(half, half), spec.maxMessageBytes(), waiter);
        return new RingPair(out, in);
    }

    @Override
    protected Channel peerSide(MemorySegment memory, Spec spec, Waiter waiter) {
        long half = SlotRing.ringBytes(spec.maxMessageBytes());
        SlotRing in = SlotRing.attach(memory.asSlice(0, half), spec.maxMessageBytes(), waiter);
        SlotRing out = SlotRing.attach(memory.asSlice(half, half), spec.maxMessageBytes(), waiter);
        return new RingPair(out, in);
    }

    private record RingPair(SlotRing out, SlotRing in) implements Channel {
        @Override
        public void send(MemorySegment source, int length) throws IOException {
            out.send(source, length);
        }

        @Override
        public int receive(MemorySegment target) throws IOException {
            return in.receive(target);
        }

        @Override
        public void close() {}
    }
}
