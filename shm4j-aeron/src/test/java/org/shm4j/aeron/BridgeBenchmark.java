package org.shm4j.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.shm4j.ring.SpscRing;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.TestNames;

/**
 * Bridge speed against its peers between two network namespaces, measured as ratios in the same
 * run, the peers interleaved round by round: throughput of 64-byte records ring → bridge → veth →
 * bridge → ring against Aeron's own offer → poll and against TCP; round-trip p50/p99 through two
 * bridges each way against Aeron's own ping-pong (and, labelled, through bridges laid out as
 * before groups: a thread per end and a driver thread). Tagged {@code bench}: runs only with
 * {@code -Pbridge-bench}. Results go to standard output and {@code target/bridge-bench.txt}.
 */
@Tag("bench")
@Timeout(1200)
class BridgeBenchmark {
    /**
     * Every peer's JVM, bridge and bare Aeron alike. The three Aeron properties (documented Aeron
     * settings, read by every media driver these JVMs start) raise the receiver window from its
     * 128 KiB default to 2 MiB, with socket buffers to match: with the default window the flow
     * control round trip, not the peers, set the rate here (about 6,000 datagrams a second for
     * both; ten times that with 2 MiB). They need {@code net.core.rmem_max} and {@code wmem_max} of
     * at least 2 MiB.
     */
    private static final List<String> JVM = List.of("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "-XX:TieredStopAtLevel=4", "-XX:-UseSerialGC", "-XX:+UseParallelGC",
            "-Daeron.socket.so_rcvbuf=2097152", "-Daeron.socket.so_sndbuf=2097152",
            "-Daeron.rcv.initial.window.length=2097152");
    private static final int ROUNDS = Integer.getInteger("bridge.bench.rounds", 3);
    private static final String WARM = System.getProperty("bridge.bench.warm", "3");
    private static final String MEASURE = System.getProperty("bridge.bench.measure", "5");
    /** Extra JVM options for every peer (space-separated), e.g. Aeron settings {@code -Daeron.socket.so_rcvbuf=2m}. */
    private static final String EXTRA_JVM = System.getProperty("bridge.bench.jvm", "");
    /**
     * Round trips before measuring (JIT compilation of the ring, engine and driver paths, which
     * otherwise lands in the measured window as millisecond outliers) and measured round trips.
     */
    private static final String PING_WARM = System.getProperty("bridge.bench.pingWarm", "20000");
    private static final String PING_COUNT = System.getProperty("bridge.bench.pingCount", "10000");
    /** {@code throughput}, {@code latency} or both (the default), comma-separated. */
    private static final String PARTS = System.getProperty("bridge.bench.parts", "throughput,latency");
    private final List<ChildJvm> children = new ArrayList<>();
    private final List<String> rings = new ArrayList<>();
    /** UDP datagrams a second the last sink's namespace received (NaN: not UDP or unreadable). */
    private double datagramsPerSecond;
    /** The last bridge sink's receiving end: back-pressure events and its thread's CPU share. */
    private String receiverNote = "";

    @AfterEach
    void cleanUp() throws IOException {
        Leftovers.closeChildren(children);
        Leftovers.removeRings(rings);
    }

    @Test
    void throughputAndLatencyAgainstAeronAndTcp() throws Exception {
        assumeTrue(Netns.available(), "needs root and the ip command");
        StringBuilder report = new StringBuilder();
        try (Netns net = Netns.create()) {
            List<double[]> tput = new ArrayList<>();
            for (int round = 0; round < (PARTS.contains("throughput") ? ROUNDS : 0); round++) {
                double bridge = bridgeThroughput(net, round, "invoker");
                double bridgeDatagrams = datagramsPerSecond;
                String bridgeNote = receiverNote;
                double bridgeShared = bridgeThroughput(net, round, "shared");
                double aeron = aeronThroughput(net, round);
                double aeronDatagrams = datagramsPerSecond;
                double tcp = tcpThroughput(net, round, "record");
                double tcpBuffered = tcpThroughput(net, round, "buffered");
                tput.add(new double[] {bridge, aeron, tcp, tcpBuffered});
                line(report, String.format(Locale.ROOT,
                        "throughput round %d: bridge %.0f/s, aeron %.0f/s, tcp per-record write %.0f/s, "
                                + "tcp buffered 64 KiB %.0f/s: bridge/aeron %.2f, bridge/tcp-record %.2f, "
                                + "bridge/tcp-buffered %.3f",
                        round, bridge, aeron, tcp, tcpBuffered, bridge / aeron, bridge / tcp, bridge / tcpBuffered));
                line(report, String.format(Locale.ROOT,
                        "  bridge with its driver on a SHARED thread of its own (diagnostic) round %d: %.0f/s, "
                                + "/aeron %.2f", round, bridgeShared, bridgeShared / aeron));
                line(report, String.format(Locale.ROOT,
                        "  datagrams round %d: bridge %.0f/s (%.1f records each), aeron %.0f/s (%.1f messages each); "
                                + "receiving bridge end: %s",
                        round, bridgeDatagrams, bridge / bridgeDatagrams, aeronDatagrams, aeron / aeronDatagrams,
                        bridgeNote));
            }
            List<long[]> lat = new ArrayList<>();
            for (int round = 0; round < (PARTS.contains("latency") ? ROUNDS : 0); round++) {
                long[] bridge = bridgePingPong(net, round, "group");
                long[] aeron = aeronPingPong(net, round, "shared");
                long[] threads = bridgePingPong(net, round, "threads");
                long[] invoker = aeronPingPong(net, round, "invoker");
                lat.add(new long[] {bridge[0], bridge[1], aeron[0], aeron[1], threads[0], threads[1]});
                line(report, String.format(Locale.ROOT,
                        "ping-pong round %d: bridge (one thread per process) p50 %d ns p99 %d ns, aeron p50 %d ns "
                                + "p99 %d ns: p50 %.2fx, p99 %.2fx; bridge (thread per end + driver thread) p50 %.2fx, "
                                + "p99 %.2fx",
                        round, bridge[0], bridge[1], aeron[0], aeron[1], (double) bridge[0] / aeron[0],
                        (double) bridge[1] / aeron[1], (double) threads[0] / aeron[0], (double) threads[1] / aeron[1]));
                line(report, String.format(Locale.ROOT,
                        "  aeron INVOKER (application thread runs the driver, 1 thread per process) round %d: "
                                + "p50 %d ns p99 %d ns: bridge/that p50 %.2fx, p99 %.2fx",
                        round, invoker[0], invoker[1], (double) bridge[0] / invoker[0],
                        (double) bridge[1] / invoker[1]));
            }
            line(report, String.format(Locale.ROOT,
                    "median ratios: throughput bridge/aeron %.2f, bridge/tcp-record %.2f, bridge/tcp-buffered %.3f; "
                            + "latency p50 %.2fx, p99 %.2fx (thread per end: p50 %.2fx, p99 %.2fx)",
                    median(tput.stream().mapToDouble(t -> t[0] / t[1]).toArray()),
                    median(tput.stream().mapToDouble(t -> t[0] / t[2]).toArray()),
                    median(tput.stream().mapToDouble(t -> t[0] / t[3]).toArray()),
                    median(lat.stream().mapToDouble(l -> (double) l[0] / l[2]).toArray()),
                    median(lat.stream().mapToDouble(l -> (double) l[1] / l[3]).toArray()),
                    median(lat.stream().mapToDouble(l -> (double) l[4] / l[2]).toArray()),
                    median(lat.stream().mapToDouble(l -> (double) l[5] / l[3]).toArray())));
        }
        Files.writeString(Path.of("target", "bridge-bench.txt"), report);
    }

    private double bridgeThroughput(Netns net, int round, String driverMode) throws Exception {
        String a = ring("ta", 1 << 20);
        String b = ring("tb", 1 << 20);
        String channel = "aeron:udp?endpoint=" + Netns.B + ":" + ((driverMode.equals("invoker") ? 41000 : 41050) + round);
        ChildJvm sink = start(net.b, BenchPeers.BridgeSink.class, b, channel, WARM, MEASURE, driverMode);
        start(net.a, BenchPeers.BridgeSource.class, a, channel, driverMode);
        return rate(sink);
    }

    private double aeronThroughput(Netns net, int round) throws Exception {
        String channel = "aeron:udp?endpoint=" + Netns.B + ":" + (41100 + round);
        ChildJvm sink = start(net.b, BenchPeers.AeronSink.class, channel, WARM, MEASURE);
        start(net.a, BenchPeers.AeronSource.class, channel);
        return rate(sink);
    }

    private double tcpThroughput(Netns net, int round, String mode) throws Exception {
        String port = Integer.toString((mode.equals("record") ? 41200 : 41250) + round);
        ChildJvm sink = start(net.b, BenchPeers.TcpSink.class, port, WARM, MEASURE);
        start(net.a, BenchPeers.TcpSource.class, Netns.B, port, mode);
        return rate(sink);
    }

    private long[] bridgePingPong(Netns net, int round, String layout) throws Exception {
        String pingA = ring("pa", 1 << 16);
        String pongA = ring("qa", 1 << 16);
        String pingB = ring("pb", 1 << 16);
        String pongB = ring("qb", 1 << 16);
        int port = (layout.equals("group") ? 0 : 50) + round;
        String toB = "aeron:udp?endpoint=" + Netns.B + ":" + (41300 + port);
        String toA = "aeron:udp?endpoint=" + Netns.A + ":" + (41400 + port);
        start(net.b, BenchPeers.BridgePong.class, pingB, pongB, toB, toA, layout);
        ChildJvm ping = start(net.a, BenchPeers.BridgePing.class, pingA, pongA, toB, toA, PING_WARM, PING_COUNT, layout);
        return percentiles(ping);
    }

    private long[] aeronPingPong(Netns net, int round, String mode) throws Exception {
        int port = (mode.equals("shared") ? 0 : 50) + round;
        String toB = "aeron:udp?endpoint=" + Netns.B + ":" + (41500 + port);
        String toA = "aeron:udp?endpoint=" + Netns.A + ":" + (41600 + port);
        start(net.b, BenchPeers.AeronPong.class, toB, toA, mode);
        ChildJvm ping = start(net.a, BenchPeers.AeronPing.class, toB, toA, PING_WARM, PING_COUNT, mode);
        return percentiles(ping);
    }

    private String ring(String label, long capacity) throws IOException {
        String name = TestNames.unique(label);
        rings.add(name);
        SpscRing.create(name, capacity).close();
        return name;
    }

    private ChildJvm start(String ns, Class<?> main, String... args) {
        List<String> jvm = new ArrayList<>(JVM);
        if (!EXTRA_JVM.isBlank()) {
            jvm.addAll(List.of(EXTRA_JVM.trim().split("\\s+")));
        }
        if (main.getSimpleName().contains("Ping") || main.getSimpleName().contains("Pong")) {
            // Ping-pong on a shared 2-core machine: every thread yields instead of spinning or parking.
            jvm.add("-Dbench.yield=true");
        }
        ChildJvm c = ChildJvm.start(Netns.exec(ns), main, Map.of(), jvm, args);
        children.add(c);
        c.awaitOutput("READY", Duration.ofSeconds(60));
        return c;
    }

    private double rate(ChildJvm sink) throws IOException {
        sink.assertExitCode(0, Duration.ofSeconds(120));
        Matcher m = Pattern.compile("RATE (\\d+)").matcher(sink.output());
        assertThat(m.find()).as(sink.output()).isTrue();
        Matcher r = Pattern.compile("RECEIVER (.*)").matcher(sink.output());
        receiverNote = r.find() ? r.group(1) : "";
        Matcher d = Pattern.compile("DATAGRAMS (-?\\d+)").matcher(sink.output());
        if (d.find() && Double.parseDouble(d.group(1)) > 0) {
            datagramsPerSecond = Double.parseDouble(d.group(1));
        } else {
            datagramsPerSecond = Double.NaN;
        }
        cleanUp();
        return Double.parseDouble(m.group(1));
    }

    private long[] percentiles(ChildJvm ping) throws IOException {
        ping.assertExitCode(0, Duration.ofSeconds(150));
        Matcher m = Pattern.compile("P50 (\\d+) P99 (\\d+)").matcher(ping.output());
        assertThat(m.find()).as(ping.output()).isTrue();
        cleanUp();
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    private static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN; // that part was not run
        }
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void line(StringBuilder report, String line) {
        System.out.println(line);
        report.append(line).append('\n');
    }
}
