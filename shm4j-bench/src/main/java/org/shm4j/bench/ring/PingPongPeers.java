package org.shm4j.bench.ring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.shm4j.SharedMemory;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * Ping-pong round trips of 64-byte messages between two processes. The pinger sends, waits for the
 * echo, and records the round trip in an HdrHistogram.
 *
 * <p>Implementations: {@code shm4j-spin}, {@code shm4j-aligned-spin} (records aligned to cache
 * lines) and {@code shm4j-blocking} (two SPSC rings),
 * {@code agrona-spin} (two OneToOneRingBuffers over mapped files), {@code raw-spin} (the floor: a
 * sequence word and 64 bytes per direction in one segment, spinning on the word) and
 * {@code raw-futex} (the same with FUTEX_WAIT/FUTEX_WAKE on the word: the floor for blocking).
 */
final class PingPongPeers {
    static final int MESSAGE = 64;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private PingPongPeers() {}

    /** One direction of the raw channels: a 32-bit sequence word at 0, the 64-byte message at 64. */
    static final class RawChannel {
        final MemorySegment word;
        final MemorySegment message;

        RawChannel(MemorySegment s, long offset) {
            this.word = s.asSlice(offset, 4);
            this.message = s.asSlice(offset + 64, MESSAGE);
        }

        void send(MemorySegment src, int seq, boolean futex) {
            MemorySegment.copy(src, 0, message, 0, MESSAGE);
            INT.setRelease(word, 0L, seq);
            if (futex) {
                RawFutex.wake(word, 1);
            }
        }

        void receive(MemorySegment dst, int seq, boolean futex) {
            int spins = 0;
            while ((int) INT.getAcquire(word, 0L) != seq) {
                // The spin variant checks without a pause (the floor); the futex variant spins with
                // pauses before sleeping, as the rings' blocking strategy does.
                if (futex && ++spins > 100) {
                    RawFutex.await(word, seq - 1);
                } else if (futex) {
                    Thread.onSpinWait();
                }
            }
            MemorySegment.copy(message, 0, dst, 0, MESSAGE);
        }
    }

    /**
     * The shared memory of one ping-pong run of {@code impl}, created with names unique to it, and
     * what the pinger's and the echo's {@code out} and {@code in} arguments are: two rings {@code a}
     * (ping) and {@code b} (pong), or for the raw channels one segment {@code a} holding both
     * directions, each side's {@code in} then naming its side; with {@code vsRaw}, also the raw
     * segment an interleaved run alternates with ({@link #raw()}, else null). {@link #names()} are
     * what to remove afterwards.
     */
    record Channels(String pingerOut, String pingerIn, String echoOut, String echoIn, String raw, List<String> names) {
        static Channels create(String impl, boolean vsRaw) throws IOException {
            String base = "shm4j-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
            String a = base + "-a";
            String b = base + "-b";
            String raw = vsRaw ? base + "-raw" : null;
            if (raw != null) {
                SharedMemory.create(raw, 4096).close();
            }
            if (impl.startsWith("raw")) {
                SharedMemory.create(a, 4096).close();
                return new Channels(a, "ping", a, "pong", raw, names(raw, a));
            }
            if (impl.startsWith("agrona")) {
                for (String n : List.of(a, b)) {
                    Peer.createFile(n, (1 << 16) + RingBufferDescriptor.TRAILER_LENGTH);
                }
            } else {
                SpscRing.create(a, 1 << 16).close();
                SpscRing.create(b, 1 << 16).close();
            }
            return new Channels(a, b, b, a, raw, names(raw, a, b));
        }

        private static List<String> names(String raw, String... made) {
            List<String> names = new ArrayList<>(List.of(made));
            if (raw != null) {
                names.add(raw);
            }
            return List.copyOf(names);
        }

        /** For {@link Peer#finish}. */
        String[] toRemove() {
            return names.toArray(String[]::new);
        }
    }

    /** A bidirectional endpoint: send a message, receive the other side's. */
    interface Endpoint extends AutoCloseable {
        void send(MemorySegment message, int seq) throws Exception;

        void receive(MemorySegment into, int seq) throws Exception;

        @Override
        void close();
    }

    static Endpoint open(String impl, String out, String in) throws Exception {
        switch (impl) {
            case "shm4j-spin", "shm4j-aligned-spin", "shm4j-blocking" -> {
                boolean blocking = impl.equals("shm4j-blocking");
                WaitStrategy wait = blocking ? WaitStrategy.blocking(100) : WaitStrategy.busySpin();
                MessageRing outRing = impl.equals("shm4j-aligned-spin")
                        ? MessageRing.open(out, org.shm4j.ring.RingOption.alignRecordsToCacheLines())
                        : MessageRing.open(out);
                MessageRing inRing = MessageRing.open(in);
                RingProducer producer = outRing.producer(wait);
                RingConsumer consumer = inRing.consumer(wait, Duration.ofSeconds(30));
                Duration timeout = Duration.ofSeconds(30);
                return new Endpoint() {
                    MemorySegment target;
                    // Made once, as the Agrona endpoint's handler is: the loops below allocate nothing.
                    final RecordHandler handler = (t, p) -> MemorySegment.copy(p, 0, target, 0, MESSAGE);

                    @Override
                    public void send(MemorySegment message, int seq) {
                        while (!producer.offer(1, message)) {
                            // spin: the ring is never full here
                        }
                    }

                    @Override
                    public void receive(MemorySegment into, int seq) throws InterruptedException {
                        target = into;
                        if (blocking) {
                            while (consumer.poll(handler, 1, timeout) == 0) {
                                // keep waiting
                            }
                        } else {
                            while (consumer.poll(handler, 1) == 0) {
                                // spin without a pause, as the raw and Agrona loops do
                            }
                        }
                    }

                    @Override
                    public void close() {
                        outRing.close();
                        inRing.close();
                    }
                };
            }
            case "agrona-spin" -> {
                int length = (1 << 16) + RingBufferDescriptor.TRAILER_LENGTH;
                OneToOneRingBuffer outRing = new OneToOneRingBuffer(Peer.mapFile(out, length));
                OneToOneRingBuffer inRing = new OneToOneRingBuffer(Peer.mapFile(in, length));
                return new Endpoint() {
                    // Views of the caller's (reused) message segments, made once, so neither side allocates.
                    MemorySegment sourceSegment;
                    UnsafeBuffer source;
                    MemorySegment targetSegment;
                    UnsafeBuffer target;
                    final org.agrona.concurrent.MessageHandler handler = (t, buffer, index, len) ->
                            buffer.getBytes(index, target, 0, MESSAGE);

                    @Override
                    public void send(MemorySegment message, int seq) {
                        if (message != sourceSegment) {
                            sourceSegment = message;
                            source = new UnsafeBuffer(message.asByteBuffer());
                        }
                        while (!outRing.write(1, source, 0, MESSAGE)) {
                            // spin: the ring is never full here
                        }
                    }

                    @Override
                    public void receive(MemorySegment into, int seq) {
                        if (into != targetSegment) {
                            targetSegment = into;
                            target = new UnsafeBuffer(into.asByteBuffer());
                        }
                        while (inRing.read(handler, 1) == 0) {
                            // spin without a pause, as the raw and shm4j loops do
                        }
                    }

                    @Override
                    public void close() {
                    }
                };
            }
            case "raw-spin", "raw-futex" -> {
                boolean futex = impl.equals("raw-futex");
                // Mapped by the JDK alone (FileChannel.map into an arena), not through shm4j's own
                // downcalls: the floor of a java.lang.foreign transport, warm-up included.
                Arena arena = Arena.ofShared();
                MemorySegment segment;
                try (FileChannel file = FileChannel.open(Path.of("/dev/shm", out), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    segment = file.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena);
                }
                boolean pinger = in.equals("ping");
                RawChannel ping = new RawChannel(segment, 0);
                RawChannel pong = new RawChannel(segment, 256);
                RawChannel outChannel = pinger ? ping : pong;
                RawChannel inChannel = pinger ? pong : ping;
                return new Endpoint() {
                    @Override
                    public void send(MemorySegment message, int seq) {
                        outChannel.send(message, seq, futex);
                    }

                    @Override
                    public void receive(MemorySegment into, int seq) {
                        inChannel.receive(into, seq, futex);
                    }

                    @Override
                    public void close() {
                        arena.close();
                    }
                };
            }
            default -> throw new IllegalArgumentException("unknown implementation: " + impl);
        }
    }

    /**
     * Prefix of an implementation run interleaved with {@code raw-spin}: blocks of {@value #BLOCK}
     * round trips alternate between the raw channel and the implementation, between the same two
     * processes, so both see the same machine state (this VM changes speed between process pairs).
     */
    static final String VS_RAW = "vs-raw:";
    static final int BLOCK = 1_000;

    /** Whether round {@code round} of an interleaved run goes over the raw channel. */
    static boolean rawRound(boolean vsRaw, int round) {
        return vsRaw && (round / BLOCK) % 2 == 0;
    }

    /** args: impl, out ring, in ring, iterations[, raw segment for vs-raw]. Echoes every message. */
    public static final class Echo {
        public static void main(String[] args) throws Exception {
            int iterations = Integer.parseInt(args[3]);
            boolean vsRaw = args[0].startsWith(VS_RAW);
            String impl = vsRaw ? args[0].substring(VS_RAW.length()) : args[0];
            try (Arena arena = Arena.ofConfined(); Endpoint e = open(impl, args[1], args[2]);
                    Endpoint raw = vsRaw ? open("raw-spin", args[4], "pong") : null) {
                MemorySegment message = arena.allocate(MESSAGE, 8);
                System.out.println("READY");
                int seq = 0;
                int rawSeq = 0;
                for (int round = 0; round < (vsRaw ? 2 : 1) * iterations; round++) {
                    if (rawRound(vsRaw, round)) {
                        raw.receive(message, ++rawSeq);
                        raw.send(message, rawSeq);
                    } else {
                        e.receive(message, ++seq);
                        e.send(message, seq);
                        if (message.get(ValueLayout.JAVA_LONG, 0) == STOP) {
                            break;
                        }
                    }
                }
            }
        }
    }

    /** The word a {@link TimelinePinger} sends last: the echo returns it and stops. */
    static final long STOP = -1;
    /** Length of one slice of a warm-up timeline. */
    static final long SLICE_NANOS = 100_000_000L;

    /**
     * args: impl, out ring, in ring, seconds. From the first round trip of a fresh JVM (its echo
     * fresh too), prints {@code STARTUP ms} (JVM start to the first round trip), then
     * {@code SLICE i p50 count} for every {@value #SLICE_NANOS}-nanosecond slice,
     * then {@code DONE}; the echo stops on {@link #STOP}.
     */
    public static final class TimelinePinger {
        public static void main(String[] args) throws Exception {
            long durationNanos = (long) (Double.parseDouble(args[3]) * 1e9);
            try (Arena arena = Arena.ofConfined(); Endpoint e = open(args[0], args[1], args[2])) {
                MemorySegment message = arena.allocate(MESSAGE, 8);
                MemorySegment reply = arena.allocate(MESSAGE, 8);
                // How long this JVM took from its start to here (opening both rings included).
                System.out.println("STARTUP " + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
                System.out.println("READY");
                Histogram slice = new Histogram(3_600_000_000_000L, 3);
                List<String> lines = new ArrayList<>();
                int seq = 0;
                long start = System.nanoTime();
                long sliceEnd = start + SLICE_NANOS;
                while (true) {
                    long begin = System.nanoTime();
                    if (begin - sliceEnd >= 0) {
                        // Printed at the end, so the output costs nothing while measuring.
                        lines.add("SLICE " + lines.size() + " " + slice.getValueAtPercentile(50) + " "
                                + slice.getTotalCount());
                        slice.reset();
                        sliceEnd += SLICE_NANOS;
                        if (begin - start >= durationNanos) {
                            break;
                        }
                    }
                    message.set(ValueLayout.JAVA_LONG, 0, begin);
                    e.send(message, ++seq);
                    e.receive(reply, seq);
                    if (reply.get(ValueLayout.JAVA_LONG, 0) != begin) {
                        throw new AssertionError("echo mismatch at " + seq);
                    }
                    slice.recordValue(System.nanoTime() - begin);
                }
                message.set(ValueLayout.JAVA_LONG, 0, STOP);
                e.send(message, ++seq);
                e.receive(reply, seq);
                lines.forEach(System.out::println);
                System.out.println("DONE");
            }
        }
    }

    /**
     * args: impl, out ring, in ring, iterations, warm-up[, raw segment for vs-raw]. Prints P50 / P99
     * / P999 in nanoseconds; for vs-raw, first a line for the raw rounds, prefixed RAW.
     */
    public static final class Pinger {
        public static void main(String[] args) throws Exception {
            int iterations = Integer.parseInt(args[3]);
            int warmup = Integer.parseInt(args[4]);
            boolean vsRaw = args[0].startsWith(VS_RAW);
            String impl = vsRaw ? args[0].substring(VS_RAW.length()) : args[0];
            Histogram histogram = new Histogram(3_600_000_000_000L, 3);
            Histogram rawHistogram = new Histogram(3_600_000_000_000L, 3);
            try (Arena arena = Arena.ofConfined(); Endpoint e = open(impl, args[1], args[2]);
                    Endpoint raw = vsRaw ? open("raw-spin", args[5], "ping") : null) {
                MemorySegment message = arena.allocate(MESSAGE, 8);
                MemorySegment reply = arena.allocate(MESSAGE, 8);
                System.out.println("READY");
                int seq = 0;
                int rawSeq = 0;
                for (int round = 0; round < (vsRaw ? 2 : 1) * iterations; round++) {
                    boolean overRaw = rawRound(vsRaw, round);
                    Endpoint channel = overRaw ? raw : e;
                    int n = overRaw ? ++rawSeq : ++seq;
                    long begin = System.nanoTime();
                    message.set(ValueLayout.JAVA_LONG, 0, begin);
                    channel.send(message, n);
                    channel.receive(reply, n);
                    long rtt = System.nanoTime() - begin;
                    if (reply.get(ValueLayout.JAVA_LONG, 0) != begin) {
                        throw new AssertionError("echo mismatch at " + round);
                    }
                    if (n > warmup) {
                        (overRaw ? rawHistogram : histogram).recordValue(rtt);
                    }
                }
            }
            if (vsRaw) {
                System.out.print("RAW ");
                print(rawHistogram);
            }
            print(histogram);
        }

        private static void print(Histogram h) {
            System.out.printf("P50 %d P99 %d P999 %d MAX %d%n", h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue());
        }
    }
}
