package org.shm4j.bench.harness;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The harness side of a session: runs a plan of workloads over a connected {@link Channel} and
 * returns what it measured. The peer runs {@link PeerLoop}. Every loop is bounded by the workload's
 * time budget and by the {@link Waiter}'s deadline.
 *
 * <p>Every workload warms up for its fixed {@code warmupNanos} (the same for every transport), then
 * measures its window in {@value #SLICES} slices. The figure (round-trip p50, or stream rate) is
 * taken from the last {@value #SLICES} slices once they agree within {@value #TOLERANCE} (largest
 * over smallest); while they do not, the harness measures further slices, dropping the oldest, for
 * up to {@value #MAX_EXTENSION} more windows, and then returns the figure flagged as unstable
 * ({@link Measurement.Stability}).
 */
public final class Session {
    /** Slices a measurement is made of; its window is split into this many. */
    public static final int SLICES = 4;
    /** How far apart (largest over smallest, minus 1) the kept slices' figures may be for a steady figure. */
    public static final double TOLERANCE = 0.15;
    /** How many more windows the harness measures, sliding, before it gives up and flags the figure. */
    public static final int MAX_EXTENSION = 3;

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
        // Warm-up: the same fixed time for every transport (the JIT of both fresh JVMs, caches).
        long warmupEnd = System.nanoTime() + w.warmupNanos();
        while (System.nanoTime() - warmupEnd < 0) {
            roundTrip(channel, out, in, size, seq++);
        }
        // Then slices, until the last SLICES of them agree on p50 or the extension runs out.
        long sliceNanos = Math.max(1, w.measureNanos() / SLICES);
        long maxSamplesPerSlice = Math.max(1, w.maxSamples() / SLICES);
        ArrayDeque<Histogram> kept = new ArrayDeque<>();
        long start = System.nanoTime();
        long limit = start + (1 + MAX_EXTENSION) * w.measureNanos();
        double spread;
        boolean stable;
        while (true) {
            Histogram slice = Measurement.newHistogram();
            long sliceEnd = System.nanoTime() + sliceNanos;
            long samples = 0;
            long t0 = System.nanoTime();
            while (samples < maxSamplesPerSlice && t0 - sliceEnd < 0) {
                roundTrip(channel, out, in, size, seq++);
                long t1 = System.nanoTime();
                slice.recordValue(t1 - t0);
                samples++;
                t0 = t1;
            }
            kept.addLast(slice);
            if (kept.size() > SLICES) {
                kept.removeFirst();
            }
            spread = spread(kept.stream().mapToDouble(h -> h.getValueAtPercentile(50)).toArray());
            stable = kept.size() == SLICES && spread <= 1 + TOLERANCE;
            if (stable || System.nanoTime() - limit >= 0) {
                break;
            }
        }
        long extended = Math.max(0, System.nanoTime() - start - w.measureNanos());
        Histogram histogram = Measurement.newHistogram();
        kept.forEach(histogram::add);
        Protocol.setWord(out, 0, Protocol.END);
        channel.send(out, Protocol.MIN_MESSAGE_BYTES);
        Protocol.expect(channel, in, Protocol.END);
        return new Measurement.Latency(w, histogram, new Measurement.Stability(kept.size(), stable, spread, extended,
                kept.stream().map(h -> (double) h.getValueAtPercentile(50)).toList()));
    }

    /** The largest of {@code figures} over the smallest (1 when steady); infinite if one is 0. */
    static double spread(double[] figures) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (double f : figures) {
            min = Math.min(min, f);
            max = Math.max(max, f);
        }
        return figures.length == 0 ? 1 : min <= 0 ? Double.POSITIVE_INFINITY : max / min;
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
        // The same fixed warm-up for every transport, then slices as for round trips, on the rate.
        if (w.warmupNanos() > 0) {
            drain(channel, w, out, in, w.warmupNanos());
        }
        long sliceNanos = Math.max(1, w.measureNanos() / SLICES);
        ArrayDeque<Measurement.Throughput> kept = new ArrayDeque<>();
        long start = System.nanoTime();
        long limit = start + (1 + MAX_EXTENSION) * w.measureNanos();
        double spread;
        boolean stable;
        while (true) {
            kept.addLast(drain(channel, w, out, in, sliceNanos));
            if (kept.size() > SLICES) {
                kept.removeFirst();
            }
            spread = spread(kept.stream().mapToDouble(Measurement.Throughput::messagesPerSecond).toArray());
            stable = kept.size() == SLICES && spread <= 1 + TOLERANCE;
            if (stable || System.nanoTime() - limit >= 0) {
                break;
            }
        }
        long extended = Math.max(0, System.nanoTime() - start - w.measureNanos());
        long messages = kept.stream().mapToLong(Measurement.Throughput::messages).sum();
        long nanos = kept.stream().mapToLong(Measurement.Throughput::nanos).sum();
        return new Measurement.Throughput(w, messages, nanos, new Measurement.Stability(kept.size(), stable, spread,
                extended, kept.stream().map(Measurement.Throughput::messagesPerSecond).toList()));
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
