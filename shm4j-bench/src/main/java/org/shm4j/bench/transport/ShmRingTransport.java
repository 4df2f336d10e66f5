package org.shm4j.bench.transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.shm4j.SharedMemory;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.JvmTransport;
import org.shm4j.bench.harness.Listener;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Waiter;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingClaim;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * shm4j's own rings ({@link SpscRing}, {@link MpscRing}), one named ring per direction, used as
 * docs/ring.md tells users to: the harness side {@code create}s both by name, the peer
 * {@code open}s them by name (so both sides reach them through the constant-segment path, as
 * {@code RingBench} does). Producers write with the copying {@code offer}, as Agrona's side writes
 * with its copying {@code write}; the {@code -claim} variant writes with the zero-copy
 * {@code tryClaim} + fill + {@code commit} instead, and is labelled so. The consumer copies each
 * record into the harness's buffer, as every other transport does.
 */
public final class ShmRingTransport extends JvmTransport {
    /** How the two sides wait. */
    public enum Wait { SPIN, BLOCK }

    /** How a producer writes a record. */
    public enum Write {
        /** {@code offer(type, payload)}: copies the payload. */
        OFFER,
        /** {@code tryClaim(type, length)}, copy into the claim's segment, {@code commit()}: zero copy. */
        CLAIM
    }

    private static final Duration BLOCK_SLICE = Duration.ofMillis(50);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final boolean mpsc;
    private final Wait wait;
    private final Write write;

    private ShmRingTransport(String name, String description, boolean mpsc, Wait wait, Write write) {
        super(name, description);
        this.mpsc = mpsc;
        this.wait = wait;
        this.write = write;
    }

    public static ShmRingTransport spsc(Wait wait) {
        return new ShmRingTransport("shm4j-spsc-" + (wait == Wait.SPIN ? "spin" : "block"),
                "shm4j SpscRing per direction, opened by name, copying `offer`, "
                        + (wait == Wait.SPIN ? "busy-spinning" : "blocking (futex)") + " waits",
                false, wait, Write.OFFER);
    }

    /** The zero-copy variant: {@code tryClaim} + copy into the claim + {@code commit}, spinning. */
    public static ShmRingTransport spscClaim() {
        return new ShmRingTransport("shm4j-spsc-claim",
                "shm4j SpscRing per direction, opened by name, zero-copy `tryClaim` + `commit` "
                        + "(the payload is written into the claim), busy-spinning waits",
                false, Wait.SPIN, Write.CLAIM);
    }

    public static ShmRingTransport mpsc(Wait wait) {
        return new ShmRingTransport("shm4j-mpsc-" + (wait == Wait.SPIN ? "spin" : "block"),
                "shm4j MpscRing per direction, opened by name, copying `offer`, "
                        + (wait == Wait.SPIN ? "busy-spinning" : "blocking (futex)")
                        + " waits, one producer per sending thread", true, wait, Write.OFFER);
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
    protected Listener listen(Spec spec, Path workDirectory, Waiter waiter) throws IOException {
        String base = "shm4j-bench-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-" + name();
        String toPeer = base + "-a";
        String fromPeer = base + "-b";
        MessageRing out = null;
        MessageRing in = null;
        try {
            out = create(toPeer, capacity(spec));
            in = create(fromPeer, capacity(spec));
        } catch (IOException | RuntimeException e) {
            if (out != null) {
                out.close();
            }
            SharedMemory.remove(toPeer);
            SharedMemory.remove(fromPeer);
            throw e;
        }
        Channel channel = new RingChannel(out, in, waiter);
        return Listener.ready(List.of(toPeer, fromPeer), channel, () -> {
            // Closes the rings too when the session never got as far as using the channel.
            channel.close();
            SharedMemory.remove(toPeer);
            SharedMemory.remove(fromPeer);
        });
    }

    @Override
    protected Channel connect(Spec spec, List<String> arguments, Waiter waiter) throws IOException {
        MessageRing in = open(arguments.get(0));
        try {
            return new RingChannel(open(arguments.get(1)), in, waiter);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private MessageRing create(String name, long capacity) throws IOException {
        return mpsc ? MpscRing.create(name, capacity) : SpscRing.create(name, capacity);
    }

    private MessageRing open(String name) throws IOException {
        return mpsc ? MpscRing.open(name) : SpscRing.open(name);
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
        /**
         * The producer of each sending thread. A thread that has ended hands its producer to the next
         * new thread: the peer starts fresh producer threads for every stream slice, and an MPSC ring
         * has 64 producer slots.
         */
        private final Map<Thread, RingProducer> owners = new ConcurrentHashMap<>();
        private RingConsumer consumer;
        private MemorySegment target;
        private int received;
        private boolean closed;

        RingChannel(MessageRing out, MessageRing in, Waiter waiter) {
            this.out = out;
            this.in = in;
            this.waiter = waiter;
        }

        /** The first sending thread and its producer: spares that thread the map lookup per message. */
        private Thread firstThread;
        private RingProducer firstProducer;

        @Override
        public void send(MemorySegment source, int length) throws IOException {
            RingProducer p;
            if (Thread.currentThread() == firstThread) {
                p = firstProducer;
            } else {
                p = producerOfThisThread();
            }
            if (write == Write.OFFER) {
                MemorySegment payload = length == source.byteSize() ? source : source.asSlice(0, length);
                while (!p.offer(1, payload)) {
                    full();
                }
            } else {
                RingClaim claim;
                while ((claim = p.tryClaim(1, length)) == null) {
                    full();
                }
                MemorySegment.copy(source, 0, claim.segment(), 0, length);
                claim.commit();
            }
        }

        private RingProducer producerOfThisThread() throws IOException {
            Thread current = Thread.currentThread();
            RingProducer p = owners.get(current);
            if (p != null) {
                return p;
            }
            synchronized (this) {
                // An ended thread's producer is reused: its last use happened before the peer joined
                // that thread, and the join before this thread was started.
                for (Map.Entry<Thread, RingProducer> e : owners.entrySet()) {
                    if (!e.getKey().isAlive()) {
                        p = e.getValue();
                        owners.remove(e.getKey());
                        break;
                    }
                }
                if (p == null) {
                    p = out.producer(strategy());
                    producers.add(p);
                }
                owners.put(current, p);
                // Set once; only the thread that set them reads them (it compares itself first).
                if (firstThread == null) {
                    firstProducer = p;
                    firstThread = current;
                }
            }
            return p;
        }

        private void full() throws IOException {
            if (wait == Wait.SPIN) {
                waiter.spin();
            } else {
                waiter.check();
                Thread.onSpinWait();
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
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
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
