package org.shm4j.bench.sync;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.process.ChildLauncher;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;
import org.shm4j.sync.SharedMutex;
import picocli.CommandLine;

/**
 * The cross-process harness for org.shm4j.sync: a child JVM and this one, one shared segment.
 * Every figure is printed beside its baseline from the same run.
 * <ul>
 * <li>{@code spin}: raw shared-memory spin ping-pong (baseline for hand-off to a spinning peer);</li>
 * <li>{@code event}: auto-reset event ping-pong, the peer still spinning in {@code await};</li>
 * <li>{@code event-vs-spin}: the two above interleaved in blocks of {@value #BLOCK} round trips
 *     between the same two processes, with the ratio of their p50s: this VM changes speed between
 *     process pairs and over time, so only an interleaved pair gives a fair ratio;</li>
 * <li>{@code event-blocking}: the same after a gap, so the peer sleeps in {@code futex};</li>
 * <li>{@code pipe}: one-byte pipe round trip after the same gap (baseline);</li>
 * <li>{@code c-futex}: a C futex wait/wake ping-pong after the same gap (baseline, needs gcc);</li>
 * <li>{@code fairness}: two processes hammer one mutex for 10 s; each side's share and the throughput.</li>
 * </ul>
 * Usage: {@code java --enable-native-access=ALL-UNNAMED -jar shm4j-benchmarks.jar sync [mode...]} (see {@code sync --help})
 */
public final class SyncHarness {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long PING = 0;
    private static final long PONG = 64;
    private static final long SPIN_A = 128;
    private static final long SPIN_B = 192;
    private static final long MUTEX = 256;
    private static final long COUNTS = 320; // u64 per side
    private static final long RUN_FLAG = 384; // 0 wait, 1 run, 2 stop
    private static final int WARMUP = 20_000;
    private static final int ROUNDS = 100_000;
    private static final int BLOCKING_ROUNDS = 5_000;
    private static final int BLOCK = 1_000;
    /** Idle time before each blocking round trip, so the peer is asleep in futex; {@code --gap-micros}. */
    private static long GAP_NANOS = 200_000;

    private SyncHarness() {}

    /** Runs the harness as {@code shm4j-benchmarks sync ...} would; see {@link Command}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Command()).execute(args));
    }

    static final List<String> MODES = List.of("spin", "event", "event-vs-spin", "event-blocking", "pipe", "c-futex",
            "fairness");

    /** {@code shm4j-benchmarks sync}: the arguments, parsed by picocli. */
    @CommandLine.Command(name = "sync", mixinStandardHelpOptions = true,
            description = {"Cross-process hand-off and fairness of the sync primitives, each beside its baseline "
                    + "(raw spin, pipe, C futex) in the same run.",
                    "Modes: spin, event, event-vs-spin, event-blocking, pipe, c-futex, fairness."},
            subcommands = Child.class)
    public static final class Command implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Parameters(arity = "0..*", paramLabel = "MODE",
                description = "Modes to run (default: spin event event-blocking pipe c-futex fairness).")
        List<String> modes = List.of("spin", "event", "event-blocking", "pipe", "c-futex", "fairness");

        @CommandLine.Option(names = "--gap-micros", defaultValue = "200", description = "Idle time before each "
                + "round trip of event-blocking, pipe and c-futex, so the peer sleeps (default: ${DEFAULT-VALUE}; 0: "
                + "back to back, as the report's hand-offs run, where a waiter's spin phase can catch the reply).")
        long gapMicros;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (gapMicros < 0 || gapMicros > 1_000_000) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--gap-micros must be 0 to 1000000: "
                        + gapMicros);
            }
            GAP_NANOS = gapMicros * 1000;
            for (String mode : modes) {
                if (!MODES.contains(mode)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "unknown mode: " + mode + "; modes: " + MODES);
                }
            }
            for (String mode : modes) {
                run(mode);
            }
            return 0;
        }
    }

    /** The peer process the harness starts: {@code sync child MODE NAME}. */
    @CommandLine.Command(name = "child", hidden = true)
    static final class Child implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Parameters(index = "0")
        String mode;

        @CommandLine.Parameters(index = "1")
        String name;

        @Override
        public Integer call() throws Exception {
            child(mode, name);
            return 0;
        }
    }

    private static void run(String mode) throws Exception {
        if (mode.equals("c-futex")) {
            cFutex();
            return;
        }
        String name = "shm4j-bench-" + ProcessHandle.current().pid() + "-" + mode;
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            MemorySegment m = view.segment();
            SharedEvent ping = SharedEvent.create(m.asSlice(PING), EventReset.AUTO);
            SharedEvent pong = SharedEvent.create(m.asSlice(PONG), EventReset.AUTO);
            SharedMutex mutex = SharedMutex.create(m.asSlice(MUTEX));
            // The pipe mode talks over the child's stdin and stdout; its errors show on ours.
            org.shm4j.process.Child peer = ChildLauncher.java(SyncHarness.class).arguments("child", mode, name)
                    .stdio(ChildLauncher.Stdio.PIPE).errors(ChildLauncher.Errors.INHERIT).start();
            Process child = peer.process();
            try {
                switch (mode) {
                    case "spin" -> report(mode, spinParent(m), "raw shared-memory spin");
                    case "event" -> report(mode, eventParent(ping, pong, WARMUP, ROUNDS, 0), "auto-reset events, peer spinning");
                    case "event-vs-spin" -> eventVsSpin(m, ping, pong);
                    case "event-blocking" -> report(mode, eventParent(ping, pong, 1_000, BLOCKING_ROUNDS, GAP_NANOS),
                            "auto-reset events, peer asleep in futex (gap " + GAP_NANOS / 1000 + " us)");
                    case "pipe" -> report(mode, pipeParent(child), "1-byte pipe round trip (gap " + GAP_NANOS / 1000 + " us)");
                    case "fairness" -> fairness(m, mutex);
                    default -> throw new IllegalArgumentException("unknown mode: " + mode);
                }
                if (peer.awaitExit(Duration.ofSeconds(60)).isEmpty()) {
                    throw new IllegalStateException("child did not finish: mode=" + mode);
                }
            } finally {
                peer.close();
                SharedMemory.remove(name);
            }
        }
    }

    private static void child(String mode, String name) throws Exception {
        try (SharedMemory shm = SharedMemory.open(name, Access.READ_WRITE); MappedView view = shm.map()) {
            MemorySegment m = view.segment();
            switch (mode) {
                case "spin" -> {
                    for (int i = 1; i <= WARMUP + ROUNDS; i++) {
                        spinEcho(m, i);
                    }
                }
                case "event-vs-spin" -> {
                    SharedEvent ping = SharedEvent.open(m.asSlice(PING));
                    SharedEvent pong = SharedEvent.open(m.asSlice(PONG));
                    int spins = 0;
                    for (int b = 0; b < 2 * (WARMUP + ROUNDS) / BLOCK; b++) {
                        for (int i = 0; i < BLOCK; i++) {
                            if (b % 2 == 0) {
                                spinEcho(m, ++spins);
                            } else {
                                eventEcho(ping, pong, i);
                            }
                        }
                    }
                }
                case "event", "event-blocking" -> {
                    SharedEvent ping = SharedEvent.open(m.asSlice(PING));
                    SharedEvent pong = SharedEvent.open(m.asSlice(PONG));
                    int total = mode.equals("event") ? WARMUP + ROUNDS : 1_000 + BLOCKING_ROUNDS;
                    for (int i = 0; i < total; i++) {
                        eventEcho(ping, pong, i);
                    }
                }
                case "pipe" -> {
                    InputStream in = new FileInputStream(FileDescriptor.in);
                    OutputStream out = new FileOutputStream(FileDescriptor.out);
                    int b;
                    while ((b = in.read()) >= 0) {
                        out.write(b);
                    }
                }
                case "fairness" -> hammer(m, SharedMutex.open(m.asSlice(MUTEX)), 1);
                default -> throw new IllegalArgumentException(mode);
            }
        }
    }

    private static Histogram spinParent(MemorySegment m) {
        Histogram h = new Histogram(3);
        for (int i = 1; i <= WARMUP + ROUNDS; i++) {
            long nanos = spinRound(m, i);
            if (i > WARMUP) {
                h.recordValue(nanos);
            }
        }
        return h;
    }

    /** One raw round trip: publish {@code i}, wait for the child to echo it. */
    private static long spinRound(MemorySegment m, int i) {
        long t0 = System.nanoTime();
        INT.setRelease(m, SPIN_A, i);
        while ((int) INT.getAcquire(m, SPIN_B) != i) {
            Thread.onSpinWait();
        }
        return System.nanoTime() - t0;
    }

    private static void spinEcho(MemorySegment m, int i) {
        while ((int) INT.getAcquire(m, SPIN_A) != i) {
            Thread.onSpinWait();
        }
        INT.setRelease(m, SPIN_B, i);
    }

    private static Histogram eventParent(SharedEvent ping, SharedEvent pong, int warmup, int rounds, long gapNanos)
            throws Exception {
        Histogram h = new Histogram(3);
        for (int i = 0; i < warmup + rounds; i++) {
            busyWait(gapNanos);
            long nanos = eventRound(ping, pong, i);
            if (i >= warmup) {
                h.recordValue(nanos);
            }
        }
        return h;
    }

    /** One event round trip: set ping, wait for the child's pong. */
    private static long eventRound(SharedEvent ping, SharedEvent pong, int i) throws Exception {
        long t0 = System.nanoTime();
        ping.set();
        if (!pong.tryAwait(Duration.ofSeconds(30))) {
            throw new IllegalStateException("pong timed out at " + i);
        }
        return System.nanoTime() - t0;
    }

    private static void eventEcho(SharedEvent ping, SharedEvent pong, int i) throws Exception {
        if (!ping.tryAwait(Duration.ofSeconds(30))) {
            throw new IllegalStateException("ping timed out at " + i);
        }
        pong.set();
    }

    /** Spin and event round trips in alternating blocks between the same two processes. */
    private static void eventVsSpin(MemorySegment m, SharedEvent ping, SharedEvent pong) throws Exception {
        Histogram spin = new Histogram(3);
        Histogram event = new Histogram(3);
        int spins = 0;
        for (int b = 0; b < 2 * (WARMUP + ROUNDS) / BLOCK; b++) {
            boolean measured = b >= 2 * WARMUP / BLOCK;
            for (int i = 0; i < BLOCK; i++) {
                long nanos = b % 2 == 0 ? spinRound(m, ++spins) : eventRound(ping, pong, i);
                if (measured) {
                    (b % 2 == 0 ? spin : event).recordValue(nanos);
                }
            }
        }
        report("spin", spin, "raw shared-memory spin, interleaved");
        report("event", event, "auto-reset events, peer spinning, interleaved");
        System.out.printf(Locale.ROOT, "event-vs-spin   p50 ratio %.3f  p99 ratio %.3f%n",
                (double) event.getValueAtPercentile(50) / spin.getValueAtPercentile(50),
                (double) event.getValueAtPercentile(99) / spin.getValueAtPercentile(99));
    }

    private static Histogram pipeParent(Process child) throws Exception {
        Histogram h = new Histogram(3);
        OutputStream out = child.getOutputStream();
        InputStream in = child.getInputStream();
        for (int i = 0; i < 1_000 + BLOCKING_ROUNDS; i++) {
            busyWait(GAP_NANOS);
            long t0 = System.nanoTime();
            out.write(i & 0x7f);
            out.flush();
            if (in.read() < 0) {
                throw new IllegalStateException("pipe closed");
            }
            if (i >= 1_000) {
                h.recordValue(System.nanoTime() - t0);
            }
        }
        out.close();
        return h;
    }

    private static void cFutex() throws Exception {
        Path dir = Files.createTempDirectory("shm4j-bench");
        Path source = dir.resolve("futex_pingpong.c");
        Path binary = dir.resolve("futex_pingpong");
        try (InputStream c = SyncHarness.class.getResourceAsStream("/c/futex_pingpong.c")) {
            if (c == null) {
                System.out.println("c-futex: skipped, C source not packaged");
                return;
            }
            Files.copy(c, source);
        }
        try {
            Process gcc = new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString()).inheritIO().start();
            if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                System.out.println("c-futex: skipped, gcc failed");
                return;
            }
        } catch (java.io.IOException e) {
            System.out.println("c-futex: skipped, no gcc");
            return;
        }
        Process p = new ProcessBuilder(binary.toString(), Integer.toString(1_000 + BLOCKING_ROUNDS),
                Long.toString(GAP_NANOS)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Histogram h = new Histogram(3);
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        p.waitFor(60, TimeUnit.SECONDS);
        for (int i = 1_000; i < lines.size(); i++) {
            h.recordValue(Long.parseLong(lines.get(i)));
        }
        report("c-futex", h, "C futex wait/wake, both sides asleep (gap " + GAP_NANOS / 1000 + " us)");
    }

    private static void fairness(MemorySegment m, SharedMutex mutex) throws Exception {
        Thread.sleep(2_000); // let the child start and reach the barrier
        long seconds = 10;
        Thread stopper = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException e) {
                return;
            }
            INT.setRelease(m, RUN_FLAG, 2);
        });
        INT.setRelease(m, RUN_FLAG, 1);
        hammer(m, mutex, 0);
        stopper.join();
        long a = (long) LONG.getAcquire(m, COUNTS);
        long b = (long) LONG.getAcquire(m, COUNTS + 8);
        double total = a + b;
        System.out.printf(Locale.ROOT, "fairness: %d s, parent %d (%.1f%%), child %d (%.1f%%), %.0f lock/unlock per s%n",
                seconds, a, 100 * a / total, b, 100 * b / total, total / seconds);
    }

    private static void hammer(MemorySegment m, SharedMutex mutex, int side) throws Exception {
        while ((int) INT.getAcquire(m, RUN_FLAG) == 0) {
            Thread.onSpinWait();
        }
        long slot = COUNTS + 8L * side;
        long n = 0;
        while ((int) INT.getOpaque(m, RUN_FLAG) == 1) {
            mutex.tryLock(Duration.ofSeconds(30)).orElseThrow(() -> new java.io.IOException("mutex still held after 30 s"));
            n++;
            LONG.setOpaque(m, slot, n);
            mutex.unlock();
        }
    }

    private static void busyWait(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    private static void report(String mode, Histogram h, String what) {
        System.out.printf(Locale.ROOT, "%-15s p50 %8.3f us  p90 %8.3f us  p99 %8.3f us  max %9.2f us  n=%d  (%s)%n", mode,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getMaxValue() / 1e3, h.getTotalCount(), what);
    }
}
