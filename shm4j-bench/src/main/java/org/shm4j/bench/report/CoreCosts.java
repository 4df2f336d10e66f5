package org.shm4j.bench.report;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.shm4j.Access;
import org.shm4j.Commit;
import org.shm4j.MapOption;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.bench.harness.ChildProcess;
import org.shm4j.bench.harness.RunContext;
import org.shm4j.bench.harness.Spread;
import org.shm4j.bench.transport.NativePeer;
import org.shm4j.bench.harness.Kv;

/**
 * Single-process costs of the core, measured by the harness with {@link System#nanoTime()}:
 * create/map/unmap/remove against segment size, bulk copy bandwidth against C's {@code memcpy}
 * (interleaved, same segments), and a view's map+close with a shared arena against a confined one.
 * Every figure is the median of the budget's rounds, A and B alternating within each round.
 */
final class CoreCosts {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private CoreCosts() {}

    /** Microseconds per step for one size and commit mode. */
    record CreateMap(long byteSize, Commit commit, Spread createMicros, Spread mapMicros, Spread unmapMicros,
            Spread removeMicros) {}

    /** Copy bandwidth in GB/s (10^9 bytes per second) for one size. */
    record Copy(long byteSize, Spread javaGBps, Spread cGBps, Spread javaToC) {}

    /** Microseconds per map+close pair of a 4 KiB view. */
    record Lifecycle(Spread sharedMicros, Spread confinedMicros, Spread sharedToConfined) {}

    static String uniqueName(String label) {
        return "shm4j-bench-" + ProcessHandle.current().pid() + "-cost" + COUNTER.incrementAndGet() + "-" + label;
    }

    /** The largest segment that may be committed now: the budget's cap, a quarter of free /dev/shm and of free memory. */
    static long nowCap(Budget budget) {
        long cap = budget.nowCapBytes();
        try {
            cap = Math.min(cap, Files.getFileStore(Path.of("/dev/shm")).getUsableSpace() / 4);
        } catch (IOException e) {
            return 0;
        }
        long available = MachineInfo.memAvailableBytes();
        if (available > 0) {
            cap = Math.min(cap, available / 4);
        }
        return cap;
    }

    static List<CreateMap> createMap(Budget budget, long nowCap, PrintStream log) throws IOException {
        List<CreateMap> out = new ArrayList<>();
        for (long size : budget.segmentSizes()) {
            List<Commit> commits = size <= nowCap ? List.of(Commit.LAZY, Commit.NOW) : List.of(Commit.LAZY);
            double[][][] v = new double[commits.size()][4][budget.rounds()];
            int reps = size <= (1 << 20) ? 20 : 1;
            oneCreateMap(size, Commit.LAZY, 1, new double[4]); // warm the code path
            for (int r = 0; r < budget.rounds(); r++) {
                for (int c = 0; c < commits.size(); c++) {
                    double[] micros = new double[4];
                    oneCreateMap(size, commits.get(c), reps, micros);
                    for (int k = 0; k < 4; k++) {
                        v[c][k][r] = micros[k];
                    }
                }
            }
            for (int c = 0; c < commits.size(); c++) {
                out.add(new CreateMap(size, commits.get(c), Spread.of(v[c][0]), Spread.of(v[c][1]), Spread.of(v[c][2]),
                        Spread.of(v[c][3])));
            }
            log.printf("create/map %s done%n", Format.bytes(size));
        }
        return out;
    }

    /** Averages {@code reps} create, map (whole object), unmap, close+remove cycles into {@code micros}. */
    private static void oneCreateMap(long size, Commit commit, int reps, double[] micros) throws IOException {
        long create = 0;
        long map = 0;
        long unmap = 0;
        long remove = 0;
        for (int i = 0; i < reps; i++) {
            String name = uniqueName("segment");
            long t0 = System.nanoTime();
            SharedMemory shm = SharedMemory.create(name, size, commit);
            long t1;
            long t2;
            long t3;
            try {
                t1 = System.nanoTime();
                MappedView view = shm.map(Access.READ_WRITE, 0, 0);
                t2 = System.nanoTime();
                view.close();
                t3 = System.nanoTime();
            } finally {
                shm.close();
                SharedMemory.remove(name);
            }
            long t4 = System.nanoTime();
            create += t1 - t0;
            map += t2 - t1;
            unmap += t3 - t2;
            remove += t4 - t3;
        }
        micros[0] = create / 1e3 / reps;
        micros[1] = map / 1e3 / reps;
        micros[2] = unmap / 1e3 / reps;
        micros[3] = remove / 1e3 / reps;
    }

    static List<Copy> copy(Budget budget, RunContext context, PrintStream log) throws IOException {
        List<Copy> out = new ArrayList<>();
        boolean haveC = NativePeer.unavailable().isEmpty();
        for (long size : budget.copySizes()) {
            String srcName = uniqueName("copy-src");
            String dstName = uniqueName("copy-dst");
            try (SharedMemory src = SharedMemory.create(srcName, size, Commit.NOW);
                    SharedMemory dst = SharedMemory.create(dstName, size, Commit.NOW);
                    MappedView a = src.map();
                    MappedView b = dst.map()) {
                a.segment().fill((byte) 7);
                b.segment().fill((byte) 0);
                double[] java = new double[budget.rounds()];
                double[] c = new double[budget.rounds()];
                double[] ratio = new double[budget.rounds()];
                javaCopy(a.segment(), b.segment(), Duration.ofMillis(20)); // JIT
                for (int r = 0; r < budget.rounds(); r++) {
                    java[r] = javaCopy(a.segment(), b.segment(), budget.copyMeasure());
                    c[r] = haveC ? cCopy(srcName, dstName, size, budget.copyMeasure(), context) : Double.NaN;
                    ratio[r] = java[r] / c[r];
                }
                out.add(new Copy(size, Spread.of(java), Spread.of(c), Spread.of(ratio)));
            } finally {
                SharedMemory.remove(srcName);
                SharedMemory.remove(dstName);
            }
            log.printf("copy %s done%n", Format.bytes(size));
        }
        return out;
    }

    private static double javaCopy(MemorySegment src, MemorySegment dst, Duration measure) {
        long bytes = src.byteSize();
        for (int i = 0; i < 3; i++) {
            MemorySegment.copy(src, 0, dst, 0, bytes);
        }
        long iterations = 0;
        long start = System.nanoTime();
        long end = start + measure.toNanos();
        long now;
        do {
            MemorySegment.copy(src, 0, dst, 0, bytes);
            iterations++;
            now = System.nanoTime();
        } while (now - end < 0);
        return bytes * (double) iterations / (now - start);
    }

    private static double cCopy(String src, String dst, long size, Duration measure, RunContext context)
            throws IOException {
        Path result = Files.createTempFile(context.workDirectory(), "memcpy-", ".txt");
        try {
            List<String> command = List.of(NativePeer.binary().toString(), "memcpy", result.toString(), src, dst,
                    Long.toString(size), Long.toString(measure.toMillis()),
                    context.harnessCpu().map(String::valueOf).orElse("-1"));
            try (ChildProcess child = ChildProcess.start(command, ChildProcess.Stdio.LOG, context.workDirectory(),
                    "memcpy")) {
                int exit = child.waitFor(measure.plusSeconds(30));
                if (exit != 0) {
                    throw new IOException(Kv.format("C memcpy failed", "exitCode", exit) + "\n" + child.logTail());
                }
            }
            String[] p = Files.readString(result, StandardCharsets.UTF_8).trim().split(" ");
            if (p.length != 4 || !p[0].equals("COPY")) {
                throw new IOException(Kv.format("malformed C memcpy result", "text", String.join(" ", p)));
            }
            return Long.parseLong(p[1]) * (double) Long.parseLong(p[2]) / Long.parseLong(p[3]);
        } finally {
            Files.deleteIfExists(result);
        }
    }

    static Lifecycle lifecycle(Budget budget) throws IOException {
        String name = uniqueName("lifecycle");
        try (SharedMemory shm = SharedMemory.create(name, 4096, Commit.NOW)) {
            mapClose(shm, false, budget.lifecycleOperations());
            mapClose(shm, true, budget.lifecycleOperations());
            double[] shared = new double[budget.rounds()];
            double[] confined = new double[budget.rounds()];
            double[] ratio = new double[budget.rounds()];
            for (int r = 0; r < budget.rounds(); r++) {
                shared[r] = mapClose(shm, false, budget.lifecycleOperations());
                confined[r] = mapClose(shm, true, budget.lifecycleOperations());
                ratio[r] = shared[r] / confined[r];
            }
            return new Lifecycle(Spread.of(shared), Spread.of(confined), Spread.of(ratio));
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Mean microseconds of one map + close of a 4 KiB view. */
    private static double mapClose(SharedMemory shm, boolean confined, int operations) throws IOException {
        MapOption[] options = confined ? new MapOption[] {MapOption.Flag.CONFINED} : new MapOption[0];
        long start = System.nanoTime();
        for (int i = 0; i < operations; i++) {
            try (MappedView view = shm.map(Access.READ_WRITE, 0, 4096, options)) {
                view.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) i);
            }
        }
        return (System.nanoTime() - start) / 1e3 / operations;
    }
}
