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
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingOption;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.WaitStrategy;

/** Producer and consumer processes for the throughput harness: shm4j rings and Agrona ring buffers. */
final class ThroughputPeers {
    static final int MESSAGE = 64;

    private ThroughputPeers() {}

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
                RingOption[] options = impl.equals("shm4j-aligned")
                        ? new RingOption[] {RingOption.alignRecordsToCacheLines()} : new RingOption[0];
                try (MessageRing ring = MessageRing.open(args[1], options); Arena arena = Arena.ofConfined();
                     RingProducer producer = ring.producer(WaitStrategy.busySpin())) {
                    MemorySegment payload = arena.allocate(MESSAGE, 8);
                    System.out.println("READY");
                    for (long i = 0; i < messages; i++) {
                        payload.set(ValueLayout.JAVA_LONG, 0, i);
                        while (!producer.offer(1, payload)) {
                            Thread.onSpinWait();
                        }
                    }
                }
            } else {
                RingBuffer ring = agrona(args[1], Long.parseLong(args[2]), impl.equals("agrona-mpsc"));
                UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
                System.out.println("READY");
                for (long i = 0; i < messages; i++) {
                    payload.putLong(0, i);
                    while (!ring.write(1, payload, 0, MESSAGE)) {
                        Thread.onSpinWait();
                    }
                }
            }
            System.out.println("SENT");
        }
    }

    /** args: impl, name, capacity, total messages. Prints RATE messagesPerSecond. */
    public static final class Consumer {
        public static void main(String[] args) throws Exception {
            String impl = args[0];
            long total = Long.parseLong(args[3]);
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
                    while (received[0] == 0) {
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
                while (received[0] == 0) {
                    ring.read(handler, 256);
                }
                first = System.nanoTime();
                while (received[0] < total) {
                    ring.read(handler, 256);
                }
            }
            long elapsed = System.nanoTime() - first;
            System.out.println("RATE " + (long) ((total - 1) * 1e9 / elapsed) + " CHECK " + checksum[0]);
        }
    }
}
