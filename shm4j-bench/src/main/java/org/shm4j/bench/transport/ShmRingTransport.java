package org.shm4j.bench.transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.SegmentTransport;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Waiter;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * shm4j's own rings ({@link SpscRing}, {@link MpscRing}), one per direction in one segment,
 * spinning or blocking on the ring's futex. Producers write with the copying {@code offer}, as
 * Agrona's side writes with its copying {@code write}; the consumer copies each record into the
 * harness's buffer, as every other transport does. The rings live in the caller-mapped segment
 * ({@code create(segment)}), so their hot paths keep the scoped, checked segment: rings a process
 * maps by name reach memory by absolute address instead (see {@code org.shm4j.ring}).
 */
public final class ShmRingTransport extends SegmentTransport {
    /** How the two sides wait. */
    public enum Wait { SPIN, BLOCK }

    private static final Duration BLOCK_SLICE = Duration.ofMillis(50);

    private final boolean mpsc;
    private final Wait wait;

    private ShmRingTransport(String name, String description, boolean mpsc, Wait wait) {
        super(name, description);
        this.mpsc = mpsc;
        this.wait = wait;
    }

    public static ShmRingTransport spsc(Wait wait) {
        return new ShmRingTransport("shm4j-spsc-" + (wait == Wait.SPIN ? "spin" : "block"),
                "shm4j SpscRing per direction, " + (wait == Wait.SPIN ? "busy-spinning" : "blocking (futex)")
                        + " waits", false, wait);
    }

    public static ShmRingTransport mpsc(Wait wait) {
        return new ShmRingTransport("shm4j-mpsc-" + (wait == Wait.SPIN ? "spin" : "block"),
                "shm4j MpscRing per direction, " + (wait == Wait.SPIN ? "busy-spinning" : "blocking (futex)")
                        + " waits, one producer per sending thread", true, wait);
    }

    @Override
    public int maxProducers() {
        return mpsc ? 4 : 1;
    }

    /** A power of two that holds several of the largest messages. */
    private static long capacity(Spec spec) {
        long want = Math.max(1L << 20, 8L * (spec.maxMessageBytes() + 64));
        return Long.highestOneBit(want - 1) << 1;
    }

    @Override
    protected long segmentBytes(Spec spec) {
        return 2 * SpscRing.requiredBytes(capacity(spec));
    }

    @Override
    protected Channel harnessSide(MemorySegment memory, Spec spec, Waiter waiter) {
        long half = SpscRing.requiredBytes(capacity(spec));
        MessageRing out = format(memory.asSlice(0, half), capacity(spec));
        MessageRing in = format(memory.asSlice(half, half), capacity(spec));
        return new RingChannel(out, in, waiter);
    }

    @Override
    protected Channel peerSide(MemorySegment memory, Spec spec, Waiter waiter) throws IOException {
        long half = SpscRing.requiredBytes(capacity(spec));
        MessageRing in = attach(memory.asSlice(0, half));
        MessageRing out = attach(memory.asSlice(half, half));
        return new RingChannel(out, in, waiter);
    }

    private MessageRing format(MemorySegment memory, long capacity) {
        return mpsc ? MpscRing.create(memory, capacity) : SpscRing.create(memory, capacity);
    }

    private MessageRing attach(MemorySegment memory) throws IOException {
        return mpsc ? MpscRing.open(memory) : SpscRing.open(memory);
    }

    private WaitStrategy strategy() {
        return wait == Wait.SPIN ? WaitStrategy.busySpin() : WaitStrategy.blocking();
    }

    /** One ring out, one ring in; a producer per sending thread, one consumer. */
    private final class RingChannel implements Channel, RecordHandler {
        private final MessageRing out;
        private final MessageRing in;
        private final Waiter waiter;
        private final List<RingProducer> producers = new CopyOnWriteArrayList<>();
        private final ThreadLocal<RingProducer> producer;
        private RingConsumer consumer;
        private MemorySegment target;
        private int received;

        RingChannel(MessageRing out, MessageRing in, Waiter waiter) {
            this.out = out;
            this.in = in;
            this.waiter = waiter;
            this.producer = ThreadLocal.withInitial(() -> {
                try {
                    RingProducer p = out.producer(strategy());
                    producers.add(p);
                    return p;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }

        /** The first sending thread and its producer: spares that thread the ThreadLocal lookup per message. */
        private Thread firstThread;
        private RingProducer firstProducer;

        /**
         * Sends with the copying {@code offer}, as Agrona's side sends with its copying {@code write}
         * (the zero-copy {@code tryClaim} is measured in JMH, {@code RingOpsBenchmark}).
         */
        @Override
        public void send(MemorySegment source, int length) throws IOException {
            RingProducer p;
            if (Thread.currentThread() == firstThread) {
                p = firstProducer;
            } else {
                try {
                    p = producer.get();
                } catch (java.io.UncheckedIOException e) {
                    throw e.getCause();
                }
                synchronized (this) {
                    // Set once; only the thread that set them reads them (it compares itself first).
                    if (firstThread == null) {
                        firstProducer = p;
                        firstThread = Thread.currentThread();
                    }
                }
            }
            MemorySegment payload = length == source.byteSize() ? source : source.asSlice(0, length);
            while (!p.offer(1, payload)) {
                if (wait == Wait.SPIN) {
                    waiter.spin();
                } else {
                    waiter.check();
                    Thread.onSpinWait();
                }
            }
        }

        @Override
        public int receive(MemorySegment target) throws IOException {
            if (consumer == null) {
                consumer = in.consumer(strategy(), Duration.ofSeconds(5));
            }
            this.target = target;
            this.received = -1;
            if (wait == Wait.SPIN) {
                while (consumer.poll(this, 1) == 0) {
                    waiter.spin();
                }
            } else {
                try {
                    while (consumer.poll(this, 1, BLOCK_SLICE) == 0) {
                        waiter.check();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while receiving", e);
                }
            }
            return received;
        }

        @Override
        public void onRecord(int typeId, MemorySegment payload) {
            MemorySegment.copy(payload, 0, target, 0, payload.byteSize());
            received = (int) payload.byteSize();
        }

        @Override
        public void close() {
            for (RingProducer p : producers) {
                p.close();
            }
            if (consumer != null) {
                consumer.close();
            }
            out.close();
            in.close();
        }
    }
}
