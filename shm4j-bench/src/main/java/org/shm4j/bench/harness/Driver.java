package org.shm4j.bench.harness;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Runs the harness side of a {@link JvmTransport} in a child "driver" JVM started with the
 * transport's JVM options, and reads back what it measured: histograms in HdrHistogram's compressed
 * encoding, throughputs as numbers, one line per workload in a result file.
 */
final class Driver {
    private Driver() {}

    static List<Measurement> runInChildJvm(JvmTransport transport, List<Workload> plan, RunContext context,
            long budgetNanos) throws IOException {
        Files.createDirectories(context.workDirectory());
        Path results = Files.createTempFile(context.workDirectory(), "driver-", ".results");
        try {
            List<String> arguments = new ArrayList<>(List.of("driver", transport.name(), results.toString(),
                    Long.toString(budgetNanos), context.harnessCpu().map(String::valueOf).orElse("-1"),
                    context.peerCpu().map(String::valueOf).orElse("-1"), context.workDirectory().toString()));
            plan.forEach(w -> arguments.add(w.format()));
            // The driver pins its own measuring thread; it is not pinned as a whole.
            List<String> command = ChildProcess.javaCommand(context.workDirectory().resolve("cds-" + transport.name() + "-driver.jsa"), transport.jvmOptions(),
                    arguments);
            try (ChildProcess driver = ChildProcess.start(command, ChildProcess.Stdio.LOG, context.workDirectory(),
                    transport.name() + "-driver")) {
                int exit = driver.waitFor(Duration.ofNanos(budgetNanos + Duration.ofSeconds(30).toNanos()));
                if (exit != 0) {
                    throw new IOException(Kv.format("driver failed", "transport", transport.name(), "exitCode",
                            exit) + "\n--- driver log ---\n" + driver.logTail());
                }
            }
            return read(results, plan);
        } finally {
            Files.deleteIfExists(results);
        }
    }

    /** In the driver JVM: runs the session here and writes the result file. */
    static void main(JvmTransport transport, Path results, long budgetNanos, int harnessCpu, int peerCpu,
            Path workDirectory, List<Workload> plan) throws IOException {
        Watchdog.guardChild(budgetNanos + Duration.ofSeconds(20).toNanos());
        RunContext context = new RunContext(harnessCpu < 0 ? Optional.empty() : Optional.of(harnessCpu),
                peerCpu < 0 ? Optional.empty() : Optional.of(peerCpu), workDirectory, false);
        List<Measurement> measured = transport.runHere(plan, context);
        List<String> lines = new ArrayList<>();
        for (Measurement m : measured) {
            lines.add(encode(m));
        }
        Files.write(results, lines, StandardCharsets.UTF_8);
    }

    static String encode(Measurement m) {
        return switch (m) {
            case Measurement.Latency l -> {
                ByteBuffer buffer = ByteBuffer.allocate(l.histogram().getNeededByteBufferCapacity());
                int length = l.histogram().encodeIntoCompressedByteBuffer(buffer);
                yield "LATENCY " + l.workload().format() + " "
                        + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length)) + " "
                        + l.stability().format();
            }
            case Measurement.Throughput t -> "THROUGHPUT " + t.workload().format() + " " + t.messages() + " "
                    + t.nanos() + " " + t.stability().format();
        };
    }

    static List<Measurement> read(Path results, List<Workload> plan) throws IOException {
        List<String> lines = Files.readAllLines(results, StandardCharsets.UTF_8);
        if (lines.size() != plan.size()) {
            throw new IOException(Kv.format("driver results incomplete", "expected", plan.size(), "lines",
                    lines.size()));
        }
        List<Measurement> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            out.add(decode(lines.get(i), plan.get(i)));
        }
        return out;
    }

    static Measurement decode(String line, Workload expected) throws IOException {
        String[] p = line.split(" ");
        try {
            Workload w = Workload.parse(p[1]);
            if (!w.equals(expected)) {
                throw new IOException(Kv.format("driver result for another workload", "expected",
                        expected.format(), "got", p[1]));
            }
            if (p[0].equals("LATENCY") && p.length == 4) {
                ByteBuffer buffer = ByteBuffer.wrap(Base64.getDecoder().decode(p[2]));
                return new Measurement.Latency(w, Histogram.decodeFromCompressedByteBuffer(buffer, 0),
                        Measurement.Stability.parse(p[3]));
            }
            if (p[0].equals("THROUGHPUT") && p.length == 5) {
                return new Measurement.Throughput(w, Long.parseLong(p[2]), Long.parseLong(p[3]),
                        Measurement.Stability.parse(p[4]));
            }
        } catch (DataFormatException | RuntimeException e) {
            throw new IOException(Kv.format("malformed driver result", "line", abbreviate(line)), e);
        }
        throw new IOException(Kv.format("malformed driver result", "line", abbreviate(line)));
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
