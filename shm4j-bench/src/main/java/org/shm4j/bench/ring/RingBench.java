package org.shm4j.bench.ring;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.shm4j.SharedMemory;
import org.shm4j.process.Child;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.SpscRing;
import picocli.CommandLine;

/**
 * The cross-process harness: every figure is measured in the same run as its baseline and printed
 * as a ratio. Producers, consumers, pingers and echoes are separate JVMs (see {@link Peer}).
 *
 * <pre>
 * java -jar shm4j-bench/target/shm4j-benchmarks.jar ring [throughput|throughput-interleaved|pingpong|pingpong-vs-raw|all]
 *      [--runs 3] [--messages 10000000] [--iterations 200000] [--cases spsc,mpsc1-aligned,...]
 * </pre>
 * {@code --cases} limits the throughput part to the named cases (spsc, spsc-aligned, mpsc1,
 * mpsc1-aligned, mpsc2, mpsc4); each runs with its Agrona baseline.
 */
public final class RingBench {
    private static final long CAPACITY = 1 << 20;

    private RingBench() {}

    /** Runs the harness as {@code shm4j-benchmarks ring ...} would; see {@link Command}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Command()).execute(args));
    }

    /** The parts of the harness. */
    enum Part { throughput, throughput_interleaved, pingpong, pingpong_vs_raw, warmup, agree, all;
        static Part parse(String text) {
            return valueOf(text.replace('-', '_'));
        }
    }

    /** {@code shm4j-benchmarks ring}: the arguments, parsed by picocli. */
    @CommandLine.Command(name = "ring", mixinStandardHelpOptions = true,
            description = {"Cross-process ring throughput and ping-pong, each figure beside its Agrona or raw "
                    + "baseline measured in the same run.",
                    "Parts: throughput, throughput-interleaved, pingpong, pingpong-vs-raw, all (default); warmup "
                    + "(round-trip p50 per 100 ms slice from fresh JVMs, shm4j and Agrona); agree (the report's "
                    + "harness and this one on the same rings: exit status 1 when their ratios to Agrona disagree)."})
    public static final class Command implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Parameters(index = "0", arity = "0..1", defaultValue = "all", paramLabel = "PART",
                converter = PartConverter.class, description = "What to measure (default: ${DEFAULT-VALUE}).")
        Part part = Part.all;

        @CommandLine.Option(names = "--runs", defaultValue = "3", description = "Runs per figure (medians).")
        int runs;

        @CommandLine.Option(names = "--messages", defaultValue = "10000000", description = "Messages per throughput run.")
        long messages;

        @CommandLine.Option(names = "--iterations", defaultValue = "200000", description = "Round trips per ping-pong run.")
        int iterations;

        @CommandLine.Option(names = "--seconds", defaultValue = "3", description = "Length of each warm-up timeline.")
        double seconds;

        @CommandLine.Option(names = "--cases", split = ",", paramLabel = "CASE",
                description = "Throughput cases: spsc, spsc-aligned, mpsc1, mpsc1-aligned, mpsc2, mpsc4 (default: all).")
        List<String> cases = THROUGHPUT_CASES;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            for (String c : cases) {
                if (!THROUGHPUT_CASES.contains(c)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "unknown case: " + c + "; cases: " + THROUGHPUT_CASES);
                }
            }
            System.out.printf("shm4j ring benchmark: %d cores, %s, runs=%d (medians)%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"), runs);
            if (part == Part.throughput || part == Part.all) {
                throughput(runs, messages, cases);
            }
            if (part == Part.pingpong || part == Part.all) {
                pingPong(runs, iterations);
            }
            if (part == Part.pingpong_vs_raw) {
                pingPongVsRaw(runs, iterations);
            }
            if (part == Part.throughput_interleaved) {
                throughputInterleaved(runs);
            }
            if (part == Part.warmup) {
                WarmupTimeline.run(runs, seconds);
            }
            if (part == Part.agree) {
                return Agreement.run(runs, iterations);
            }
            return 0;
        }
    }

    /** Accepts the parts as written in the usage, with dashes. */
    static final class PartConverter implements CommandLine.ITypeConverter<Part> {
        @Override
        public Part convert(String value) {
            try {
                return Part.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown part: " + value
                        + "; parts: throughput, throughput-interleaved, pingpong, pingpong-vs-raw, warmup, agree, all");
            }
        }
    }

    // ---- throughput ------------------------------------------------------------------------------

    static final List<String> THROUGHPUT_CASES = List.of("spsc", "spsc-aligned", "mpsc1", "mpsc1-aligned", "mpsc2",
            "mpsc4");

    static void throughput(int runs, long messages, List<String> cases) throws Exception {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            for (String c : cases) {
                boolean many = c.startsWith("mpsc");
                int producers = many ? Integer.parseInt(c.substring(4, 5)) : 1;
                String impl = c.endsWith("-aligned") ? "shm4j-aligned" : "shm4j";
                // Each case measures its own Agrona baseline right after it, so both see the same
                // machine state (this VM changes speed over minutes).
                rates.computeIfAbsent(c + " shm4j", k -> new ArrayList<>()).add(rate(impl, many, producers, messages));
                rates.computeIfAbsent(c + " agrona", k -> new ArrayList<>())
                        .add(rate(many ? "agrona-mpsc" : "agrona-spsc", many, producers, messages));
            }
        }
        System.out.println();
        System.out.println("throughput, 64-byte messages, producer process(es) -> consumer process, 1 MiB ring");
        System.out.printf("%-13s %16s %16s %8s   runs (shm4j | agrona, M msg/s; ratio per run)%n", "case",
                "shm4j M msg/s", "agrona M msg/s", "ratio");
        for (String c : cases) {
            List<Double> ours = rates.get(c + " shm4j");
            List<Double> theirs = rates.get(c + " agrona");
            List<Double> ratios = ratios(ours, theirs);
            System.out.printf("%-13s %16.2f %16.2f %7.2fx   %s | %s; %s%n", c, median(ours) / 1e6,
                    median(theirs) / 1e6, median(ratios), millions(ours), millions(theirs), format(ratios));
        }
        System.out.println("ratio: the median of the per-run ratios (each run measures shm4j, then Agrona, back to back,"
                + " so both see the same machine state); -aligned: RingOption.alignRecordsToCacheLines()");
    }

    /** Warm-up phases of an interleaved run (one of each), then measured pairs. */
    private static final int WARMUP_PAIRS = 1;
    private static final int MEASURED_PAIRS = 5;
    private static final long PER_PHASE = 2_000_000;

    /**
     * Throughput against Agrona with both in the same two processes, phases alternating
     * (ThroughputPeers.InterleavedProducer): the ratio of each shm4j phase to the Agrona phase
     * right after it, so both see the same machine state whatever it is. SPSC, and MPSC with one
     * producer; each with and without aligned records.
     */
    static void throughputInterleaved(int runs) throws Exception {
        System.out.println();
        System.out.println("throughput interleaved with Agrona between the same two processes (phases of "
                + PER_PHASE + " 64-byte messages, " + MEASURED_PAIRS + " measured pairs per run)");
        System.out.printf("%-20s %14s %14s %8s   %s%n", "case", "shm4j M msg/s", "agrona M msg/s", "ratio",
                "per run: median pair ratio");
        for (String c : List.of("spsc", "spsc-aligned", "mpsc1", "mpsc1-aligned")) {
            boolean many = c.startsWith("mpsc");
            String impl = c.endsWith("-aligned") ? "shm4j-aligned" : "shm4j";
            List<Double> ours = new ArrayList<>();
            List<Double> theirs = new ArrayList<>();
            List<Double> runRatios = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                List<double[]> pairs = interleavedRun(impl, many);
                List<Double> r = new ArrayList<>();
                for (double[] p : pairs) {
                    ours.add(p[0]);
                    theirs.add(p[1]);
                    r.add(p[0] / p[1]);
                }
                runRatios.add(median(r));
            }
            System.out.printf("%-20s %14.2f %14.2f %7.2fx   %s%n", c, median(ours) / 1e6, median(theirs) / 1e6,
                    median(runRatios), format(runRatios));
        }
    }

    /** One interleaved run: {shm4j rate, Agrona rate} for each measured pair of phases. */
    static List<double[]> interleavedRun(String impl, boolean many) throws Exception {
        String base = "shm4j-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        String ring = base + "-ring";
        String agronaFile = base + "-agrona";
        String control = base + "-control";
        int phases = 2 * (WARMUP_PAIRS + MEASURED_PAIRS);
        if (many) {
            MpscRing.create(ring, CAPACITY).close();
        } else {
            SpscRing.create(ring, CAPACITY).close();
        }
        SharedMemory.create(control, 4096).close();
        Peer.createFile(agronaFile, CAPACITY + RingBufferDescriptor.TRAILER_LENGTH);
        String[] args = {impl, ring, agronaFile, control, Long.toString(CAPACITY), Long.toString(PER_PHASE),
            Integer.toString(phases), many ? "mpsc" : "spsc"};
        List<Child> processes = new ArrayList<>();
        try {
            Child consumer = Peer.start(ThroughputPeers.InterleavedConsumer.class, true, args);
            processes.add(consumer);
            Lines consumerOut = new Lines(consumer);
            consumerOut.await("READY", 60);
            Child producer = Peer.start(ThroughputPeers.InterleavedProducer.class, true, args);
            processes.add(producer);
            new Lines(producer);
            List<double[]> pairs = new ArrayList<>();
            for (int phase = 0; phase < phases; phase += 2) {
                double ours = Double.parseDouble(consumerOut.await("PHASE shm4j", 600).split(" ")[2]);
                double theirs = Double.parseDouble(consumerOut.await("PHASE agrona", 600).split(" ")[2]);
                if (phase >= 2 * WARMUP_PAIRS) {
                    pairs.add(new double[] {ours, theirs});
                }
            }
            return pairs;
        } finally {
            Peer.finish(processes, ring, agronaFile, control);
        }
    }

    /** {@code ours[i] / theirs[i]} for each run. */
    static List<Double> ratios(List<Double> ours, List<Double> theirs) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < ours.size(); i++) {
            r.add(ours.get(i) / theirs.get(i));
        }
        return r;
    }

    private static String format(List<Double> ratios) {
        return ratios.stream().map(v -> String.format("%.2f", v)).toList().toString();
    }

    private static String millions(List<Double> values) {
        return values.stream().map(v -> String.format("%.1f", v / 1e6)).toList().toString();
    }

    static double rate(String impl, boolean many, int producers, long messages) throws Exception {
        String name = "shm4j-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        boolean agrona = impl.startsWith("agrona");
        long perProducer = messages / producers;
        long total = perProducer * producers;
        if (agrona) {
            Peer.createFile(name, CAPACITY + RingBufferDescriptor.TRAILER_LENGTH);
        } else if (many) {
            MpscRing.create(name, CAPACITY).close();
        } else {
            SpscRing.create(name, CAPACITY).close();
        }
        List<Child> processes = new ArrayList<>();
        try {
            Child consumer = Peer.start(ThroughputPeers.Consumer.class, agrona, impl, name,
                    Long.toString(CAPACITY), Long.toString(total));
            processes.add(consumer);
            Lines consumerOut = new Lines(consumer);
            consumerOut.await("READY", 60);
            for (int i = 0; i < producers; i++) {
                Child p = Peer.start(ThroughputPeers.Producer.class, agrona, impl, name, Long.toString(CAPACITY),
                        Long.toString(perProducer));
                processes.add(p);
                new Lines(p);
            }
            String line = consumerOut.await("RATE", 600);
            return Double.parseDouble(line.split(" ")[1]);
        } finally {
            Peer.finish(processes, name);
        }
    }

    // ---- ping-pong ---------------------------------------------------------------------------

    static void pingPong(int runs, int iterations) throws Exception {
        List<String> impls = List.of("raw-spin", "shm4j-spin", "shm4j-aligned-spin", "agrona-spin", "raw-futex",
                "shm4j-blocking");
        Map<String, List<long[]>> results = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            for (String impl : impls) {
                int n = impl.endsWith("futex") || impl.endsWith("blocking") ? Math.max(20_000, iterations / 5) : iterations;
                results.computeIfAbsent(impl, k -> new ArrayList<>()).add(roundTrip(impl, n));
            }
        }
        System.out.println();
        System.out.println("ping-pong round trip, 64-byte messages, two processes (ns; median of runs)");
        System.out.printf("%-16s %10s %10s %10s   %s%n", "implementation", "p50", "p99", "p99.9", "vs baseline p50 / p99");
        Map<String, long[]> medians = new LinkedHashMap<>();
        results.forEach((impl, list) -> medians.put(impl, new long[] {medianOf(list, 0), medianOf(list, 1),
                medianOf(list, 2)}));
        medians.forEach((impl, m) -> {
            String baseline = impl.endsWith("futex") || impl.endsWith("blocking") ? "raw-futex" : "raw-spin";
            System.out.printf("%-16s %10d %10d %10d   %.2fx / %.2fx of %s%n", impl, m[0], m[1], m[2],
                    medianRatio(results.get(impl), results.get(baseline), 0),
                    medianRatio(results.get(impl), results.get(baseline), 1), baseline);
        });
        System.out.printf("shm4j-spin vs agrona-spin: p50 %.2fx, p99 %.2fx%n",
                medianRatio(results.get("shm4j-spin"), results.get("agrona-spin"), 0),
                medianRatio(results.get("shm4j-spin"), results.get("agrona-spin"), 1));
        System.out.println("ratios: the median of the per-run ratios (every run measures each implementation once,"
                + " back to back)");
        pingPongVsRaw(runs, iterations);
    }

    /**
     * The spinning rings against raw-spin in the same two processes, blocks of round trips
     * alternating: a ratio that does not depend on how the VM placed each process pair.
     */
    static void pingPongVsRaw(int runs, int iterations) throws Exception {
        System.out.println();
        System.out.println("ping-pong interleaved with raw-spin between the same two processes (blocks of "
                + PingPongPeers.BLOCK + " round trips; ns)");
        System.out.printf("%-20s %10s %10s %10s   %s%n", "implementation", "p50", "raw p50", "ratio",
                "per run (p50 / raw p50; p99 / raw p99)");
        for (String impl : List.of("shm4j-spin", "shm4j-aligned-spin")) {
            List<long[]> ours = new ArrayList<>();
            List<long[]> raw = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                long[][] r = roundTripVsRaw(impl, iterations);
                raw.add(r[0]);
                ours.add(r[1]);
            }
            List<String> perRun = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                perRun.add(String.format("%.2f; %.2f", (double) ours.get(i)[0] / raw.get(i)[0],
                        (double) ours.get(i)[1] / raw.get(i)[1]));
            }
            System.out.printf("%-20s %10d %10d %9.2fx   %s%n", impl, medianOf(ours, 0), medianOf(raw, 0),
                    medianRatio(ours, raw, 0), perRun);
        }
    }

    /** The median over runs of {@code ours[run][index] / theirs[run][index]}. */
    private static double medianRatio(List<long[]> ours, List<long[]> theirs, int index) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < ours.size(); i++) {
            r.add((double) ours.get(i)[index] / theirs.get(i)[index]);
        }
        return median(r);
    }

    private static long medianOf(List<long[]> values, int index) {
        long[] v = values.stream().mapToLong(a -> a[index]).sorted().toArray();
        return v[v.length / 2];
    }

    static long[] roundTrip(String impl, int iterations) throws Exception {
        return roundTrips(impl, iterations)[0];
    }

    /** {raw p50, p99, p99.9} and {impl p50, p99, p99.9} of one interleaved run. */
    static long[][] roundTripVsRaw(String impl, int iterations) throws Exception {
        return roundTrips(PingPongPeers.VS_RAW + impl, iterations);
    }

    private static long[] percentiles(String line) {
        String[] f = line.split(" ");
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[3]), Long.parseLong(f[5])};
    }

    /** One run: the implementation's percentiles, preceded by raw-spin's for a vs-raw run. */
    private static long[][] roundTrips(String spec, int iterations) throws Exception {
        boolean vsRaw = spec.startsWith(PingPongPeers.VS_RAW);
        String impl = vsRaw ? spec.substring(PingPongPeers.VS_RAW.length()) : spec;
        boolean agrona = impl.startsWith("agrona");
        PingPongPeers.Channels channels = PingPongPeers.Channels.create(impl, vsRaw);
        List<Child> processes = new ArrayList<>();
        try {
            List<String> echoArgs = new ArrayList<>(List.of(spec, channels.echoOut(), channels.echoIn(),
                    Integer.toString(iterations)));
            List<String> pingerArgs = new ArrayList<>(List.of(spec, channels.pingerOut(), channels.pingerIn(),
                    Integer.toString(iterations), Integer.toString(iterations / 4)));
            if (vsRaw) {
                echoArgs.add(channels.raw());
                pingerArgs.add(channels.raw());
            }
            Child echo = Peer.start(PingPongPeers.Echo.class, agrona, echoArgs.toArray(String[]::new));
            processes.add(echo);
            new Lines(echo).await("READY", 60);
            Child pinger = Peer.start(PingPongPeers.Pinger.class, agrona, pingerArgs.toArray(String[]::new));
            processes.add(pinger);
            Lines out = new Lines(pinger);
            if (vsRaw) {
                long[] raw = percentiles(out.await("RAW", 600).substring(4));
                return new long[][] {raw, percentiles(out.await("P50", 60))};
            }
            return new long[][] {percentiles(out.await("P50", 600))};
        } finally {
            Peer.finish(processes, channels.toRemove());
        }
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    /** The output lines of a child, read by a daemon thread; failing children fail the harness. */
    static final class Lines {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuilder all = new StringBuilder();

        Lines(Child child) {
            Process p = child.process();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // The child is gone; await() reports it.
                }
                lines.add("<EOF>");
            });
            t.setDaemon(true);
            t.start();
        }

        String await(String prefix, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || line.equals("<EOF>")) {
                    throw new IllegalStateException("child did not print " + prefix + "; output:\n" + all);
                }
                all.append(line).append('\n');
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }
    }
}
