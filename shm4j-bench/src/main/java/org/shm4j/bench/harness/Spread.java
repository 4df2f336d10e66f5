package org.shm4j.bench.harness;

import java.util.Arrays;

/**
 * A figure measured in several runs: the median, and the smallest and largest run, so a reader sees
 * how much the runs disagreed.
 */
public record Spread(double median, double min, double max, int runs) {

    /** The spread of the finite values among {@code values}; NaN figures when there are none. */
    public static Spread of(double... values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return new Spread(median, v[0], v[v.length - 1], v.length);
    }

    public boolean isEmpty() {
        return runs == 0;
    }

    /** Largest distance of a run from the median, relative to the median (0.05 = 5 %). */
    public double relativeSpread() {
        return median == 0 || isEmpty() ? Double.NaN : Math.max(median - min, max - median) / Math.abs(median);
    }
}
