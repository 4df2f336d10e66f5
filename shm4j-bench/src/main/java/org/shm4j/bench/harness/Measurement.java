package org.shm4j.bench.harness;

import org.HdrHistogram.Histogram;

/** What one workload of one session measured. */
public sealed interface Measurement permits Measurement.Latency, Measurement.Throughput {

    Workload workload();

    /**
     * Round-trip times in nanoseconds.
     *
     * @param histogram every recorded round trip, in nanoseconds
     */
    record Latency(Workload workload, Histogram histogram) implements Measurement {}

    /**
     * Messages received one way.
     *
     * @param messages messages counted between the first and the last arrival
     * @param nanos the time between them
     */
    record Throughput(Workload workload, long messages, long nanos) implements Measurement {
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
