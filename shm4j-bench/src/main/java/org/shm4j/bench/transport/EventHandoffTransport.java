package org.shm4j.bench.transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.SegmentTransport;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Waiter;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;

/**
 * The shm4j event hand-off: per direction one message slot and two auto-reset events, "full"
 * (the receiver sleeps on it) and "empty" (the sender sleeps on it when the slot is taken). Every
 * message wakes a sleeping peer through the kernel: compare with {@code c-futex}.
 *
 * <pre>
 * per direction: [full event 64 B][empty event 64 B][length u32, pad][payload ...]
 * </pre>
 */
public final class EventHandoffTransport extends SegmentTransport {
    private static final long EVENT_BYTES = 64;
    private static final long DATA_OFFSET = 2 * EVENT_BYTES + 8;
    private static final Duration SLICE = Duration.ofMillis(50);

    public EventHandoffTransport() {
        super("shm4j-event-block", "shm4j SharedEvent hand-off: a slot and two auto-reset events per direction");
    }

    private static long directionBytes(Spec spec) {
        return (DATA_OFFSET + spec.maxMessageBytes() + 63) & ~63L;
    }

    @Override
    protected long segmentBytes(Spec spec) {
        return 2 * directionBytes(spec);
    }

    @Override
    protected Channel harnessSide(MemorySegment memory, Spec spec, Waiter waiter) throws IOException {
        long half = directionBytes(spec);
        Direction out = Direction.create(memory.asSlice(0, half));
        Direction in = Direction.create(memory.asSlice(half, half));
        return new Pair(out, in, waiter);
    }

    @Override
    protected Channel peerSide(MemorySegment memory, Spec spec, Waiter waiter) throws IOException {
        long half = directionBytes(spec);
        Direction in = Direction.open(memory.asSlice(0, half));
        Direction out = Direction.open(memory.asSlice(half, half));
        return new Pair(out, in, waiter);
    }

    private record Direction(MemorySegment memory, SharedEvent full, SharedEvent empty) {
        static Direction create(MemorySegment memory) throws IOException {
            SharedEvent full = SharedEvent.create(memory.asSlice(0, EVENT_BYTES), EventReset.AUTO);
            SharedEvent empty = SharedEvent.create(memory.asSlice(EVENT_BYTES, EVENT_BYTES), EventReset.AUTO);
            empty.set(); // the slot starts free
            return new Direction(memory, full, empty);
        }

        static Direction open(MemorySegment memory) throws IOException {
            return new Direction(memory, SharedEvent.open(memory.asSlice(0, EVENT_BYTES)),
                    SharedEvent.open(memory.asSlice(EVENT_BYTES, EVENT_BYTES)));
        }
    }

    private record Pair(Direction out, Direction in, Waiter waiter) implements Channel {
        @Override
        public void send(MemorySegment source, int length) throws IOException {
            await(out.empty());
            MemorySegment.copy(source, 0, out.memory(), DATA_OFFSET, length);
            out.memory().set(ValueLayout.JAVA_INT, 2 * EVENT_BYTES, length);
            // set() publishes the slot: its release pairs with the receiver's acquiring await.
            out.full().set();
        }

        @Override
        public int receive(MemorySegment target) throws IOException {
            await(in.full());
            int length = in.memory().get(ValueLayout.JAVA_INT, 2 * EVENT_BYTES);
            if (length < 0 || length > target.byteSize() || DATA_OFFSET + length > in.memory().byteSize()) {
                throw new IOException("event hand-off: length out of range: length=" + length);
            }
            MemorySegment.copy(in.memory(), DATA_OFFSET, target, 0, length);
            in.empty().set();
            return length;
        }

        private void await(SharedEvent event) throws IOException {
            try {
                while (!event.tryAwait(SLICE)) {
                    waiter.check();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public void close() {
            out.full().close();
            out.empty().close();
            in.full().close();
            in.empty().close();
        }
    }
}
