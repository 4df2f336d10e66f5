package org.shm4j.bench.harness;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The harness side of a session: runs a plan of workloads over a connected {@link Channel} and
 * returns what it measured. The peer runs {@link PeerLoop}. Every loop is bounded by the workload's
 * time budget and by the {@link Waiter}'s deadline.
 */
public final class Session {
    private Session() {}

    /** Waits for the peer's HELLO, runs every workload, then tells the peer to quit. */
    public static List<Measurement> run(Channel channel, List<Workload> plan, Spec spec, Waiter waiter)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(spec.maxMessageBytes(), 64);
            MemorySegment in = arena.allocate(spec.maxMessageBytes(), 64);
            Protocol.expect(channel, in, Protocol.HELLO);
            List<Measurement> results = new ArrayList<>();
            for (Workload w : plan) {
                waiter.check();
                results.add(switch (w.pattern()) {
                    case PING_PONG -> pingPong(channel, w, out, in);
                    case STREAM -> stream(channel, w, out, in);
                });
            }
            Protocol.sendCommand(channel, out, Protocol.QUIT, 0, 0, 0);
            return results;
        }
    }

    private static Measurement pingPong(Channel channel, Workload w, MemorySegment out, MemorySegment in)
            throws IOException {
        Protocol.sendCommand(channel, out, Protocol.ECHO, w.messageBytes(), 1, 0);
        int size = w.messageBytes();
        for (int i = Protocol.MIN_MESSAGE_BYTES; i < size; i++) {
            out.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        long seq = 0;
        // Adaptive warm-up: at least warmupNanos, then on in slices of a quarter of it while the
        // round trips still get more than 10 % faster (a JIT still compiling, in either process),
        // up to four times warmupNanos.
        long slice = Math.max(1, w.warmupNanos() / 4);
        long warmupStart = System.nanoTime();
        double previousRate = 0;
        while (true) {
            long sliceStart = System.nanoTime();
            long sliceTrips = 0;
            while (System.nanoTime() - sliceStart < slice) {
                roundTrip(channel, out, in, size, seq++);
                sliceTrips++;
            }
            double rate = sliceTrips / (double) (System.nanoTime() - sliceStart);
            long spent = System.nanoTime() - warmupStart;
            if (spent >= 4 * w.warmupNanos() || (spent >= w.warmupNanos() && rate < 1.1 * previousRate)) {
                break;
            }
            previousRate = Math.max(previousRate, rate);
        }
        Histogram histogram = Measurement.newHistogram();
        long measureEnd = System.nanoTime() + w.measureNanos();
        long samples = 0;
        long t0 = System.nanoTime();
        while (samples < w.maxSamples() && t0 - measureEnd < 0) {
            roundTrip(channel, out, in, size, seq++);
            long t1 = System.nanoTime();
            histogram.recordValue(t1 - t0);
            samples++;
            t0 = t1;
        }
        Protocol.setWord(out, 0, Protocol.END);
        channel.send(out, Protocol.MIN_MESSAGE_BYTES);
        Protocol.expect(channel, in, Protocol.END);
        return new Measurement.Latency(w, histogram);
    }

    private static void roundTrip(Channel channel, MemorySegment out, MemorySegment in, int size, long seq)
            throws IOException {
        Protocol.setWord(out, 0, seq);
        channel.send(out, size);
        int length = channel.receive(in);
        if (length != size || Protocol.word(in, 0) != seq) {
            throw new IOException(Kv.format("echo does not match", "sent", seq, "received",
                    length >= Protocol.MIN_MESSAGE_BYTES ? Protocol.word(in, 0) : "none", "length", length,
                    "expectedLength", size));
        }
    }

    private static Measurement stream(Channel channel, Workload w, MemorySegment out, MemorySegment in)
            throws IOException {
        // Warm up as for round trips: again while the rate still grows by more than 10 %, at most 4 times.
        double previousRate = 0;
        for (int i = 0; i < 4 && w.warmupNanos() > 0; i++) {
            double rate = drain(channel, w, out, in, w.warmupNanos()).messagesPerSecond();
            if (rate < 1.1 * previousRate) {
                break;
            }
            previousRate = Math.max(previousRate, rate);
        }
        return drain(channel, w, out, in, w.measureNanos());
    }

    private static Measurement.Throughput drain(Channel channel, Workload w, MemorySegment out, MemorySegment in,
            long durationNanos) throws IOException {
        Protocol.sendCommand(channel, out, Protocol.PRODUCE, w.messageBytes(), w.producers(), durationNanos);
        int ends = 0;
        long messages = 0;
        long first = 0;
        long last = 0;
        while (ends < w.producers()) {
            int length = channel.receive(in);
            long now = System.nanoTime();
            if (length == Protocol.MIN_MESSAGE_BYTES && Protocol.word(in, 0) == Protocol.END) {
                ends++;
                last = now;
            } else if (length != w.messageBytes() || Protocol.word(in, 0) < 0) {
                throw new IOException(Kv.format("unexpected stream message", "length", length, "expectedLength",
                        w.messageBytes(), "word", length >= 8 ? Protocol.word(in, 0) : "none"));
            } else if (messages++ == 0) {
                first = now;
            }
        }
        // The first arrival starts the clock, so it is not counted.
        return new Measurement.Throughput(w, Math.max(0, messages - 1), Math.max(1, last - first));
    }
}
