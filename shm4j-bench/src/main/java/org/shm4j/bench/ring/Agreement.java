package org.shm4j.bench.ring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * windows) and this harness ({@link RingBench}) briefly on the same two rings, shm4j's named
 * {@code SpscRing} and Agrona's {@code OneToOneRingBuffer}, and checks that both harnesses give the
 * same ratio of shm4j to Agrona within {@value #TOLERANCE} (largest over smallest, minus 1), for the
 * spinning round trip's p50 and the one-way throughput of 64-byte messages.
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

    /** Exit status of {@code ring agree}: 0 agree, 1 disagree, 3 inconclusive (the report's figures never steadied). */
    static int run(long messages, int iterations) throws Exception {
        System.out.println();
        System.out.println("agreement: the report's harness and RingBench on the same rings (64-byte messages; "
                + "ratios shm4j / Agrona; tolerance " + TOLERANCE + ")");
        Map<String, double[]> report = reportRatios();
        boolean steady = report.get("steady")[0] == 1;
        long shm4jRate = Math.round(RingBench.rate("shm4j", false, 1, messages));
        long agronaRate = Math.round(RingBench.rate("agrona-spsc", false, 1, messages));
        long shm4jP50 = RingBench.roundTrip("shm4j-spin", iterations)[0];
        long agronaP50 = RingBench.roundTrip("agrona-spin", iterations)[0];
        List<Check> checks = List.of(
                new Check("round-trip p50", report.get("p50")[0] / report.get("p50")[1], (double) shm4jP50 / agronaP50),
                new Check("throughput", report.get("rate")[0] / report.get("rate")[1], (double) shm4jRate / agronaRate));
        System.out.printf(Locale.ROOT, "report:    p50 %.0f / %.0f ns, %.2f / %.2f M msg/s (shm4j / agrona)%n",
                report.get("p50")[0], report.get("p50")[1], report.get("rate")[0] / 1e6, report.get("rate")[1] / 1e6);
        System.out.printf(Locale.ROOT, "RingBench: p50 %d / %d ns, %.2f / %.2f M msg/s (shm4j / agrona)%n", shm4jP50,
                agronaP50, shm4jRate / 1e6, agronaRate / 1e6);
        boolean all = true;
        for (Check c : checks) {
            System.out.printf(Locale.ROOT, "%-16s report %.2fx  RingBench %.2fx  apart %.2fx  %s%n", c.figure(),
                    c.report(), c.ringBench(), c.disagreement(), c.agrees() ? "agree" : "DISAGREE");
            all &= c.agrees();
        }
        if (!steady) {
            System.out.println("inconclusive: the report's figures were flagged unstable (their 100 ms slices never "
                    + "agreed within " + org.shm4j.bench.harness.Session.TOLERANCE + "; a busy machine?): run again "
                    + "when it is quiet");
            return 3;
        }
        System.out.println(all ? "the harnesses agree" : "the harnesses DISAGREE: find out which measures what");
        return all ? 0 : 1;
    }

    /** {"p50" -> {shm4j ns, agrona ns}, "rate" -> {shm4j, agrona msg/s}, "steady" -> {1 or 0}} from one report round. */
    private static Map<String, double[]> reportRatios() throws IOException {
        Path work = Files.createTempDirectory("shm4j-agree-");
        try {
            Map<Transport, List<Workload>> plans = new LinkedHashMap<>();
            List<Workload> plan = List.of(
                    Workload.pingPong(64, Duration.ofMillis(500), Duration.ofMillis(400), 8_000_000),
                    Workload.stream(64, 1, Duration.ofMillis(200), Duration.ofMillis(400)));
            for (String name : List.of("shm4j-spsc-spin", "agrona-1to1")) {
                plans.put(Transports.byName(name).orElseThrow(), plan);
            }
            Campaign.Results r = new Campaign(RunContext.pinned(work, false), System.out).run(plans, 1);
            boolean steady = true;
            double[] p50 = new double[2];
            double[] rate = new double[2];
            int i = 0;
            for (String name : List.of("shm4j-spsc-spin", "agrona-1to1")) {
                Measurement ping = r.get(name, plan.get(0).key()).getFirst();
                Measurement stream = r.get(name, plan.get(1).key()).getFirst();
                if (ping == null || stream == null) {
                    throw new IOException("the report's harness failed: transport=" + name + ", failures="
                            + r.failures());
                }
                steady &= ping.stability().stable() && stream.stability().stable();
                p50[i] = ((Measurement.Latency) ping).histogram().getValueAtPercentile(50);
                rate[i] = ((Measurement.Throughput) stream).messagesPerSecond();
                i++;
            }
            Map<String, double[]> out = new LinkedHashMap<>();
            out.put("p50", p50);
            out.put("rate", rate);
            out.put("steady", new double[] {steady ? 1 : 0});
            return out;
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
