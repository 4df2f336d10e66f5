package org.shm4j.bench.harness;

import java.time.Duration;

/**
 * One measurement of a session: a ping-pong (round trips recorded in a histogram) or a stream (the
 * peer's producers send as fast as the transport takes messages, the harness counts them).
 *
 * @param pattern what is measured
 * @param messageBytes bytes per message, {@value Protocol#MIN_MESSAGE_BYTES} to {@value Protocol#MAX_MESSAGE_BYTES}
 * @param producers peer threads sending at once (streams only; 1 for ping-pong)
 * @param warmupNanos the time spent before measuring (JIT, caches, page faults), the same for every
 *     transport
 * @param measureNanos the measuring window, in {@link Session#SLICES} slices; the Java harness
 *     extends it while the slices disagree (see {@link Session})
 * @param maxSamples the most round trips recorded (ping-pong); the measurement stops at whichever
 *     of time and samples comes first
 */
public record Workload(Pattern pattern, int messageBytes, int producers, long warmupNanos, long measureNanos,
        long maxSamples) {

    /** What a workload measures. */
    public enum Pattern {
        /** Harness sends, peer echoes: round-trip latency. */
        PING_PONG,
        /** Peer producers send one way: messages per second. */
        STREAM
    }

    public Workload {
        if (pattern == null || messageBytes < Protocol.MIN_MESSAGE_BYTES || messageBytes > Protocol.MAX_MESSAGE_BYTES
                || producers < 1 || (pattern == Pattern.PING_PONG && producers != 1) || warmupNanos < 0
                || measureNanos <= 0 || maxSamples < 1) {
            throw new IllegalArgumentException(Kv.format("invalid workload", "pattern", pattern,
                    "messageBytes", messageBytes, "producers", producers, "warmupNanos", warmupNanos,
                    "measureNanos", measureNanos, "maxSamples", maxSamples));
        }
    }

    public static Workload pingPong(int messageBytes, Duration warmup, Duration measure, long maxSamples) {
        return new Workload(Pattern.PING_PONG, messageBytes, 1, warmup.toNanos(), measure.toNanos(), maxSamples);
    }

    public static Workload stream(int messageBytes, int producers, Duration warmup, Duration measure) {
        return new Workload(Pattern.STREAM, messageBytes, producers, warmup.toNanos(), measure.toNanos(), 1);
    }

    /** The same measurement, independent of its time budget: what results are grouped by. */
    public String key() {
        return pattern == Pattern.PING_PONG ? "pingpong/" + messageBytes : "stream/" + messageBytes + "/p" + producers;
    }

    /** Upper bound of the time this workload takes, with slack for draining and the hand-shakes. */
    public long budgetNanos() {
        return warmupNanos + (1 + Session.MAX_EXTENSION) * measureNanos + 2_000_000_000L;
    }

    /** Command-line form ({@code PING_PONG/64/1/150000000/300000000/100000}), parsed by {@link #parse}. */
    public String format() {
        return pattern + "/" + messageBytes + "/" + producers + "/" + warmupNanos + "/" + measureNanos + "/"
                + maxSamples;
    }

    public static Workload parse(String s) {
        String[] p = s.split("/");
        if (p.length != 6) {
            throw new IllegalArgumentException(Kv.format("invalid workload", "text", s));
        }
        return new Workload(Pattern.valueOf(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                Long.parseLong(p[3]), Long.parseLong(p[4]), Long.parseLong(p[5]));
    }
}
