package org.shm4j.bench.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import java.lang.invoke.VarHandle;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingOption;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.WaitStrategy;

/** Producer and consumer processes for the throughput harness: shm4j rings and Agrona ring buffers. */
final class ThroughputPeers {
    static final int MESSAGE = 64;

    private ThroughputPeers() {}

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    static RingOption[] options(String impl) {
        return impl.equals("shm4j-aligned") ? new RingOption[] {RingOption.alignRecordsToCacheLines()}
                : new RingOption[0];
    }

    /** Offers {@code count} messages numbered from 0, spinning while the ring is full. */
    static void send(RingProducer producer, MemorySegment payload, long count) {
        for (long i = 0; i < count; i++) {
            payload.set(ValueLayout.JAVA_LONG, 0, i);
            while (!producer.offer(1, payload)) {
                Thread.onSpinWait();
            }
        }
    }

    /** The same for an Agrona ring buffer. */
    static void send(RingBuffer ring, UnsafeBuffer payload, long count) {
        for (long i = 0; i < count; i++) {
            payload.putLong(0, i);
            while (!ring.write(1, payload, 0, MESSAGE)) {
                Thread.onSpinWait();
            }
        }
    }

    static RingBuffer agrona(String name, long capacity, boolean many) throws Exception {
        UnsafeBuffer buffer = Peer.mapFile(name, (int) capacity + RingBufferDescriptor.TRAILER_LENGTH);
        return many ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
    }

    /** args: impl (shm4j|shm4j-aligned|agrona-spsc|agrona-mpsc), name, capacity, messages. */
    public static final class Producer {
        public static void main(String[] args) throws Exception {
            String impl = args[0];
            long messages = Long.parseLong(args[3]);
            if (impl.startsWith("shm4j")) {
                try (MessageRing ring = MessageRing.open(args[1], options(impl)); Arena arena = Arena.ofConfined();
                     RingProducer producer = ring.producer(WaitStrategy.busySpin())) {
                    MemorySegment payload = arena.allocate(MESSAGE, 8);
                    System.out.println("READY");
                    send(producer, payload, messages);
                }
            } else {
                RingBuffer ring = agrona(args[1], Long.parseLong(args[2]), impl.equals("agrona-mpsc"));
                UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
                System.out.println("READY");
                send(ring, payload, messages);
            }
            System.out.println("SENT");
        }
    }

    /** args: impl, name, capacity, total messages. Prints RATE messagesPerSecond over the last four fifths. */
    public static final class Consumer {
        public static void main(String[] args) throws Exception {
            String impl = args[0];
            long total = Long.parseLong(args[3]);
            // The first fifth warms both JVMs up (JIT); the rate covers the rest.
            long warmup = Math.max(1, total / 5);
            long[] received = {0};
            long[] checksum = {0};
            long first = 0;
            if (impl.startsWith("shm4j")) {
                try (MessageRing ring = MessageRing.open(args[1]);
                     RingConsumer consumer = ring.consumer(WaitStrategy.busySpin(), java.time.Duration.ofSeconds(30))) {
                    // One handler for the whole run, as for Agrona below.
                    org.shm4j.ring.RecordHandler handler = (t, p) -> {
                        checksum[0] += p.get(ValueLayout.JAVA_LONG, 0);
                        received[0]++;
                    };
                    System.out.println("READY");
                    while (received[0] < warmup) {
                        consumer.poll(handler, 256);
                    }
                    first = System.nanoTime();
                    while (received[0] < total) {
                        consumer.poll(handler, 256);
                    }
                }
            } else {
                RingBuffer ring = agrona(args[1], Long.parseLong(args[2]), impl.equals("agrona-mpsc"));
                System.out.println("READY");
                org.agrona.concurrent.MessageHandler handler = (t, buffer, index, length) -> {
                    checksum[0] += buffer.getLong(index);
                    received[0]++;
                };
                while (received[0] < warmup) {
                    ring.read(handler, 256);
                }
                first = System.nanoTime();
                while (received[0] < total) {
                    ring.read(handler, 256);
                }
            }
            long elapsed = System.nanoTime() - first;
            System.out.println("RATE " + (long) ((received[0] - warmup) * 1e9 / elapsed) + " CHECK " + checksum[0]);
        }
    }

    /**
     * Throughput of shm4j and Agrona (SPSC, or MPSC with one producer) interleaved between the same
     * two processes. Phases of
     * {@code perPhase} messages alternate: even phases go through the shm4j ring, odd ones through
     * the Agrona ring buffer. The consumer opens phase {@code k} by storing {@code k + 1} in the
     * control segment, which the producer waits for, and times the phase from that store to its
     * last message. args: impl (shm4j|shm4j-aligned), shm4j ring, Agrona file, control segment,
     * capacity, messages per phase, phases, spsc|mpsc.
     */
    public static final class InterleavedProducer {
        public static void main(String[] args) throws Exception {
            long perPhase = Long.parseLong(args[5]);
            int phases = Integer.parseInt(args[6]);
            RingBuffer agrona = agrona(args[2], Long.parseLong(args[4]), args[7].equals("mpsc"));
            try (MessageRing ring = MessageRing.open(args[1], options(args[0])); Arena arena = Arena.ofConfined();
                 RingProducer producer = ring.producer(WaitStrategy.busySpin());
                 SharedMemory control = SharedMemory.open(args[3], Access.READ_WRITE);
                 MappedView view = control.map()) {
                MemorySegment payload = arena.allocate(MESSAGE, 8);
                UnsafeBuffer agronaPayload = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
                System.out.println("READY");
                for (int phase = 0; phase < phases; phase++) {
                    // Acquire: pairs with the consumer's release store that opens the phase.
                    while ((int) INT.getAcquire(view.segment(), 0L) != phase + 1) {
                        Thread.onSpinWait();
                    }
                    if (phase % 2 == 0) {
                        send(producer, payload, perPhase);
                    } else {
                        send(agrona, agronaPayload, perPhase);
                    }
                }
            }
            System.out.println("SENT");
        }
    }

    /** The consumer of {@link InterleavedProducer}; same args. Prints PHASE shm4j|agrona messagesPerSecond. */
    public static final class InterleavedConsumer {
        public static void main(String[] args) throws Exception {
            long perPhase = Long.parseLong(args[5]);
            int phases = Integer.parseInt(args[6]);
            RingBuffer agrona = agrona(args[2], Long.parseLong(args[4]), args[7].equals("mpsc"));
            long[] received = {0};
            long[] checksum = {0};
            org.shm4j.ring.RecordHandler handler = (t, p) -> {
                checksum[0] += p.get(ValueLayout.JAVA_LONG, 0);
                received[0]++;
            };
            org.agrona.concurrent.MessageHandler agronaHandler = (t, buffer, index, length) -> {
                checksum[0] += buffer.getLong(index);
                received[0]++;
            };
            try (MessageRing ring = MessageRing.open(args[1]);
                 RingConsumer consumer = ring.consumer(WaitStrategy.busySpin(), java.time.Duration.ofSeconds(30));
                 SharedMemory control = SharedMemory.open(args[3], Access.READ_WRITE);
                 MappedView view = control.map()) {
                System.out.println("READY");
                for (int phase = 0; phase < phases; phase++) {
                    received[0] = 0;
                    long begin = System.nanoTime();
                    // Release: pairs with the producer's acquire load; the previous phase is drained.
                    INT.setRelease(view.segment(), 0L, phase + 1);
                    while (received[0] < perPhase) {
                        if (phase % 2 == 0) {
                            consumer.poll(handler, 256);
                        } else {
                            agrona.read(agronaHandler, 256);
                        }
                    }
                    long elapsed = System.nanoTime() - begin;
                    System.out.println("PHASE " + (phase % 2 == 0 ? "shm4j" : "agrona") + " "
                            + (long) (perPhase * 1e9 / elapsed));
                }
            }
            System.out.println("DONE CHECK " + checksum[0]);
        }
    }
}
