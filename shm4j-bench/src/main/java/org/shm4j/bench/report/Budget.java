package org.shm4j.bench.report;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How long and how much a report measures. {@link #quick()} takes about two and a half minutes on
 * two idle cores (longer on a busy machine, whose windows are extended until steady);
 * {@link #full()} about thirty; {@link #smoke()} is the test's few seconds. Every Java session
 * starts two fresh JVMs, so JVM start-up is a good part of the quick mode's time.
 *
 * @param mode "quick", "full" or "smoke", printed in the report
 * @param rounds runs of every figure (each figure is their median)
 * @param pingWarmup warm-up before the 64-byte round trips (both fresh JVMs' JIT), the same for every
 *     transport; at least the slowest transport's time to steady state in {@code ring warmup}
 *     (shm4j's spinning ring: 500-900 ms from fresh JVMs, 2026-12-03), so quick mode takes 1 s
 * @param pingMeasure measuring window of the 64-byte round trips, extended while its slices disagree
 * @param maxSamples the most round trips recorded per run
 * @param streamWarmup warm-up before a one-way stream
 * @param streamMeasure measuring time of a one-way stream
 * @param producers producer counts for multi-producer streams (beyond 1)
 * @param sizes message sizes of the size-scaling runs
 * @param scalingTransports transports in the size-scaling runs (empty: all)
 * @param scalingWarmup warm-up per size
 * @param scalingMeasure measuring time per size and pattern
 * @param segmentSizes segment sizes for the create/map costs
 * @param nowCapBytes the largest committed (fallocated) segment, further limited by free memory
 * @param copySizes sizes for the copy bandwidth
 * @param copyMeasure measuring time per copy run
 * @param lifecycleOperations map+close pairs per view-lifecycle run
 */
public record Budget(String mode, int rounds, Duration pingWarmup, Duration pingMeasure, long maxSamples,
        Duration streamWarmup, Duration streamMeasure, List<Integer> producers, List<Integer> sizes,
        Set<String> scalingTransports, Duration scalingWarmup, Duration scalingMeasure, List<Long> segmentSizes,
        long nowCapBytes, List<Long> copySizes, Duration copyMeasure, int lifecycleOperations) {

    private static final long KIB = 1024;
    private static final long MIB = KIB * KIB;
    private static final long GIB = MIB * KIB;

    public static Budget quick() {
        return new Budget("quick", 3, ms(1000), ms(400), 8_000_000, ms(200), ms(400), List.of(4),
                List.of(8, 512, 65536), Set.of("shm-spin", "c-spsc", "agrona-1to1", "uds"),
                ms(50), ms(100), List.of(4 * KIB, MIB, 256 * MIB, 16 * GIB), 256 * MIB,
                List.of(64 * KIB, MIB, 64 * MIB), ms(150), 1000);
    }

    public static Budget full() {
        return new Budget("full", 5, ms(2000), ms(2000), 40_000_000, ms(1000), ms(1500), List.of(2, 4),
                List.of(8, 64, 256, 1024, 4096, 16384, 65536), Set.of(), ms(200), ms(500),
                List.of(4 * KIB, 64 * KIB, MIB, 16 * MIB, 256 * MIB, GIB, 4 * GIB, 16 * GIB), 4 * GIB,
                List.of(4 * KIB, 64 * KIB, MIB, 16 * MIB, 256 * MIB), ms(1000), 5000);
    }

    /** A few seconds: proves the harness end to end, measures nothing worth reading. */
    public static Budget smoke() {
        return new Budget("smoke", 1, ms(50), ms(50), 20_000, ms(20), ms(50), List.of(2),
                List.of(8, 4096), Set.of("shm-spin"), ms(20), ms(30), List.of(4 * KIB, MIB), MIB, List.of(64 * KIB),
                ms(20), 50);
    }

    public Budget withRounds(int n) {
        if (n < 1 || n > 100) {
            throw new IllegalArgumentException("rounds must be 1 to 100: " + n);
        }
        return new Budget(mode, n, pingWarmup, pingMeasure, maxSamples, streamWarmup, streamMeasure, producers, sizes,
                scalingTransports, scalingWarmup, scalingMeasure, segmentSizes, nowCapBytes, copySizes, copyMeasure,
                lifecycleOperations);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
