package org.shm4j.bench.harness;

import java.util.List;
import org.HdrHistogram.Histogram;

/** What one workload of one session measured. */
public sealed interface Measurement permits Measurement.Latency, Measurement.Throughput {

    Workload workload();

    /** Whether the figure was steady over its slices (see {@link Stability}). */
    Stability stability();

    /**
     * Whether a measurement's figure was steady: the Java harness measures in slices and keeps the
     * last {@link #slices} of them once their figures (p50 for round trips, rate for streams) lie
     * within {@link Session#TOLERANCE} of each other, extending the window while they do not.
     *
     * @param slices slices the figure was made from; 0 when not checked (the C peers, which have
     *     no JIT to wait for, measure one window)
     * @param stable whether the kept slices agreed within the tolerance
     * @param spread the largest kept slice figure over the smallest (1.0 is perfectly steady)
     * @param extendedNanos how long the window was extended past the workload's warm-up and window
     *     before the slices agreed (or the extension ran out)
     * @param figures each kept slice's figure, oldest first (p50 in ns, or messages per second)
     */
    record Stability(int slices, boolean stable, double spread, long extendedNanos, List<Double> figures) {
        /** A figure measured in one window, not checked for steadiness. */
        public static final Stability UNCHECKED = new Stability(0, true, 1.0, 0, List.of());

        public Stability {
            figures = List.copyOf(figures);
        }

        public boolean checked() {
            return slices > 0;
        }

        /** Command-line form, parsed by {@link #parse}. */
        public String format() {
            return slices + ":" + stable + ":" + spread + ":" + extendedNanos + ":"
                    + String.join(",", figures.stream().map(String::valueOf).toList());
        }

        public static Stability parse(String s) {
            String[] p = s.split(":", -1);
            if (p.length != 5) {
                throw new IllegalArgumentException(Kv.format("invalid stability", "text", s));
            }
            List<Double> figures = p[4].isEmpty() ? List.of()
                    : java.util.Arrays.stream(p[4].split(",")).map(Double::valueOf).toList();
            return new Stability(Integer.parseInt(p[0]), Boolean.parseBoolean(p[1]), Double.parseDouble(p[2]),
                    Long.parseLong(p[3]), figures);
        }
    }

    /**
     * Round-trip times in nanoseconds.
     *
     * @param histogram every recorded round trip of the kept slices, in nanoseconds
     */
    record Latency(Workload workload, Histogram histogram, Stability stability) implements Measurement {
        public Latency(Workload workload, Histogram histogram) {
            this(workload, histogram, Stability.UNCHECKED);
        }
    }

    /**
     * Messages received one way.
     *
     * @param messages messages counted between the first and the last arrival
     * @param nanos the time between them
     */
    record Throughput(Workload workload, long messages, long nanos, Stability stability) implements Measurement {
        public Throughput(Workload workload, long messages, long nanos) {
            this(workload, messages, nanos, Stability.UNCHECKED);
        }

        public double messagesPerSecond() {
            return nanos == 0 ? 0 : messages * 1e9 / nanos;
        }

        public double bytesPerSecond() {
            return messagesPerSecond() * workload.messageBytes();
        }
    }

    /** A histogram for round-trip times: nanoseconds, 3 significant digits, resizing itself. */
    static Histogram newHistogram() {
        Histogram h = new Histogram(3);
        h.setAutoResize(true);
        return h;
    }
}
