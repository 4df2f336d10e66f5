package org.shm4j.aeron.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.shm4j.aeron.BridgeOption;
import org.shm4j.aeron.BridgeStats;
import org.shm4j.aeron.RingBridge;
import org.shm4j.ring.RingType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code shm4j bridge}: carries a ring's records to another host over Aeron (docs/bridge.md). */
@Command(name = "bridge", mixinStandardHelpOptions = true,
        description = {"Carry a ring's records to a ring on another host over Aeron UDP (see docs/bridge.md).",
                "Aeron UDP has no authentication or encryption: run it on a trusted network only."},
        subcommands = {BridgeCommand.Send.class, BridgeCommand.Receive.class, BridgeCommand.Status.class})
public final class BridgeCommand implements Callable<Integer> {
    static final int OK = 0;
    static final int ERROR = 1;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ERROR;
    }

    /** Options the two ends share. */
    abstract static class End implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--ring", required = true, paramLabel = "NAME", description = "The ring's name in /dev/shm.")
        String ring;

        @Option(names = "--channel", required = true, paramLabel = "URI",
                description = "An Aeron channel, e.g. aeron:udp?endpoint=10.0.0.2:40123 (Aeron's channel syntax).")
        String channel;

        @Option(names = "--stream", defaultValue = "1001", paramLabel = "N", description = "Aeron stream id (default ${DEFAULT-VALUE}).")
        int stream;

        @Option(names = "--aeron-dir", paramLabel = "DIR",
                description = "Use the running media driver with this directory instead of an embedded one.")
        Path aeronDir;

        @Option(names = "--create", paramLabel = "TYPE:BYTES",
                description = "Create the ring if it does not exist: spsc, mpsc or broadcast, and a power-of-two capacity, e.g. spsc:1048576.")
        String create;

        @Option(names = "--interval", defaultValue = "1s", paramLabel = "DURATION",
                description = "Time between status lines (e.g. 1s, 500ms; 0 for none; default ${DEFAULT-VALUE}).")
        String interval;

        @Option(names = "--busy-spin", description = "Spin instead of backing off when idle: lowest latency, one core busy.")
        boolean busySpin;

        abstract String role();

        abstract RingBridge start(List<BridgeOption> options) throws IOException;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<BridgeOption> options = new ArrayList<>();
            if (aeronDir != null) {
                options.add(BridgeOption.externalDriver(aeronDir));
            }
            if (create != null) {
                options.add(parseCreate(create));
            }
            if (busySpin) {
                options.add(BridgeOption.idle(org.agrona.concurrent.BusySpinIdleStrategy::new));
            }
            Duration every = parseDuration(interval);
            RingBridge bridge = start(options);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                try {
                    BridgeStats last = bridge.stats();
                    bridge.close();
                    out.printf("bridge %s stopped: records=%d, lost=%d, refused=%d%n", role(), last.records(),
                            last.lostRecords(), last.refusedFrames());
                    out.flush();
                } catch (IllegalStateException closedMeanwhile) {
                    bridge.close();
                } finally {
                    stopped.countDown();
                }
            }, "shm4j-bridge-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.printf("bridge %s started: ring=%s, channel=%s, stream=%d, pid=%d, aeronDir=%s%n", role(), ring,
                    channel, stream, ProcessHandle.current().pid(), bridge.aeronDirectory());
            out.flush();
            BridgeStats last = bridge.stats();
            long lastNanos = System.nanoTime();
            long sleepMillis = every.isZero() ? 200 : every.toMillis();
            Throwable lastWarning = null;
            while (!stopped.await(sleepMillis, TimeUnit.MILLISECONDS)) {
                if (bridge.failure().isPresent()) {
                    err.println("shm4j bridge: stopped: " + bridge.failure().get());
                    err.flush();
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // The hook closes it too; close() is idempotent.
                    }
                    bridge.close();
                    return ERROR;
                }
                Throwable warning = bridge.lastAeronError().orElse(null);
                if (warning != null && warning != lastWarning) {
                    lastWarning = warning;
                    err.println("shm4j bridge: aeron: " + warning.getClass().getSimpleName() + ": "
                            + warning.getMessage() + " (going on)");
                    err.flush();
                }
                if (!every.isZero() && stopped.getCount() > 0) {
                    BridgeStats now;
                    Map<String, Long> counters;
                    try {
                        now = bridge.stats();
                        counters = bridge.aeronCounters();
                    } catch (RuntimeException e) {
                        if (!stopped.await(1, TimeUnit.SECONDS)) {
                            throw e; // not the stop hook closing it meanwhile
                        }
                        break;
                    }
                    long nanos = System.nanoTime();
                    out.println(statusLine(last, now, nanos - lastNanos) + ", naks="
                            + counters.getOrDefault("NAKs sent", 0L) + ", retransmits="
                            + counters.getOrDefault("Retransmits sent", 0L));
                    out.flush();
                    last = now;
                    lastNanos = nanos;
                }
            }
            return OK;
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = "Consume a local ring (SPSC, MPSC or broadcast) and publish its records on an Aeron channel.")
    static final class Send extends End {
        @Override
        String role() {
            return "send";
        }

        @Override
        RingBridge start(List<BridgeOption> options) throws IOException {
            return RingBridge.send(ring, channel, stream, options.toArray(BridgeOption[]::new));
        }
    }

    @Command(name = "receive", mixinStandardHelpOptions = true,
            description = "Subscribe to an Aeron channel and write the records into a local ring.")
    static final class Receive extends End {
        @Override
        String role() {
            return "receive";
        }

        @Override
        RingBridge start(List<BridgeOption> options) throws IOException {
            return RingBridge.receive(ring, channel, stream, options.toArray(BridgeOption[]::new));
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "List the bridges running on this host (from their state segments in /dev/shm).")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-a", "--all"}, description = "Also list ends that are not running (their state is kept for a restart).")
        boolean all;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            List<BridgeStats> bridges = BridgeStats.list().stream().filter(b -> all || b.alive()).toList();
            if (bridges.isEmpty()) {
                out.println(all ? "no bridges" : "no running bridges (--all lists stopped ones too)");
                out.flush();
                return OK;
            }
            out.printf("%-8s %-24s %7s %8s %-9s %12s %8s %8s %8s  %s%n", "ROLE", "RING", "STREAM", "PID", "STATE",
                    "RECORDS", "LOST", "REFUSED", "BACKPR", "CHANNEL");
            long now = Instant.now().toEpochMilli();
            for (BridgeStats b : bridges) {
                String state = !b.alive() ? "stopped" : b.connected() ? "connected" : "waiting";
                out.printf("%-8s %-24s %7d %8d %-9s %12d %8d %8d %8d  %s%n", b.role(), printable(b.ringName()),
                        b.streamId(), b.pid(), state, b.records(), b.lostRecords(), b.refusedFrames(),
                        b.backPressureEvents(), printable(b.channel()));
                if (b.alive() && now - b.heartbeatMillis() > 5000) {
                    out.printf("         (no heartbeat for %d s: the bridge thread may be stuck)%n",
                            (now - b.heartbeatMillis()) / 1000);
                }
            }
            out.flush();
            return OK;
        }
    }

    static String statusLine(BridgeStats last, BridgeStats now, long nanos) {
        double seconds = Math.max(1e-9, nanos / 1e9);
        return String.format(Locale.ROOT,
                "%s %s: %,.0f records/s, %s/s, records=%d, back-pressure=%d, lost=%d, refused=%d, duplicates=%d",
                now.role(), now.connected() ? "connected" : "waiting for peer",
                (now.records() - last.records()) / seconds, bytes((now.bytes() - last.bytes()) / seconds),
                now.records(), now.backPressureEvents(), now.lostRecords(), now.refusedFrames(),
                now.duplicateFrames());
    }

    private static String bytes(double perSecond) {
        if (perSecond >= 1 << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", perSecond / (1 << 20));
        }
        if (perSecond >= 1 << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", perSecond / (1 << 10));
        }
        return String.format(Locale.ROOT, "%.0f B", perSecond);
    }

    /** Control characters from a state segment (anyone may have written it) are shown escaped. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    static BridgeOption parseCreate(String spec) {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--create wants TYPE:BYTES, e.g. spsc:1048576: create=" + spec);
        }
        RingType type;
        try {
            type = RingType.valueOf(spec.substring(0, colon).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown ring type (spsc, mpsc, broadcast): create=" + spec, e);
        }
        long capacity;
        try {
            capacity = Long.parseLong(spec.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("capacity is not a number: create=" + spec, e);
        }
        return BridgeOption.createRing(type, capacity);
    }

    static Duration parseDuration(String s) {
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration (e.g. 1s, 500ms): interval=" + s, e);
        }
    }
}
