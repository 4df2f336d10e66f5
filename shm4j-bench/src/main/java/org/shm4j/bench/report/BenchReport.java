package org.shm4j.bench.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.shm4j.Commit;
import org.shm4j.bench.harness.Campaign;
import org.shm4j.bench.harness.Measurement;
import org.shm4j.bench.harness.RunContext;
import org.shm4j.bench.harness.Spread;
import org.shm4j.bench.harness.Transport;
import org.shm4j.bench.harness.Transports;
import org.shm4j.bench.harness.Workload;

/**
 * Runs the whole suite within a {@link Budget} and writes {@code report.md} and its PNG charts:
 * the 64-byte comparison of every transport (latency percentiles, one-way throughput, producers),
 * scaling against message size, the core's create/map, copy and view-lifecycle costs. Every
 * figure is the median of the budget's rounds with its spread, and every comparison a ratio to the
 * baseline measured in the same round.
 */
public final class BenchReport {
    static final int SIZE = 64;
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};

    private BenchReport() {}

    /** What the report was made from; also what the smoke test inspects. */
    public record Outcome(Path report, List<Path> charts, Campaign.Results comparison, Campaign.Results scaling) {}

    public static Outcome run(Budget budget, Path out, List<String> only, String note, PrintStream log)
            throws IOException {
        return run(budget, out, only, note, null, log);
    }

    /** The README's table sits between these two lines; {@code --readme FILE} rewrites what is between them. */
    public static final String README_START = "<!-- bench-table: written by `./shm4j bench --readme README.md`; do not edit -->";
    public static final String README_END = "<!-- /bench-table -->";

    /**
     * As {@link #run(Budget, Path, List, String, PrintStream)}, then, when {@code readme} is not
     * null, replaces the table between {@link #README_START} and {@link #README_END} in that file
     * with this report's summary table (also written to {@code readme-table.md} beside the report).
     */
    public static Outcome run(Budget budget, Path out, List<String> only, String note, Path readme, PrintStream log)
            throws IOException {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("shm4j-bench-");
        // Interrupted runs (Ctrl-C) clean up too; the hook is dropped when the run ends normally.
        Thread cleanup = new Thread(() -> deleteTree(work), "delete-bench-work");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            RunContext context = RunContext.pinned(work, true);
            Map<String, String> machine = MachineInfo.describe();
            String loadBefore = MachineInfo.loadAverage();
            List<Transport> transports = Transports.all().stream()
                    .filter(t -> only.isEmpty() || t == Transports.baseline() || only.contains(t.name())).toList();
            log.println("shm4j benchmark report, " + budget.mode() + " mode, " + budget.rounds() + " rounds; "
                    + context.pinningDescription());

            Campaign.Results comparison = new Campaign(context, log).run(comparisonPlans(budget, transports),
                    budget.rounds());
            Campaign.Results scaling = new Campaign(context, log).run(scalingPlans(budget, transports),
                    budget.rounds());
            long nowCap = CoreCosts.nowCap(budget);
            List<CoreCosts.CreateMap> createMap = CoreCosts.createMap(budget, nowCap, log);
            List<CoreCosts.Copy> copy = CoreCosts.copy(budget, context, log);
            CoreCosts.Lifecycle lifecycle = CoreCosts.lifecycle(budget);

            String loadAfter = MachineInfo.loadAverage();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            Writer w = new Writer(out, budget, comparison, scaling);
            List<Path> charts;
            try {
                charts = w.charts();
            } catch (IOException | RuntimeException e) {
                // The figures are worth writing even when a chart cannot be drawn.
                log.println("charts failed: " + e);
                charts = List.of();
            }
            String markdown = w.markdown(machine, context, started, took, loadBefore, loadAfter, note, nowCap,
                    createMap, copy, lifecycle);
            Path report = out.resolve("report.md");
            Files.writeString(report, markdown, StandardCharsets.UTF_8);
            String table = w.readmeTable(started, took, loadBefore, loadAfter);
            Files.writeString(out.resolve("readme-table.md"), table, StandardCharsets.UTF_8);
            if (readme != null) {
                spliceReadme(readme, table);
                log.println("rewrote the table in " + readme);
            }
            log.printf("wrote %s and its charts in %.0f s%n", report, took.toMillis() / 1000.0);
            return new Outcome(report, charts, comparison, scaling);
        } finally {
            deleteTree(work);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The hook is running or has run.
            }
        }
    }

    /** Replaces the lines between the README markers with {@code table}; fails if the markers are missing. */
    static void spliceReadme(Path readme, String table) throws IOException {
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int start = text.indexOf(README_START);
        int end = text.indexOf(README_END);
        if (start < 0 || end < start) {
            throw new IOException("README has no bench-table markers: file=" + readme + ", start=" + README_START);
        }
        String spliced = text.substring(0, start + README_START.length()) + "\n" + table
                + text.substring(end);
        Files.writeString(readme, spliced, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Best effort: a leftover temporary directory is harmless.
        }
    }

    static Map<Transport, List<Workload>> comparisonPlans(Budget b, List<Transport> transports) {
        Map<Transport, List<Workload>> plans = new LinkedHashMap<>();
        for (Transport t : transports) {
            List<Workload> plan = new ArrayList<>();
            add(plan, t, Workload.pingPong(SIZE, b.pingWarmup(), b.pingMeasure(), b.maxSamples()));
            add(plan, t, Workload.stream(SIZE, 1, b.streamWarmup(), b.streamMeasure()));
            for (int p : b.producers()) {
                add(plan, t, Workload.stream(SIZE, p, b.streamWarmup().dividedBy(2), b.streamMeasure()));
            }
            plans.put(t, plan);
        }
        return plans;
    }

    static Map<Transport, List<Workload>> scalingPlans(Budget b, List<Transport> transports) {
        Map<Transport, List<Workload>> plans = new LinkedHashMap<>();
        for (Transport t : transports) {
            if (!b.scalingTransports().isEmpty() && !b.scalingTransports().contains(t.name())) {
                continue;
            }
            List<Workload> plan = new ArrayList<>();
            boolean first = true;
            for (int size : b.sizes()) {
                // The first workload of a session also warms up the JIT of both sides.
                Duration warmup = first ? b.pingWarmup() : b.scalingWarmup();
                first = false;
                add(plan, t, Workload.pingPong(size, warmup, b.scalingMeasure(), b.maxSamples()));
                add(plan, t, Workload.stream(size, 1, b.scalingWarmup(), b.scalingMeasure()));
            }
            plans.put(t, plan);
        }
        return plans;
    }

    private static void add(List<Workload> plan, Transport t, Workload w) {
        if (t.supports(w)) {
            plan.add(w);
        }
    }

    static String pingKey(int size) {
        return Workload.pingPong(size, Duration.ZERO, Duration.ofMillis(1), 1).key();
    }

    static String streamKey(int size, int producers) {
        return Workload.stream(size, producers, Duration.ZERO, Duration.ofMillis(1)).key();
    }

    /** Turns results into figures, tables and charts. */
    static final class Writer {
        private final Path out;
        private final Budget budget;
        private final Campaign.Results cmp;
        private final Campaign.Results scl;
        private final String base = Transports.baseline().name();

        Writer(Path out, Budget budget, Campaign.Results cmp, Campaign.Results scl) {
            this.out = out;
            this.budget = budget;
            this.cmp = cmp;
            this.scl = scl;
        }

        static Spread figure(List<Measurement> runs, ToDoubleFunction<Measurement> f) {
            return Spread.of(runs.stream().mapToDouble(m -> m == null ? Double.NaN : f.applyAsDouble(m)).toArray());
        }

        /** Per-round ratio candidate / baseline, rounds where either failed left out. */
        static Spread ratio(List<Measurement> runs, List<Measurement> baseRuns, ToDoubleFunction<Measurement> f) {
            double[] r = new double[runs.size()];
            for (int i = 0; i < r.length; i++) {
                Measurement c = runs.get(i);
                Measurement b = i < baseRuns.size() ? baseRuns.get(i) : null;
                r[i] = c == null || b == null ? Double.NaN : f.applyAsDouble(c) / f.applyAsDouble(b);
            }
            return Spread.of(r);
        }

        static ToDoubleFunction<Measurement> percentileMicros(double p) {
            return m -> ((Measurement.Latency) m).histogram().getValueAtPercentile(p) / 1000.0;
        }

        static final ToDoubleFunction<Measurement> MAX_MICROS =
                m -> ((Measurement.Latency) m).histogram().getMaxValue() / 1000.0;
        static final ToDoubleFunction<Measurement> RATE = m -> ((Measurement.Throughput) m).messagesPerSecond();
        static final ToDoubleFunction<Measurement> BYTES_RATE = m -> ((Measurement.Throughput) m).bytesPerSecond();

        static Histogram merged(List<Measurement> runs) {
            Histogram h = new Histogram(3);
            h.setAutoResize(true);
            runs.stream().filter(Objects::nonNull).forEach(m -> h.add(((Measurement.Latency) m).histogram()));
            return h;
        }

        List<Path> charts() throws IOException {
            List<Path> files = new ArrayList<>();
            String ping = pingKey(SIZE);
            Map<String, Histogram> hist = new LinkedHashMap<>();
            for (String t : cmp.transports()) {
                if (cmp.has(t, ping)) {
                    hist.put(t, merged(cmp.get(t, ping)));
                }
            }
            files.add(out.resolve("latency-percentiles.png"));
            Charts.percentiles(files.getLast(), "Round trip, 64-byte messages, all runs merged (log-log)", hist);

            List<String> names = new ArrayList<>();
            Map<String, List<Double>> p50p99 = new LinkedHashMap<>();
            p50p99.put("p50", new ArrayList<>());
            p50p99.put("p99", new ArrayList<>());
            for (String t : cmp.transports()) {
                if (cmp.has(t, ping)) {
                    names.add(t);
                    p50p99.get("p50").add(figure(cmp.get(t, ping), percentileMicros(50)).median());
                    p50p99.get("p99").add(figure(cmp.get(t, ping), percentileMicros(99)).median());
                }
            }
            files.add(out.resolve("latency-bars.png"));
            Charts.groupedBars(files.getLast(), "Round trip, 64-byte messages: median of runs (log scale)", "transport",
                    "µs", names, p50p99, true);

            String stream = streamKey(SIZE, 1);
            List<String> tNames = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (String t : cmp.transports()) {
                if (cmp.has(t, stream)) {
                    Spread s = figure(cmp.get(t, stream), RATE);
                    tNames.add(t);
                    values.add(s.median() / 1e6);
                }
            }
            files.add(out.resolve("throughput-bars.png"));
            Charts.bars(files.getLast(), "One-way throughput, 64-byte messages, 1 producer: median of runs",
                    "million messages/s", tNames, values);

            List<String> producerCounts = new ArrayList<>(List.of("1"));
            budget.producers().forEach(p -> producerCounts.add(Integer.toString(p)));
            Map<String, List<Double>> byProducers = new LinkedHashMap<>();
            for (String t : cmp.transports()) {
                if (budget.producers().stream().anyMatch(p -> cmp.has(t, streamKey(SIZE, p)))) {
                    List<Double> v = new ArrayList<>();
                    for (String p : producerCounts) {
                        v.add(figure(cmp.get(t, streamKey(SIZE, Integer.parseInt(p))), RATE).median() / 1e6);
                    }
                    byProducers.put(t, v);
                }
            }
            if (!byProducers.isEmpty()) {
                files.add(out.resolve("producers.png"));
                Charts.groupedBars(files.getLast(), "Throughput against producers, 64-byte messages", "producers",
                        "million messages/s", producerCounts, byProducers, false);
            }

            List<Charts.Series> lat = new ArrayList<>();
            List<Charts.Series> thr = new ArrayList<>();
            for (String t : scl.transports()) {
                lat.add(sizeSeries(t, s -> pingKey(s), percentileMicros(50), 1));
                thr.add(sizeSeries(t, s -> streamKey(s, 1), BYTES_RATE, 1e-6));
            }
            files.add(out.resolve("size-latency.png"));
            Charts.logLog(files.getLast(), "Round trip (p50) against message size", "message size (bytes)", "µs",
                    lat);
            files.add(out.resolve("size-throughput.png"));
            Charts.logLog(files.getLast(), "One-way throughput against message size", "message size (bytes)", "MB/s",
                    thr);
            return files;
        }

        private Charts.Series sizeSeries(String t, java.util.function.IntFunction<String> key,
                ToDoubleFunction<Measurement> f, double scale) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int s : budget.sizes()) {
                if (scl.has(t, key.apply(s))) {
                    xs.add((double) s);
                    ys.add(figure(scl.get(t, key.apply(s)), f).median() * scale);
                }
            }
            return new Charts.Series(t, xs.stream().mapToDouble(Double::doubleValue).toArray(),
                    ys.stream().mapToDouble(Double::doubleValue).toArray());
        }

        /** docs/bench.md of the checkout the report is written from, relative to the report's folder. */
        private String benchDocLink() {
            Path doc = Path.of("docs", "bench.md").toAbsolutePath().normalize();
            return out.toAbsolutePath().normalize().relativize(doc).toString().replace('\\', '/');
        }

        String markdown(Map<String, String> machine, RunContext context, Instant started, Duration took,
                String loadBefore, String loadAfter, String note, long nowCap, List<CoreCosts.CreateMap> createMap,
                List<CoreCosts.Copy> copy, CoreCosts.Lifecycle lifecycle) throws IOException {
            StringBuilder b = new StringBuilder();
            b.append("# shm4j benchmark report\n\n");
            b.append("Made by `java -jar shm4j-bench/target/shm4j-benchmarks.jar report --").append(budget.mode())
                    .append("` on ").append(started.truncatedTo(ChronoUnit.SECONDS)).append(" in ")
                    .append(took.toSeconds()).append(" s (").append(budget.mode()).append(" mode, ")
                    .append(budget.rounds()).append(" rounds). How to run it and what it measures: ")
                    .append("[docs/bench.md](").append(benchDocLink()).append(").\n\n");
            b.append("## Machine\n\n| | |\n|---|---|\n");
            machine.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
            b.append("| Pinning | ").append(context.pinningDescription()).append(" |\n");
            b.append("| Load average (1, 5, 15 min, runnable/total, last pid) | before: `").append(loadBefore)
                    .append("`, after: `").append(loadAfter).append("` |\n\n");

            b.append("## How to read this\n\n");
            b.append("- Every figure is the **median of ").append(budget.rounds())
                    .append(" runs**, with the smallest and largest run in small print: `median (min–max)`.\n");
            b.append("- Every ratio is taken **per round** against the baseline `").append(base)
                    .append("` measured in the same round (the rounds interleave the transports: baseline, A, B, ..., "
                            + "baseline, A, B, ...), then the median of those ratios is shown. For latency, below 1× is "
                            + "faster than the baseline; for throughput, above 1× is more.\n");
            b.append("- A round trip is: the harness writes a message, the peer process receives it and sends it back, "
                    + "the harness receives it (both copies included). Throughput is one way: the peer's producer "
                    + "threads send as fast as the transport takes messages, the harness receives and checks them.\n");
            b.append("- Every Java transport gets the same warm-up (" + Format.sig(budget.pingWarmup().toMillis() / 1000.0)
                    + " s before round trips, " + Format.sig(budget.streamWarmup().toMillis() / 1000.0)
                    + " s before a stream) in fresh JVMs on both sides, then its window is extended until its slices "
                    + "agree (the *steady* columns).\n");
            b.append("- The shm4j rings are used as docs/ring.md shows: named rings, copying `offer` (`shm4j-spsc-claim`: "
                    + "zero-copy `tryClaim` + `commit`), busy-spin or blocking waits. The receiver takes **one record per "
                    + "call** and copies it out, for every transport alike; the rings' own harness (`shm4j-benchmarks "
                    + "ring`) takes up to 256 records per call in its throughput runs and is not pinned, so compare the "
                    + "two by their ratios to Agrona (`ring agree` checks that they agree).\n");
            double load = MachineInfo.load1();
            if (Double.isFinite(load) && load > 0.5) {
                b.append("- **The machine was not idle** (1-minute load ").append(loadBefore.split(" ")[0])
                        .append(" before, ").append(loadAfter.split(" ")[0]).append(" after, on ")
                        .append(org.shm4j.bench.harness.Cpus.allowed().size())
                        .append(" CPUs): other work competed for the cores, so absolute figures are noisy and tails "
                                + "long; ratios within a round are the figures to trust.\n");
            }
            if (note != null && !note.isBlank()) {
                b.append("- ").append(note.strip()).append("\n");
            }
            b.append("\n");

            latencySection(b);
            throughputSection(b);
            producersSection(b);
            scalingSection(b);
            coreSection(b, nowCap, createMap, copy, lifecycle);
            slicesSection(b);
            transportsSection(b);
            return b.toString();
        }

        /** What the README shows: 64-byte round trip p50 and one-way throughput, both against the baseline. */
        String readmeTable(Instant started, Duration took, String loadBefore, String loadAfter) {
            StringBuilder b = new StringBuilder();
            b.append("Latest ").append(budget.mode()).append(" report (`./shm4j bench --readme README.md`), ")
                    .append(started.truncatedTo(ChronoUnit.MINUTES)).append(", ").append(took.toSeconds())
                    .append(" s, ").append(budget.rounds()).append(" rounds, 1-minute load ")
                    .append(loadBefore.split(" ")[0]).append(" before and ").append(loadAfter.split(" ")[0])
                    .append(" after; medians of rounds, ratios per round to the baseline. Every Java side runs in a "
                            + "fresh JVM, after the same warm-up; *unstable* marks a figure whose slices never "
                            + "agreed (see the [report](docs/bench/report.md)).\n\n");
            b.append("| 64-byte messages | round trip p50 | vs baseline | one-way throughput | vs baseline |\n");
            b.append("|---|---|---|---|---|\n");
            String ping = pingKey(SIZE);
            String stream = streamKey(SIZE, 1);
            for (String t : cmp.transports()) {
                if (!cmp.has(t, ping) && !cmp.has(t, stream)) {
                    continue;
                }
                b.append("| `").append(t).append("`").append(t.equals(base) ? " (baseline)" : "").append(" | ");
                if (cmp.has(t, ping)) {
                    List<Measurement> runs = cmp.get(t, ping);
                    b.append(Format.sig(figure(runs, percentileMicros(50)).median())).append(" µs")
                            .append(unstable(runs)).append(" | ")
                            .append(Format.sig(ratio(runs, cmp.get(base, ping), percentileMicros(50)).median()))
                            .append("× | ");
                } else {
                    b.append("– | – | ");
                }
                if (cmp.has(t, stream)) {
                    List<Measurement> runs = cmp.get(t, stream);
                    b.append(Format.rate(figure(runs, RATE).median())).append(" msg/s").append(unstable(runs))
                            .append(" | ").append(Format.sig(ratio(runs, cmp.get(base, stream), RATE).median()))
                            .append("× |\n");
                } else {
                    b.append("– | – |\n");
                }
            }
            return b.toString();
        }

        private static String unstable(List<Measurement> runs) {
            return runs.stream().filter(Objects::nonNull).anyMatch(m -> !m.stability().stable()) ? " *unstable*" : "";
        }

        private void latencySection(StringBuilder b) {
            String key = pingKey(SIZE);
            b.append("## Round-trip latency, 64-byte messages\n\n");
            b.append("![Latency percentiles](latency-percentiles.png)\n\n![p50 and p99](latency-bars.png)\n\n");
            b.append("| transport | p50 | p90 | p99 | p99.9 | max | p50 vs baseline | p99 vs baseline | round trips/run "
                    + "| steady p50 |\n");
            b.append("|---|---|---|---|---|---|---|---|---|---|\n");
            List<Measurement> baseRuns = cmp.get(base, key);
            for (String t : cmp.transports()) {
                if (!cmp.has(t, key)) {
                    continue;
                }
                List<Measurement> runs = cmp.get(t, key);
                b.append("| `").append(t).append("` ");
                for (double p : PERCENTILES) {
                    b.append("| ").append(Format.spread(figure(runs, percentileMicros(p)), Format::sig)).append(" ");
                }
                b.append("| ").append(Format.spread(figure(runs, MAX_MICROS), Format::sig)).append(" ");
                b.append("| ").append(Format.ratio(ratio(runs, baseRuns, percentileMicros(50)))).append(" ");
                b.append("| ").append(Format.ratio(ratio(runs, baseRuns, percentileMicros(99)))).append(" ");
                b.append("| ").append(Format.rate(figure(runs, m -> ((Measurement.Latency) m).histogram()
                        .getTotalCount()).median())).append(" | ").append(steadiness(runs)).append(" |\n");
            }
            b.append("\nAll latencies in µs. ").append(STEADY_NOTE).append("\n\n");
        }

        private void throughputSection(StringBuilder b) {
            String key = streamKey(SIZE, 1);
            b.append("## One-way throughput, 64-byte messages, one producer\n\n");
            b.append("![Throughput](throughput-bars.png)\n\n");
            b.append("| transport | messages/s | MB/s | vs baseline | steady rate |\n|---|---|---|---|---|\n");
            List<Measurement> baseRuns = cmp.get(base, key);
            for (String t : cmp.transports()) {
                if (!cmp.has(t, key)) {
                    continue;
                }
                List<Measurement> runs = cmp.get(t, key);
                b.append("| `").append(t).append("` | ").append(Format.spread(figure(runs, RATE), Format::rate))
                        .append(" | ").append(Format.spread(figure(runs, BYTES_RATE), v -> Format.sig(v / 1e6)))
                        .append(" | ").append(Format.ratio(ratio(runs, baseRuns, RATE))).append(" | ")
                        .append(steadiness(runs)).append(" |\n");
            }
            b.append("\n").append(STEADY_NOTE).append("\n\n");
        }

        static final String STEADY_NOTE = "*Steady*: every Java figure is made of the last "
                + org.shm4j.bench.harness.Session.SLICES + " slices of its window, taken once their figures "
                + "(p50, or rate) agree within " + Math.round(100 * org.shm4j.bench.harness.Session.TOLERANCE)
                + " % (largest over smallest); the harness extends the window, dropping the oldest slice, up to "
                + org.shm4j.bench.harness.Session.MAX_EXTENSION + " more windows, and flags the round **unstable** "
                + "if they never agree. The column gives the steady rounds, the widest spread of their slices and "
                + "the longest extension; `–` for the C peers, which have no JIT and measure one window.";

        /** "3/3, ≤1.06×, +0.2 s" or "**unstable** in 1 of 3 (1.4×)": how steady the rounds' slices were. */
        static String steadiness(List<Measurement> runs) {
            List<Measurement.Stability> s = runs.stream().filter(Objects::nonNull).map(Measurement::stability)
                    .filter(Measurement.Stability::checked).toList();
            if (s.isEmpty()) {
                return "–";
            }
            long steady = s.stream().filter(Measurement.Stability::stable).count();
            double spread = s.stream().mapToDouble(Measurement.Stability::spread).max().orElse(1);
            double extended = s.stream().mapToLong(Measurement.Stability::extendedNanos).max().orElse(0) / 1e9;
            String ext = extended >= 0.05 ? String.format(java.util.Locale.ROOT, ", +%.1f s", extended) : "";
            if (steady == s.size()) {
                return steady + "/" + s.size() + ", ≤" + Format.sig(spread) + "×" + ext;
            }
            return "**unstable** in " + (s.size() - steady) + " of " + s.size() + " (" + Format.sig(spread) + "×"
                    + ext + ")";
        }

        private void producersSection(StringBuilder b) {
            List<String> ts = cmp.transports().stream()
                    .filter(t -> budget.producers().stream().anyMatch(p -> cmp.has(t, streamKey(SIZE, p)))).toList();
            if (ts.isEmpty()) {
                return;
            }
            b.append("## Throughput against the number of producers, 64-byte messages\n\n");
            b.append("Producers are threads of one peer process (pinned to one CPU when pinning is on), all sending to "
                    + "the one consumer. Ratios are to the same transport with one producer, in the same round.\n\n");
            b.append("![Producers](producers.png)\n\n| transport | 1 producer |");
            budget.producers().forEach(p -> b.append(" ").append(p).append(" producers |"));
            b.append("\n|---|---|");
            budget.producers().forEach(p -> b.append("---|"));
            b.append("\n");
            for (String t : ts) {
                List<Measurement> one = cmp.get(t, streamKey(SIZE, 1));
                b.append("| `").append(t).append("` | ").append(Format.spread(figure(one, RATE), Format::rate))
                        .append("/s |");
                for (int p : budget.producers()) {
                    List<Measurement> runs = cmp.get(t, streamKey(SIZE, p));
                    b.append(" ").append(Format.spread(figure(runs, RATE), Format::rate)).append("/s, ")
                            .append(Format.ratio(ratio(runs, one, RATE))).append(" |");
                }
                b.append("\n");
            }
            b.append("\n");
        }

        private void scalingSection(StringBuilder b) {
            if (scl.transports().isEmpty()) {
                return;
            }
            b.append("## Against message size\n\n");
            b.append("Separate sessions sized for the largest message (ring slots and buffers hold 64 KiB), so their "
                    + "64-byte figures can differ from the comparison above. Ratios to the baseline in the same "
                    + "round.\n\n");
            b.append("![Latency against size](size-latency.png)\n\n![Throughput against size](size-throughput.png)\n\n");
            b.append("Round trip p50 (µs):\n\n| transport |");
            budget.sizes().forEach(s -> b.append(" ").append(Format.bytes(s)).append(" |"));
            b.append("\n|---|");
            budget.sizes().forEach(s -> b.append("---|"));
            b.append("\n");
            for (String t : scl.transports()) {
                b.append("| `").append(t).append("` |");
                for (int s : budget.sizes()) {
                    List<Measurement> runs = scl.get(t, pingKey(s));
                    b.append(" ").append(cell(runs, scl.get(base, pingKey(s)), percentileMicros(50), Format::sig, t))
                            .append(" |");
                }
                b.append("\n");
            }
            b.append("\nOne-way throughput (MB/s):\n\n| transport |");
            budget.sizes().forEach(s -> b.append(" ").append(Format.bytes(s)).append(" |"));
            b.append("\n|---|");
            budget.sizes().forEach(s -> b.append("---|"));
            b.append("\n");
            for (String t : scl.transports()) {
                b.append("| `").append(t).append("` |");
                for (int s : budget.sizes()) {
                    List<Measurement> runs = scl.get(t, streamKey(s, 1));
                    b.append(" ").append(cell(runs, scl.get(base, streamKey(s, 1)), BYTES_RATE,
                            v -> Format.sig(v / 1e6), t)).append(" |");
                }
                b.append("\n");
            }
            b.append("\n");
        }

        private String cell(List<Measurement> runs, List<Measurement> baseRuns, ToDoubleFunction<Measurement> f,
                java.util.function.DoubleFunction<String> fmt, String t) {
            if (runs.stream().allMatch(Objects::isNull)) {
                return "–";
            }
            String s = Format.spread(figure(runs, f), fmt);
            if (t.equals(base)) {
                return s;
            }
            return s + ", " + Format.sig(ratio(runs, baseRuns, f).median()) + "×";
        }

        private void coreSection(StringBuilder b, long nowCap, List<CoreCosts.CreateMap> createMap,
                List<CoreCosts.Copy> copy, CoreCosts.Lifecycle lifecycle) throws IOException {
            b.append("## Create and map cost against segment size\n\n");
            b.append("One process: `SharedMemory.create(name, size, commit)`, `map()` of the whole object, the view's "
                    + "`close()` (munmap, shared arena), then `close()` + `remove()`. `Commit.NOW` reserves the storage "
                    + "with fallocate, so its cost grows with the size; it is measured only up to ")
                    .append(Format.bytes(nowCap)).append(" (a quarter of the free /dev/shm and memory, and the mode's "
                            + "cap). `Commit.LAZY` is a sparse file at any size. Small sizes average 20 cycles per "
                            + "run.\n\n");
            b.append("![Create and map](create-map.png)\n\n");
            b.append("| size | commit | create | map | unmap | close + remove | create vs LAZY |\n"
                    + "|---|---|---|---|---|---|---|\n");
            Map<Long, CoreCosts.CreateMap> lazy = new LinkedHashMap<>();
            for (CoreCosts.CreateMap c : createMap) {
                if (c.commit() == Commit.LAZY) {
                    lazy.put(c.byteSize(), c);
                }
            }
            for (CoreCosts.CreateMap c : createMap) {
                CoreCosts.CreateMap l = lazy.get(c.byteSize());
                b.append("| ").append(Format.bytes(c.byteSize())).append(" | ").append(c.commit()).append(" | ")
                        .append(Format.spread(c.createMicros(), Format::micros)).append(" | ")
                        .append(Format.spread(c.mapMicros(), Format::micros)).append(" | ")
                        .append(Format.spread(c.unmapMicros(), Format::micros)).append(" | ")
                        .append(Format.spread(c.removeMicros(), Format::micros)).append(" | ")
                        .append(c.commit() == Commit.LAZY || l == null ? "1×"
                                : Format.sig(c.createMicros().median() / l.createMicros().median()) + "×")
                        .append(" |\n");
            }
            List<Charts.Series> series = new ArrayList<>();
            for (Commit commit : Commit.values()) {
                List<CoreCosts.CreateMap> cs = createMap.stream().filter(c -> c.commit() == commit).toList();
                series.add(new Charts.Series("create, " + commit,
                        cs.stream().mapToDouble(c -> c.byteSize()).toArray(),
                        cs.stream().mapToDouble(c -> c.createMicros().median()).toArray()));
                series.add(new Charts.Series("map, " + commit, cs.stream().mapToDouble(c -> c.byteSize()).toArray(),
                        cs.stream().mapToDouble(c -> c.mapMicros().median()).toArray()));
            }
            Charts.logLog(out.resolve("create-map.png"), "Create and map cost against segment size", "segment size (bytes)",
                    "µs", series);

            b.append("\n## Bulk copy bandwidth\n\n");
            b.append("`MemorySegment.copy` between two mapped views of two committed segments, against C `memcpy` "
                    + "between the same two objects (opened by name with `shm_open`), alternating in each round on "
                    + "the same CPU. GB/s is 10^9 bytes per second.\n\n");
            b.append("![Copy bandwidth](copy-bandwidth.png)\n\n| size | Java GB/s | C memcpy GB/s | Java vs C |\n"
                    + "|---|---|---|---|\n");
            for (CoreCosts.Copy c : copy) {
                b.append("| ").append(Format.bytes(c.byteSize())).append(" | ")
                        .append(Format.spread(c.javaGBps(), Format::sig)).append(" | ")
                        .append(Format.spread(c.cGBps(), Format::sig)).append(" | ").append(Format.ratio(c.javaToC()))
                        .append(" |\n");
            }
            Charts.logLog(out.resolve("copy-bandwidth.png"), "Copy bandwidth against size", "bytes copied per call", "GB/s",
                    List.of(new Charts.Series("Java MemorySegment.copy",
                            copy.stream().mapToDouble(c -> c.byteSize()).toArray(),
                            copy.stream().mapToDouble(c -> c.javaGBps().median()).toArray()),
                            new Charts.Series("C memcpy", copy.stream().filter(c -> !c.cGBps().isEmpty())
                                    .mapToDouble(c -> c.byteSize()).toArray(),
                                    copy.stream().filter(c -> !c.cGBps().isEmpty())
                                            .mapToDouble(c -> c.cGBps().median()).toArray())));

            b.append("\n## View map + close: shared arena against `MapOption.Flag.CONFINED`\n\n");
            b.append("Mean time of `shm.map(READ_WRITE, 0, 4096[, CONFINED])` + one write + `close()`, ")
                    .append(budget.lifecycleOperations()).append(" pairs per run. A shared arena's close must "
                            + "synchronise with every thread (a handshake); a confined one need not. The JMH "
                            + "benchmark `org.shm4j.bench.core.ViewLifecycleBenchmark` measures the same "
                            + "(`java -jar shm4j-bench/target/shm4j-benchmarks.jar jmh ViewLifecycle`).\n\n");
            b.append("| view | map + close | shared vs confined |\n|---|---|---|\n");
            b.append("| shared arena | ").append(Format.spread(lifecycle.sharedMicros(), Format::micros)).append(" | ")
                    .append(Format.ratio(lifecycle.sharedToConfined())).append(" |\n");
            b.append("| CONFINED | ").append(Format.spread(lifecycle.confinedMicros(), Format::micros))
                    .append(" | 1× |\n\n");
        }

        /** The kept slices of every Java transport's 64-byte figures, per round: what "steady" was judged on. */
        private void slicesSection(StringBuilder b) {
            String ping = pingKey(SIZE);
            String stream = streamKey(SIZE, 1);
            b.append("## Slices\n\nThe last ").append(org.shm4j.bench.harness.Session.SLICES)
                    .append(" slices of each 64-byte figure, oldest first, per round (rounds separated by `;`): "
                            + "what the *steady* columns were judged on.\n\n");
            b.append("| transport | round trip p50 per slice, µs | one-way rate per slice, M msg/s |\n|---|---|---|\n");
            for (String t : cmp.transports()) {
                String lat = slices(cmp.get(t, ping), 1e-3);
                String thr = slices(cmp.get(t, stream), 1e-6);
                if (!lat.isEmpty() || !thr.isEmpty()) {
                    b.append("| `").append(t).append("` | ").append(lat).append(" | ").append(thr).append(" |\n");
                }
            }
            b.append("\n");
        }

        private static String slices(List<Measurement> runs, double scale) {
            List<String> rounds = new ArrayList<>();
            for (Measurement m : runs) {
                if (m != null && m.stability().checked()) {
                    rounds.add(String.join(" ", m.stability().figures().stream().map(v -> Format.sig(v * scale))
                            .toList()) + (m.stability().stable() ? "" : " (unstable)"));
                }
            }
            return String.join("; ", rounds);
        }

        private void transportsSection(StringBuilder b) {
            b.append("## Transports\n\n| name | what |\n|---|---|\n");
            for (String t : cmp.transports()) {
                b.append("| `").append(t).append("` | ").append(cmp.description(t))
                        .append(t.equals(base) ? " **(baseline)**" : "").append(" |\n");
            }
            cmp.skipped().forEach((t, why) -> b.append("| `").append(t).append("` | skipped: ").append(why)
                    .append(" |\n"));
            b.append("\nThe Java peers run with `-XX:+UseSerialGC -Xmx512m`; Agrona's JVMs (harness side and peer) "
                    + "with `" + String.join(" ", org.shm4j.bench.AgronaFlags.jvmOptions()) + "` (bounds checks off, as "
                    + "in RingBench and JMH); Chronicle Queue's with the "
                    + "`--add-opens`/`--add-exports` list Chronicle documents for Java 17+, plus "
                    + "`--sun-misc-unsafe-memory-access=allow` and its analytics off. Every Java transport runs its "
                    + "harness side in a fresh driver JVM and its peer in another, so no transport runs on code "
                    + "compiled for another, and the report's JVM needs no transport's flags.\n\n");
            Map<String, List<String>> failures = new LinkedHashMap<>(cmp.failures());
            scl.failures().forEach((k, v) -> failures.merge(k + " (size scaling)", v, (a, c) -> a));
            if (!failures.isEmpty()) {
                b.append("### Failures\n\n");
                failures.forEach((t, list) -> list.forEach(f -> b.append("- `").append(t).append("` ")
                        .append(f.lines().findFirst().orElse("")).append("\n")));
                b.append("\n");
            }
        }
    }
}
