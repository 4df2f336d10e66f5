package org.shm4j.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;

/**
 * The programs {@link BridgeBenchmark} runs inside the network namespaces: sources and sinks of
 * 64-byte records through two bridges, through bare Aeron and through TCP, and ping-pong through
 * bridges and through bare Aeron. Bare Aeron runs as Aeron documents it: an embedded media driver
 * in SHARED mode ({@link #driver()}) beside the application thread. The bridge runs with the
 * library's defaults: one thread per process that runs the bridge and, in INVOKER mode, the
 * embedded driver; so each side has one application thread and one Aeron thread.
 */
final class BenchPeers {
    static final int SIZE = 64;

    private BenchPeers() {}

    /**
     * An embedded driver in SHARED mode, the bridge's default, with a directory of its own; with
     * {@code -Dbench.yield=true} (the ping-pong peers) its thread yields instead of parking.
     */
    static MediaDriver driver() {
        String dir = Path.of("/dev/shm", "shm4j-aeron-" + ProcessHandle.current().pid() + "-bench"
                + Long.toHexString(ThreadLocalRandom.current().nextLong())).toString();
        MediaDriver.Context ctx = new MediaDriver.Context().aeronDirectoryName(dir).threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true);
        if (Boolean.getBoolean("bench.yield")) {
            ctx.sharedIdleStrategy(new YieldingIdleStrategy());
        }
        return MediaDriver.launch(ctx);
    }

    static void deadline(long seconds) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException ignored) {
                return;
            }
            System.out.println("TIMEOUT");
            System.exit(4);
        });
        t.setDaemon(true);
        t.start();
    }

    /**
     * The bridge's embedded driver for the throughput peers: {@code invoker}, the default (run by
     * the bridge's thread), or {@code shared} (a thread of its own, a labelled diagnostic row).
     */
    static BridgeOption driverOption(String mode) {
        return BridgeOption.embeddedDriver(mode.equals("shared") ? c -> c.threadingMode(ThreadingMode.SHARED) : c -> {});
    }

    /** {@code BridgeSource RING CHANNEL MODE}: a bridge sending RING, and a producer filling RING as fast as it can. */
    static final class BridgeSource {
        public static void main(String[] args) throws Exception {
            deadline(120);
            try (RingBridge bridge = RingBridge.send(args[0], args[1], 2001, driverOption(args[2]));
                    SpscRing ring = SpscRing.open(args[0]);
                    RingProducer producer = ring.producer();
                    Arena arena = Arena.ofConfined()) {
                MemorySegment payload = arena.allocate(SIZE);
                System.out.println("READY");
                while (bridge.failure().isEmpty()) {
                    if (!producer.offer(1, payload)) {
                        Thread.yield(); // as the sink: an application thread that cannot go on lets the others run
                    }
                }
            }
        }
    }

    /** {@code BridgeSink RING CHANNEL WARM MEASURE MODE}: a bridge receiving into RING; prints the consumer's rate. */
    static final class BridgeSink {
        public static void main(String[] args) throws Exception {
            deadline(120);
            try (RingBridge bridge = RingBridge.receive(args[0], args[1], 2001, driverOption(args[4]));
                    SpscRing ring = SpscRing.open(args[0]);
                    RingConsumer consumer = ring.consumer()) {
                long[] count = new long[1];
                RecordHandler handler = (t, p) -> count[0]++;
                System.out.println("READY");
                // Where the records wait: a receiving end that often finds the ring full says the
                // consumer side is the limit, not the network or the sending end.
                onExit = () -> System.out.println("RECEIVER back-pressure=" + bridge.stats().backPressureEvents()
                        + " cpu-share-of-bridge-thread=" + bridgeThreadCpuShare());
                measure(() -> consumer.poll(handler, 256), count, Long.parseLong(args[2]), Long.parseLong(args[3]));
            }
        }
    }

    /** {@code AeronSource CHANNEL}: offers 64-byte messages as fast as the publication takes them. */
    static final class AeronSource {
        public static void main(String[] args) throws Exception {
            deadline(120);
            try (MediaDriver driver = driver();
                    Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                    ExclusivePublication pub = aeron.addExclusivePublication(args[0], 2002)) {
                UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(SIZE));
                System.out.println("READY");
                while (true) {
                    if (pub.offer(buf, 0, SIZE) < 0) {
                        Thread.yield(); // as the sink: an application thread that cannot go on lets the others run
                    }
                }
            }
        }
    }

    /** {@code AeronSink CHANNEL WARM MEASURE}: polls and prints the message rate. */
    static final class AeronSink {
        public static void main(String[] args) throws Exception {
            deadline(120);
            try (MediaDriver driver = driver();
                    Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                    Subscription sub = aeron.addSubscription(args[0], 2002)) {
                long[] count = new long[1];
                FragmentHandler handler = (b, o, l, h) -> count[0]++;
                System.out.println("READY");
                measure(() -> sub.poll(handler, 256), count, Long.parseLong(args[1]), Long.parseLong(args[2]));
            }
        }
    }

    /**
     * {@code TcpSource HOST PORT MODE}: writes 64-byte records as fast as TCP takes them, MODE
     * {@code record}: each record its own {@code write} call (what a latency-sensitive sender
     * does, and what the bridge does per record), or {@code buffered}: 1024 records per 64 KiB
     * {@code write}. Nagle is off in both.
     */
    static final class TcpSource {
        public static void main(String[] args) throws Exception {
            deadline(120);
            SocketChannel ch = null;
            for (int i = 0; i < 200 && ch == null; i++) {
                try {
                    ch = SocketChannel.open(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            if (ch == null) {
                throw new IOException("cannot connect to " + args[0] + ":" + args[1]);
            }
            ch.socket().setTcpNoDelay(true);
            ByteBuffer buf = ByteBuffer.allocateDirect(args[2].equals("record") ? SIZE : 64 * 1024);
            System.out.println("READY");
            while (true) {
                buf.clear();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
    }

    /** {@code TcpSink PORT WARM MEASURE}: accepts one connection and prints the rate of 64-byte records. */
    static final class TcpSink {
        public static void main(String[] args) throws Exception {
            deadline(120);
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(Integer.parseInt(args[0])));
                System.out.println("READY");
                try (SocketChannel ch = server.accept()) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
                    long[] bytes = new long[1];
                    long[] count = new long[1];
                    measure(() -> {
                        buf.clear();
                        try {
                            bytes[0] += ch.read(buf);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        count[0] = bytes[0] / SIZE;
                        return 1;
                    }, count, Long.parseLong(args[1]), Long.parseLong(args[2]));
                }
            }
        }
    }

    /**
     * UDP datagrams this network namespace has received ({@code Udp: InDatagrams} of
     * {@code /proc/net/snmp}, which is per namespace): how many records or messages one datagram
     * carried. -1 if unreadable.
     */
    static long udpDatagramsReceived() {
        try {
            java.util.List<String> lines = java.nio.file.Files.readAllLines(Path.of("/proc/net/snmp"));
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:")) {
                    java.util.List<String> names = java.util.List.of(lines.get(i).trim().split("\\s+"));
                    String[] values = lines.get(i + 1).trim().split("\\s+");
                    return Long.parseLong(values[names.indexOf("InDatagrams")]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    interface Work {
        int doWork();
    }

    /** Printed by {@link #measure} before it exits. */
    static Runnable onExit = () -> {};
    private static long cpuStartNanos;
    private static long wallStartNanos;

    /** CPU time of this process's bridge thread over the measured seconds, as a share of wall time. */
    static String bridgeThreadCpuShare() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu = bridgeThreadCpu(mx) - cpuStartNanos;
        return String.format(java.util.Locale.ROOT, "%.2f", cpu / (double) (System.nanoTime() - wallStartNanos));
    }

    private static long bridgeThreadCpu(java.lang.management.ThreadMXBean mx) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("shm4j-bridge"))
                .mapToLong(t -> mx.getThreadCpuTime(t.threadId())).sum();
    }

    /** Runs {@code work} for WARM seconds, then counts for MEASURE seconds and prints {@code RATE n}. */
    static void measure(Work work, long[] count, long warmSeconds, long measureSeconds) {
        long start = System.nanoTime();
        long warmEnd = start + Duration.ofSeconds(warmSeconds).toNanos();
        while (System.nanoTime() < warmEnd || count[0] == 0) {
            work.doWork();
            if (System.nanoTime() - start > Duration.ofSeconds(60).toNanos()) {
                System.out.println("NOTHING ARRIVED");
                System.exit(3);
            }
        }
        long datagrams = udpDatagramsReceived();
        cpuStartNanos = bridgeThreadCpu(java.lang.management.ManagementFactory.getThreadMXBean());
        wallStartNanos = System.nanoTime();
        long begin = System.nanoTime();
        long first = count[0];
        long end = begin + Duration.ofSeconds(measureSeconds).toNanos();
        while (System.nanoTime() < end) {
            if (work.doWork() == 0) {
                Thread.yield(); // nothing arrived: let the threads that move records run (2 cores)
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        double rate = (count[0] - first) / seconds;
        System.out.printf("RATE %.0f%n", rate);
        System.out.printf("DATAGRAMS %.0f%n", (udpDatagramsReceived() - datagrams) / seconds);
        onExit.run();
        System.exit(0);
    }

    /**
     * The two ends of a ping-pong process. {@code group} (the library's way for a process with
     * two ends): one {@link BridgeGroup}, whose one thread runs both ends and the embedded media
     * driver in INVOKER mode. {@code threads} (the layout before groups, kept to show what thread
     * count costs): a media driver in SHARED mode on a thread of its own, and a thread per end.
     */
    static AutoCloseable ends(String layout, String sendRing, String sendChannel, int sendStream, String receiveRing,
            String receiveChannel, int receiveStream) throws IOException {
        BridgeOption yield = BridgeOption.idle(YieldingIdleStrategy::new);
        if (layout.equals("group")) {
            BridgeGroup group = BridgeGroup.start(yield);
            try {
                group.send(sendRing, sendChannel, sendStream);
                group.receive(receiveRing, receiveChannel, receiveStream);
                return group;
            } catch (IOException | RuntimeException e) {
                group.close();
                throw e;
            }
        }
        MediaDriver driver = driver();
        BridgeOption dir = BridgeOption.externalDriver(Path.of(driver.aeronDirectoryName()));
        RingBridge send = RingBridge.send(sendRing, sendChannel, sendStream, dir, yield);
        RingBridge receive = RingBridge.receive(receiveRing, receiveChannel, receiveStream, dir, yield);
        return () -> {
            send.close();
            receive.close();
            driver.close();
        };
    }

    /**
     * {@code BridgePing OUT IN OUT_CHANNEL IN_CHANNEL WARM COUNT LAYOUT}: sends a record through
     * the bridge on OUT, waits for its echo on IN, prints {@code P50 ns P99 ns}; LAYOUT as in
     * {@link #ends}.
     */
    static final class BridgePing {
        public static void main(String[] args) throws Exception {
            deadline(150);
            try (AutoCloseable _ = ends(args[6], args[0], args[2], 2003, args[1], args[3], 2004);
                    SpscRing outRing = SpscRing.open(args[0]);
                    SpscRing inRing = SpscRing.open(args[1]);
                    RingProducer producer = outRing.producer();
                    RingConsumer consumer = inRing.consumer();
                    Arena arena = Arena.ofConfined()) {
                MemorySegment payload = arena.allocate(SIZE);
                System.out.println("READY");
                long[] got = new long[1];
                RecordHandler handler = (t, p) -> got[0] = p.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                pingLoop(Integer.parseInt(args[4]), Integer.parseInt(args[5]), t -> {
                    payload.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, t);
                    while (!producer.offer(1, payload)) {
                        Thread.yield();
                    }
                    while (consumer.poll(handler, 1) == 0) {
                        Thread.yield();
                    }
                    return got[0];
                });
            }
        }
    }

    /** {@code BridgePong IN OUT IN_CHANNEL OUT_CHANNEL LAYOUT}: echoes every record from IN to OUT through bridges. */
    static final class BridgePong {
        public static void main(String[] args) throws Exception {
            deadline(150);
            try (AutoCloseable _ = ends(args[4], args[1], args[3], 2004, args[0], args[2], 2003);
                    SpscRing inRing = SpscRing.open(args[0]);
                    SpscRing outRing = SpscRing.open(args[1]);
                    RingProducer producer = outRing.producer();
                    RingConsumer consumer = inRing.consumer()) {
                RecordHandler echo = (t, p) -> {
                    while (!producer.offer(t, p)) {
                        Thread.onSpinWait();
                    }
                };
                System.out.println("READY");
                while (true) {
                    if (consumer.poll(echo, 16) == 0) {
                        Thread.yield();
                    }
                }
            }
        }
    }

    /**
     * A media driver for Aeron's own ping-pong: {@code shared} as {@link #driver()}, or
     * {@code invoker}, Aeron's INVOKER mode, whose duty cycle the application thread runs itself
     * (then one thread per process does everything; a labelled extra baseline).
     */
    static MediaDriver aeronDriver(String mode) {
        if (mode.equals("shared")) {
            return driver();
        }
        String dir = Path.of("/dev/shm", "shm4j-aeron-" + ProcessHandle.current().pid() + "-bench"
                + Long.toHexString(ThreadLocalRandom.current().nextLong())).toString();
        return MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir)
                .threadingMode(ThreadingMode.INVOKER).dirDeleteOnStart(true).dirDeleteOnShutdown(true));
    }

    /**
     * A client of {@code driver}. In INVOKER mode Aeron requires the client's conductor to be
     * invoked too (no conductor thread), and the client runs the driver while it awaits answers.
     */
    static Aeron connect(MediaDriver driver) {
        Aeron.Context ctx = new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName());
        if (driver.sharedAgentInvoker() != null) {
            ctx.useConductorAgentInvoker(true).driverAgentInvoker(driver.sharedAgentInvoker());
        }
        return Aeron.connect(ctx);
    }

    /** In INVOKER mode: one duty cycle of the driver and of the client's conductor; else null. */
    static Runnable invoker(MediaDriver driver, Aeron aeron) {
        AgentInvoker d = driver.sharedAgentInvoker();
        if (d == null) {
            return null;
        }
        AgentInvoker c = aeron.conductorAgentInvoker();
        return () -> {
            if (d.invoke() + c.invoke() == 0) {
                Thread.yield();
            }
        };
    }

    /** Waits a moment: yields, or in INVOKER mode runs the driver's and the client's duty cycles instead. */
    static void pause(Runnable invoker) {
        if (invoker == null) {
            Thread.yield();
        } else {
            invoker.run();
        }
    }

    /** {@code AeronPing OUT_CHANNEL IN_CHANNEL WARM COUNT MODE}: Aeron's own ping; MODE as in {@link #aeronDriver}. */
    static final class AeronPing {
        public static void main(String[] args) throws Exception {
            deadline(150);
            try (MediaDriver driver = aeronDriver(args[4]);
                    Aeron aeron = connect(driver);
                    ExclusivePublication pub = aeron.addExclusivePublication(args[0], 2005);
                    Subscription sub = aeron.addSubscription(args[1], 2006)) {
                Runnable invoker = invoker(driver, aeron);
                UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(SIZE));
                long[] got = new long[1];
                FragmentHandler handler = (b, o, l, h) -> got[0] = b.getLong(o);
                long connectBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while ((!pub.isConnected() || !sub.isConnected()) && System.nanoTime() < connectBy) {
                    if (invoker == null) {
                        Thread.sleep(1);
                    } else {
                        invoker.run();
                    }
                }
                System.out.println("READY");
                pingLoop(Integer.parseInt(args[2]), Integer.parseInt(args[3]), t -> {
                    buf.putLong(0, t);
                    while (pub.offer(buf, 0, SIZE) < 0) {
                        pause(invoker);
                    }
                    while (sub.poll(handler, 1) == 0) {
                        pause(invoker);
                    }
                    return got[0];
                });
            }
        }
    }

    /** {@code AeronPong IN_CHANNEL OUT_CHANNEL MODE}: Aeron's own pong; MODE as in {@link #aeronDriver}. */
    static final class AeronPong {
        public static void main(String[] args) throws Exception {
            deadline(150);
            try (MediaDriver driver = aeronDriver(args[2]);
                    Aeron aeron = connect(driver);
                    Subscription sub = aeron.addSubscription(args[0], 2005);
                    ExclusivePublication pub = aeron.addExclusivePublication(args[1], 2006)) {
                Runnable invoker = invoker(driver, aeron);
                FragmentHandler echo = (b, o, l, h) -> {
                    while (pub.offer(b, o, l) < 0) {
                        pause(invoker);
                    }
                };
                System.out.println("READY");
                while (true) {
                    if (sub.poll(echo, 16) == 0) {
                        pause(invoker);
                    }
                }
            }
        }
    }

    interface RoundTrip {
        long send(long stamp);
    }

    static void pingLoop(int warm, int count, RoundTrip trip) {
        Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 0; i < warm + count; i++) {
            long t = System.nanoTime();
            long echoed = trip.send(t);
            long rtt = System.nanoTime() - t;
            if (echoed != t) {
                System.out.println("WRONG ECHO");
                System.exit(2);
            }
            if (i >= warm) {
                h.recordValue(rtt);
            }
        }
        System.out.printf("P50 %d P99 %d%n", h.getValueAtPercentile(50), h.getValueAtPercentile(99));
        System.exit(0);
    }
}
