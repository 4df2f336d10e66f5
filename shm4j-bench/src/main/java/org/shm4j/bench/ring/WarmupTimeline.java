package org.shm4j.bench.ring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.shm4j.process.Child;
import org.shm4j.ring.SpscRing;

/**
 * {@code ring warmup}: the spinning ping-pong's round-trip p50 per 100 ms slice from the first round
 * trip of two fresh JVMs, shm4j's {@code SpscRing} (named, {@code offer} + {@code poll(h, 1)}) and
 * Agrona's {@code OneToOneRingBuffer}, in the same harness ({@link PingPongPeers}); for each, the
 * time to steady state: the start of the first slice from which every later slice's p50 stays
 * within {@value #STEADY_FACTOR}x of the final p50 (the median of the last five slices).
 *
 * <p>A third timeline, {@code raw-spin}, is the floor of any FFM transport: a sequence word and a
 * 64-byte message in one mapped segment, reached through scoped segments, no record protocol. What
 * it takes to warm up is what {@code java.lang.foreign} itself costs a fresh JVM.
 */
final class WarmupTimeline {
    static final double STEADY_FACTOR = 1.2;
    private static final List<String> IMPLS = List.of("shm4j-spin", "agrona-spin", "raw-spin");

    private WarmupTimeline() {}

    static void run(int runs, double seconds) throws Exception {
        Map<String, List<long[]>> timelines = new LinkedHashMap<>();
        Map<String, List<Long>> startups = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            for (String impl : IMPLS) {
                long[] startup = new long[1];
                timelines.computeIfAbsent(impl, k -> new ArrayList<>()).add(timeline(impl, seconds, startup));
                startups.computeIfAbsent(impl, k -> new ArrayList<>()).add(startup[0]);
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "warm-up: round-trip p50 (ns) per %d ms slice from fresh JVMs, 64-byte "
                + "messages, spinning; median over %d run(s) per slice%n", PingPongPeers.SLICE_NANOS / 1_000_000, runs);
        int slices = timelines.values().stream().flatMap(List::stream).mapToInt(t -> t.length).min().orElse(0);
        System.out.printf("%8s", "slice");
        IMPLS.forEach(i -> System.out.printf(" %14s", i));
        System.out.println();
        for (int i = 0; i < slices; i++) {
            System.out.printf(Locale.ROOT, "%6d ms", i * PingPongPeers.SLICE_NANOS / 1_000_000);
            for (String impl : IMPLS) {
                int slice = i;
                System.out.printf(" %14d", median(timelines.get(impl).stream().mapToLong(t -> t[slice]).toArray()));
            }
            System.out.println();
        }
        System.out.println();
        System.out.printf("%-14s %12s %30s   %s%n", "implementation", "final p50", "time to steady state (per run)",
                "pinger JVM start to first round trip (per run)");
        Map<String, Long> steady = new LinkedHashMap<>();
        for (String impl : IMPLS) {
            List<Long> times = new ArrayList<>();
            List<Long> finals = new ArrayList<>();
            for (long[] t : timelines.get(impl)) {
                finals.add(finalP50(t));
                times.add(steadyAfterMillis(t));
            }
            long medianTime = median(times.stream().mapToLong(Long::longValue).toArray());
            steady.put(impl, medianTime);
            System.out.printf(Locale.ROOT, "%-14s %9d ns %10d ms (median) %s   %d ms %s%n", impl,
                    median(finals.stream().mapToLong(Long::longValue).toArray()), medianTime, times,
                    median(startups.get(impl).stream().mapToLong(Long::longValue).toArray()), startups.get(impl));
        }
        System.out.printf(Locale.ROOT, "time to steady state, shm4j / agrona / raw FFM spin: %d / %d / %d ms%n",
                steady.get("shm4j-spin"), steady.get("agrona-spin"), steady.get("raw-spin"));
    }

    /** The final p50: the median of the last five slices (fewer if the timeline is shorter). */
    static long finalP50(long[] p50s) {
        int n = Math.min(5, p50s.length);
        long[] last = java.util.Arrays.copyOfRange(p50s, p50s.length - n, p50s.length);
        return median(last);
    }

    /** When the timeline became steady: the start (ms) of the first slice after which no slice exceeds 1.2x final. */
    static long steadyAfterMillis(long[] p50s) {
        long limit = (long) (STEADY_FACTOR * finalP50(p50s));
        int first = p50s.length;
        for (int i = p50s.length - 1; i >= 0 && p50s[i] <= limit; i--) {
            first = i;
        }
        return first * PingPongPeers.SLICE_NANOS / 1_000_000;
    }

    static long median(long[] values) {
        long[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length == 0 ? 0 : v[v.length / 2];
    }

    /** One fresh pair of JVMs: the p50 of each slice. */
    private static long[] timeline(String impl, double seconds, long[] startupMillis) throws Exception {
        boolean agrona = impl.startsWith("agrona");
        PingPongPeers.Channels channels = PingPongPeers.Channels.create(impl, false);
        List<Child> processes = new ArrayList<>();
        try {
            Child echo = Peer.start(PingPongPeers.Echo.class, agrona, impl, channels.echoOut(), channels.echoIn(),
                    Integer.toString(Integer.MAX_VALUE));
            processes.add(echo);
            new RingBench.Lines(echo).await("READY", 60);
            Child pinger = Peer.start(PingPongPeers.TimelinePinger.class, agrona, impl, channels.pingerOut(),
                    channels.pingerIn(), Double.toString(seconds));
            processes.add(pinger);
            RingBench.Lines out = new RingBench.Lines(pinger);
            List<Long> p50s = new ArrayList<>();
            while (true) {
                String line = out.await("", 120);
                if (line.startsWith("DONE")) {
                    break;
                }
                if (line.startsWith("STARTUP ")) {
                    startupMillis[0] = Long.parseLong(line.split(" ")[1]);
                }
                if (line.startsWith("SLICE ")) {
                    p50s.add(Long.parseLong(line.split(" ")[2]));
                }
            }
            return p50s.stream().mapToLong(Long::longValue).toArray();
        } finally {
            Peer.finish(processes, channels.toRemove());
        }
    }
}
