package org.shm4j.bench.transport;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.shm4j.bench.harness.ChildProcess;
import org.shm4j.bench.harness.Measurement;
import org.shm4j.bench.harness.RunContext;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Transport;
import org.shm4j.bench.harness.Workload;
import org.shm4j.bench.harness.Kv;

/**
 * C on both sides: the compiled {@link NativePeer} forks its own peer, pins both processes, runs the
 * same protocol as the Java harness and writes its round-trip samples to files, which are recorded
 * here in HdrHistogram. What C gets on this machine, with nothing of Java in the way.
 */
public final class NativeTransport implements Transport {
    private final String name;
    private final String mode;
    private final String description;
    private final boolean streams;

    private NativeTransport(String name, String mode, String description, boolean streams) {
        this.name = name;
        this.mode = mode;
        this.description = description;
        this.streams = streams;
    }

    /** The C spin ping-pong: a 2-slot mailbox per direction, both sides spinning. */
    public static NativeTransport spin() {
        return new NativeTransport("c-spin", "spin", "C, spin ping-pong over a 2-slot mailbox per direction", false);
    }

    /** The C SPSC ring: the Java baseline's slot ring, in C. */
    public static NativeTransport spscRing() {
        return new NativeTransport("c-spsc", "spsc", "C, spin SPSC slot ring (the baseline's layout), 256 slots", true);
    }

    /** The C futex baseline for blocking waits: the same ring, sleeping in FUTEX_WAIT when it must wait. */
    public static NativeTransport futex() {
        return new NativeTransport("c-futex", "futex",
                "C, the same ring with futex waits (sleep when empty or full): the blocking baseline", true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Optional<String> unavailable() {
        return NativePeer.unavailable();
    }

    @Override
    public boolean supports(Workload workload) {
        return workload.producers() == 1 && (streams || workload.pattern() == Workload.Pattern.PING_PONG);
    }

    @Override
    public List<Measurement> run(List<Workload> plan, RunContext context) throws IOException {
        Path binary = NativePeer.binary();
        Spec spec = Spec.of(plan);
        long budgetMillis = plan.stream().mapToLong(Workload::budgetNanos).sum() / 1_000_000 + 10_000;
        Files.createDirectories(context.workDirectory());
        Path dir = Files.createTempDirectory(context.workDirectory(), name + "-");
        try {
            List<String> command = new ArrayList<>(List.of(binary.toString(), "session", mode, dir.toString(),
                    context.harnessCpu().map(String::valueOf).orElse("-1"),
                    context.peerCpu().map(String::valueOf).orElse("-1"), Long.toString(budgetMillis),
                    Integer.toString(spec.maxMessageBytes())));
            plan.forEach(w -> command.add(w.format()));
            try (ChildProcess child = ChildProcess.start(command, ChildProcess.Stdio.LOG, context.workDirectory(), name)) {
                int exit = child.waitFor(Duration.ofMillis(budgetMillis + 5_000));
                if (exit != 0) {
                    throw new IOException(Kv.format("C peer failed", "transport", name, "exitCode", exit)
                            + "\n--- log ---\n" + child.logTail());
                }
            }
            return read(dir, plan);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static List<Measurement> read(Path dir, List<Workload> plan) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("results.txt"), StandardCharsets.UTF_8);
        if (lines.size() != plan.size()) {
            throw new IOException(Kv.format("C results incomplete", "expected", plan.size(), "lines",
                    lines.size()));
        }
        List<Measurement> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] p = lines.get(i).split(" ");
            Workload w = plan.get(i);
            if (p.length < 3 || Integer.parseInt(p[1]) != i) {
                throw new IOException(Kv.format("malformed C result", "line", lines.get(i)));
            }
            if (p[0].equals("LATENCY") && p.length == 3) {
                out.add(new Measurement.Latency(w, readSamples(dir.resolve("lat-" + i + ".bin"), Long.parseLong(p[2]))));
            } else if (p[0].equals("THROUGHPUT") && p.length == 4) {
                out.add(new Measurement.Throughput(w, Long.parseLong(p[2]), Long.parseLong(p[3])));
            } else {
                throw new IOException(Kv.format("malformed C result", "line", lines.get(i)));
            }
        }
        return out;
    }

    private static Histogram readSamples(Path file, long count) throws IOException {
        Histogram h = new Histogram(3);
        h.setAutoResize(true);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            if (ch.size() != count * 8) {
                throw new IOException(Kv.format("sample file size does not match", "file", file, "byteSize",
                        ch.size(), "samples", count));
            }
            MemorySegment samples = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            for (long i = 0; i < count; i++) {
                long v = samples.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                if (v < 0) {
                    throw new IOException(Kv.format("negative sample", "file", file, "index", i));
                }
                h.recordValue(v);
            }
        }
        return h;
    }
}
