package org.shm4j.bench.map;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.openhft.chronicle.map.ChronicleMap;
import org.shm4j.SharedMemory;
import org.shm4j.map.LongKeyMap;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;

/**
 * Mixed 90 % get / 10 % put from two processes on one map: a named shm4j {@link SharedMap} and a
 * Chronicle Map 3.25ea6 persisted to a {@code /dev/shm} file, the same 65,536 8-byte keys and
 * 64-byte values in both. Two long-lived worker JVMs open both maps; each round, the parent tells
 * both workers to run one peer for a fixed time (they start together), then the other peer (the
 * order alternates per round), and prints the combined throughput of each and their ratio. The
 * first two rounds are warm-up and not counted. Gets copy the value into a reused buffer
 * ({@code longKeys().get(key, into)}, Chronicle's {@code getUsing}); puts write a reused value.
 *
 * <p>Run: {@code shm4j-bench/map-vs-chronicle/run.sh mixed [rounds, default 8] [seconds per peer
 * per round, default 3]}: about {@code (rounds + 2) * 2 * seconds} seconds plus start-up.
 */
public final class MapMixedTwoProcesses {
    private static final int KEYS = 1 << 16;
    private static final int VALUE = 64;
    private static final int WORKERS = 2;
    private static final int WARMUP_ROUNDS = 2;

    private MapMixedTwoProcesses() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("worker")) {
            worker(args[1], new File(args[2]), Long.parseLong(args[3]));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        String name = "mapmixed-" + ProcessHandle.current().pid();
        File chronicleFile = new File("/dev/shm/" + name + ".chronicle");
        List<Process> workers = new ArrayList<>();
        long[] keys = keys();
        try (SharedMap shared = SharedMap.create(name, MapSpec.of(KEYS * 2L, 8, VALUE));
                ChronicleMap<Long, byte[]> chronicle = chronicle(chronicleFile)) {
            byte[] v = new byte[VALUE];
            LongKeyMap longs = shared.longKeys();
            for (long k : keys) {
                longs.put(k, MemorySegment.ofArray(v));
                chronicle.put(k, v);
            }
            for (int w = 0; w < WORKERS; w++) {
                workers.add(start(name, chronicleFile, w));
            }
            List<BufferedReader> outs = new ArrayList<>();
            List<PrintStream> ins = new ArrayList<>();
            for (Process p : workers) {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                outs.add(out);
                ins.add(new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8));
                expect(out, "READY");
            }
            long millis = Math.round(seconds * 1000);
            System.out.printf("mixed 90%% get / 10%% put, %d processes, %d keys (8 bytes), %d-byte values, %d ms per peer per"
                    + " round, %d warm-up rounds%n", WORKERS, KEYS, VALUE, millis, WARMUP_ROUNDS);
            double[] ratios = new double[rounds];
            for (int round = 0; round < WARMUP_ROUNDS + rounds; round++) {
                String[] order = round % 2 == 0 ? new String[] {"shm4j", "chronicle"} : new String[] {"chronicle", "shm4j"};
                double shm4jRate = 0;
                double chronicleRate = 0;
                for (String peer : order) {
                    for (PrintStream in : ins) {
                        in.println(peer + " " + millis);
                    }
                    long ops = 0;
                    for (BufferedReader out : outs) {
                        ops += Long.parseLong(expect(out, null));
                    }
                    double rate = ops / (millis / 1000.0);
                    if (peer.equals("shm4j")) {
                        shm4jRate = rate;
                    } else {
                        chronicleRate = rate;
                    }
                }
                boolean warm = round < WARMUP_ROUNDS;
                System.out.printf("%s %d: shm4j %.2f M ops/s, Chronicle Map %.2f M ops/s, ratio %.2f%n",
                        warm ? "warm-up" : "round", warm ? round + 1 : round - WARMUP_ROUNDS + 1, shm4jRate / 1e6,
                        chronicleRate / 1e6, shm4jRate / chronicleRate);
                if (!warm) {
                    ratios[round - WARMUP_ROUNDS] = shm4jRate / chronicleRate;
                }
            }
            for (PrintStream in : ins) {
                in.println("quit");
            }
            double[] sorted = ratios.clone();
            Arrays.sort(sorted);
            System.out.printf("shm4j / Chronicle Map throughput: median %.2f, min %.2f, max %.2f over %d rounds%n",
                    sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1], rounds);
        } finally {
            for (Process p : workers) {
                p.destroyForcibly();
                p.waitFor();
            }
            SharedMemory.remove(name);
            chronicleFile.delete();
        }
    }

    /** The keys every process uses: the same seed everywhere. */
    private static long[] keys() {
        SplittableRandom rnd = new SplittableRandom(17);
        long[] keys = new long[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = rnd.nextLong();
        }
        return keys;
    }

    private static ChronicleMap<Long, byte[]> chronicle(File file) throws Exception {
        return ChronicleMap.of(Long.class, byte[].class).name("mixed").entries(KEYS * 2L).averageValueSize(VALUE)
                .createPersistedTo(file);
    }

    private static Process start(String name, File chronicleFile, int worker) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MapMixedTwoProcesses.class.getName(),
                "worker", name, chronicleFile.getPath(), Long.toString(1000 + worker)));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Reads one line; fails if the worker ended or said something else than {@code wanted} (when given). */
    private static String expect(BufferedReader out, String wanted) throws Exception {
        String line = out.readLine();
        if (line == null || (wanted != null && !line.equals(wanted))) {
            throw new IllegalStateException("worker said: " + line);
        }
        return line.trim();
    }

    private static void worker(String name, File chronicleFile, long seed) throws Exception {
        long[] keys = keys();
        Long[] boxed = Arrays.stream(keys).boxed().toArray(Long[]::new);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Arena arena = Arena.ofConfined();
                SharedMap shared = SharedMap.open(name);
                ChronicleMap<Long, byte[]> chronicle = chronicle(chronicleFile)) {
            LongKeyMap longs = shared.longKeys();
            MemorySegment into = arena.allocate(VALUE, 8);
            MemorySegment value = arena.allocate(VALUE, 8);
            byte[] buffer = new byte[VALUE];
            byte[] written = new byte[VALUE];
            SplittableRandom rnd = new SplittableRandom(seed);
            System.out.println("READY");
            for (String line; (line = commands.readLine()) != null && !line.equals("quit");) {
                String[] parts = line.split(" ");
                long end = System.nanoTime() + Long.parseLong(parts[1]) * 1_000_000L;
                long ops = 0;
                long sink = 0;
                if (parts[0].equals("shm4j")) {
                    while (System.nanoTime() < end) {
                        for (int i = 0; i < 256; i++) {
                            int k = rnd.nextInt(KEYS);
                            if (rnd.nextInt(10) == 0) {
                                value.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, ops + i);
                                longs.put(keys[k], value);
                            } else {
                                sink += longs.get(keys[k], into);
                            }
                        }
                        ops += 256;
                    }
                } else {
                    while (System.nanoTime() < end) {
                        for (int i = 0; i < 256; i++) {
                            int k = rnd.nextInt(KEYS);
                            if (rnd.nextInt(10) == 0) {
                                written[0] = (byte) i;
                                chronicle.put(boxed[k], written);
                            } else {
                                sink += chronicle.getUsing(boxed[k], buffer).length;
                            }
                        }
                        ops += 256;
                    }
                }
                System.out.println(ops + (sink == 42 ? 0 : 0));
            }
        }
    }
}
