package org.shm4j.bench.ring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.shm4j.bench.harness.Campaign;
import org.shm4j.bench.harness.Measurement;
import org.shm4j.bench.harness.RunContext;
import org.shm4j.bench.harness.Transport;
import org.shm4j.bench.harness.Transports;
import org.shm4j.bench.harness.Workload;

/**
 * {@code ring agree}: runs the report's harness ({@code ./shm4j bench}'s sessions, quick-mode
 * windows) and this harness ({@link RingBench}) on the same two rings, shm4j's named
 * {@code SpscRing} and Agrona's {@code OneToOneRingBuffer}, and checks that both harnesses give the
 * same ratio of shm4j to Agrona within {@value #TOLERANCE} (largest over smallest, minus 1), for the
 * spinning round trip's p50 and the one-way throughput of 64-byte messages.
 *
 * <p><b>Paired, so the VM's bimodality cancels.</b> This VM places each process pair in a fast or a
 * slow mode (every transport 2-3x slower in the slow one), so a ratio of two figures from two
 * process pairs can be off by that factor. Every ratio here is therefore taken within one pair or
 * one round, then the median over {@code rounds}: RingBench's throughput ratio alternates phases of
 * shm4j and Agrona between the same two processes ({@code throughput-interleaved}); its round-trip
 * ratio is (shm4j / raw spin) / (Agrona / raw spin), each factor interleaved with a raw spin in the
 * same two processes ({@code pingpong-vs-raw}); the report's ratio is per round (shm4j's sessions,
 * then Agrona's, back to back), whose median is robust as long as most rounds put both in one mode.
 *
 * <p>The two harnesses do not measure exactly the same loop, so the tolerance is wide: the
 * report's receiver takes one record per call and copies it into its buffer, pins both measuring
 * threads and checks every sequence number, while RingBench's throughput consumer takes up to 256
 * records per call and reads one word of each. What must hold is the ranking and rough size of the
 * ratio: a harness that measured warm-up, or ran one library in a JVM compiled for another, moves
 * it by far more than this tolerance (the report said 0.39x the baseline when RingBench said 1.2x
 * Agrona).
 */
final class Agreement {
    /** How far apart the two harnesses' ratios may be: largest over smallest at most 1 + this. */
    static final double TOLERANCE = 0.5;

    private Agreement() {}

    /** One compared figure: shm4j over Agrona in the report's harness and in RingBench. */
    record Check(String figure, double report, double ringBench) {
        double disagreement() {
            return Math.max(report, ringBench) / Math.min(report, ringBench);
        }

        boolean agrees() {
            return report > 0 && ringBench > 0 && Double.isFinite(disagreement()) && disagreement() <= 1 + TOLERANCE;
        }
    }

    /**
     * Exit status of {@code ring agree}: 0 agree, 1 disagree, 3 inconclusive (no round of the
     * report's harness was stable). The report's medians count only its stable rounds.
     */
    static int run(int rounds, int iterations) throws Exception {
        System.out.println();
        System.out.println("agreement: the report's harness and RingBench on the same rings (64-byte messages; "
                + "ratios shm4j / Agrona, each within one process pair or round, median of " + rounds
                + " rounds; tolerance " + TOLERANCE + ")");
        ReportRatios report = reportRatios(rounds);
        List<Double> throughput = new ArrayList<>();
        List<Double> roundTrip = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            throughput.add(RingBench.median(RingBench.interleavedRun("shm4j", false).stream()
                    .map(pair -> pair[0] / pair[1]).toList()));
            long[][] shm4j = RingBench.roundTripVsRaw("shm4j-spin", iterations);
            long[][] agrona = RingBench.roundTripVsRaw("agrona-spin", iterations);
            roundTrip.add(((double) shm4j[1][0] / shm4j[0][0]) / ((double) agrona[1][0] / agrona[0][0]));
        }
        System.out.println("per round, report:    p50 " + format(report.p50()) + ", throughput "
                + format(report.rate()) + ", stable " + report.stable());
        System.out.println("per round, RingBench: p50 " + format(roundTrip) + ", throughput " + format(throughput));
        List<Double> p50 = stableOnly(report.p50(), report.stable());
        List<Double> rate = stableOnly(report.rate(), report.stable());
        if (p50.isEmpty()) {
            System.out.println("inconclusive: none of the report's rounds was stable (their 100 ms slices never "
                    + "agreed within " + org.shm4j.bench.harness.Session.TOLERANCE + "; a busy machine?): run again "
                    + "when it is quiet");
            return 3;
        }
        System.out.println("the report's medians are over its " + p50.size() + " stable round(s) of " + rounds);
        List<Check> checks = List.of(
                new Check("round-trip p50", RingBench.median(p50), RingBench.median(roundTrip)),
                new Check("throughput", RingBench.median(rate), RingBench.median(throughput)));
        boolean all = true;
        for (Check c : checks) {
            System.out.printf(Locale.ROOT, "%-16s report %.2fx  RingBench %.2fx  apart %.2fx  %s%n", c.figure(),
                    c.report(), c.ringBench(), c.disagreement(), c.agrees() ? "agree" : "DISAGREE");
            all &= c.agrees();
        }
        System.out.println(all ? "the harnesses agree" : "the harnesses DISAGREE: find out which measures what");
        return all ? 0 : 1;
    }

    private static double p50(Measurement latency) {
        return ((Measurement.Latency) latency).histogram().getValueAtPercentile(50);
    }

    /** The values of the rounds whose figures were all stable. */
    private static List<Double> stableOnly(List<Double> values, List<Boolean> stable) {
        List<Double> kept = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            if (stable.get(i)) {
                kept.add(values.get(i));
            }
        }
        return kept;
    }

    private static String format(List<Double> ratios) {
        return ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList().toString();
    }

    /** The report harness's per-round ratios shm4j / Agrona, and per round whether its four figures were stable. */
    record ReportRatios(List<Double> p50, List<Double> rate, List<Boolean> stable) {}

    /** One campaign of {@code rounds} rounds, shm4j's sessions then Agrona's in each. */
    private static ReportRatios reportRatios(int rounds) throws IOException {
        Path work = Files.createTempDirectory("shm4j-agree-");
        try {
            Map<Transport, List<Workload>> plans = new LinkedHashMap<>();
            List<Workload> plan = List.of(
                    Workload.pingPong(64, Duration.ofMillis(1500), Duration.ofMillis(400), 8_000_000),
                    Workload.stream(64, 1, Duration.ofMillis(200), Duration.ofMillis(400)));
            for (String name : List.of("shm4j-spsc-spin", "agrona-1to1")) {
                plans.put(Transports.byName(name).orElseThrow(), plan);
            }
            Campaign.Results r = new Campaign(RunContext.pinned(work, false), System.out).run(plans, rounds);
            List<Double> p50 = new ArrayList<>();
            List<Double> rate = new ArrayList<>();
            List<Boolean> stable = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                boolean steady = true;
                Measurement[] ping = new Measurement[2];
                Measurement[] stream = new Measurement[2];
                for (int i = 0; i < 2; i++) {
                    String name = i == 0 ? "shm4j-spsc-spin" : "agrona-1to1";
                    ping[i] = r.get(name, plan.get(0).key()).get(round);
                    stream[i] = r.get(name, plan.get(1).key()).get(round);
                    if (ping[i] == null || stream[i] == null) {
                        throw new IOException("the report's harness failed: transport=" + name + ", round="
                                + (round + 1) + ", failures=" + r.failures());
                    }
                    steady &= ping[i].stability().stable() && stream[i].stability().stable();
                }
                stable.add(steady);
                p50.add(p50(ping[0]) / p50(ping[1]));
                rate.add(((Measurement.Throughput) stream[0]).messagesPerSecond()
                        / ((Measurement.Throughput) stream[1]).messagesPerSecond());
            }
            return new ReportRatios(p50, rate, stable);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
