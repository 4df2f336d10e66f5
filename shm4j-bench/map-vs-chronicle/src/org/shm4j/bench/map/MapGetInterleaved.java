package org.shm4j.bench.map;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.map.ChronicleMap;
import org.shm4j.SharedMemory;
import org.shm4j.map.LongKeyMap;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;

/**
 * The get ratios on a busy machine, in one JVM, interleaved in rounds of 2 M lookups (64 keys,
 * 8-byte keys, 64-byte values) after 5 warm-up rounds: a named shm4j map (reached by absolute
 * address) through {@code get(MemorySegment, MemorySegment)} and {@code longKeys().get}, the same
 * map placed in a caller's segment (the scoped segment: the code shape before), the baseline
 * {@code ConcurrentHashMap<Long, byte[]>.get} plus a copy, and Chronicle Map 3.25ea6
 * {@code getUsing} into a reused array. Prints the best round of each (best-of-rounds shows the
 * cost of the code path where other processes make averages swing), the ratios to the baseline,
 * and the bytes the shm4j rounds allocated per lookup (ThreadMXBean).
 * Run: {@code shm4j-bench/map-vs-chronicle/run.sh interleaved [rounds]}.
 */
public final class MapGetInterleaved {
    private static final int KEYS = 64;
    private static final int LOOKUPS = 2_000_000;
    private static final String[] NAMES = {"shm4j named get(segment)", "shm4j named longKeys().get",
        "shm4j in caller segment get(segment)", "ConcurrentHashMap get + copy", "Chronicle Map getUsing"};

    private MapGetInterleaved() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        String name = "mapget-" + ProcessHandle.current().pid();
        MapSpec spec = MapSpec.of(KEYS * 2, 8, 64);
        try (Arena arena = Arena.ofShared();
                SharedMap named = SharedMap.create(name, spec);
                SharedMap placed = SharedMap.create(arena.allocate(SharedMap.requiredBytes(spec), 4096), spec);
                ChronicleMap<Long, byte[]> chronicle = ChronicleMap.of(Long.class, byte[].class)
                        .entries(KEYS * 2).averageValueSize(64).create()) {
            LongKeyMap longs = named.longKeys();
            ConcurrentHashMap<Long, byte[]> chm = new ConcurrentHashMap<>();
            long[] keys = new long[KEYS];
            Long[] boxed = new Long[KEYS];
            SplittableRandom rnd = new SplittableRandom(17);
            for (int i = 0; i < KEYS; i++) {
                keys[i] = rnd.nextLong();
                boxed[i] = keys[i];
                byte[] v = new byte[64];
                rnd.nextBytes(v);
                longs.put(keys[i], MemorySegment.ofArray(v));
                placed.longKeys().put(keys[i], MemorySegment.ofArray(v));
                chm.put(boxed[i], v);
                chronicle.put(boxed[i], v);
            }
            MemorySegment key = arena.allocate(8, 8);
            MemorySegment into = arena.allocate(64, 8);
            byte[] copy = new byte[64];
            double[] best = new double[NAMES.length];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            long shm4jAllocated = 0;
            // Per measured round, each one's time over the baseline's in the same round (adjacent in
            // time, so a burst of load hits both): the median of these is the steadier figure.
            double[][] perRound = new double[NAMES.length][Math.max(0, rounds - 5)];
            long sink = 0;
            for (int round = 0; round < rounds; round++) {
                long[] t = new long[NAMES.length + 1];
                long a0 = mx.getThreadAllocatedBytes(tid);
                t[0] = System.nanoTime();
                sink += segmentGets(named, keys, key, into);
                t[1] = System.nanoTime();
                sink += longGets(longs, keys, into);
                t[2] = System.nanoTime();
                sink += segmentGets(placed, keys, key, into);
                t[3] = System.nanoTime();
                long a1 = mx.getThreadAllocatedBytes(tid);
                sink += chmGets(chm, boxed, copy);
                t[4] = System.nanoTime();
                sink += chronicleGets(chronicle, boxed, copy);
                t[5] = System.nanoTime();
                if (round >= 5) {
                    for (int k = 0; k < NAMES.length; k++) {
                        best[k] = Math.min(best[k], (t[k + 1] - t[k]) / (double) LOOKUPS);
                        perRound[k][round - 5] = (t[k + 1] - t[k]) / (double) (t[4] - t[3]);
                    }
                    shm4jAllocated += a1 - a0;
                }
            }
            System.out.printf("best of %d interleaved rounds (%d lookups each, %d keys, 8-byte keys, 64-byte values):%n",
                    rounds - 5, LOOKUPS, KEYS);
            for (int k = 0; k < NAMES.length; k++) {
                double[] r = perRound[k].clone();
                java.util.Arrays.sort(r);
                double median = r.length == 0 ? Double.NaN : r[r.length / 2];
                System.out.printf("  %-38s %6.1f ns   best/best: to CHM get + copy %5.2f, to Chronicle %5.2f;"
                        + "   median of same-round ratios to CHM %5.2f%n", NAMES[k], best[k], best[k] / best[3],
                        best[k] / best[4], median);
            }
            System.out.printf("  shm4j allocation: %.4f bytes per lookup (ThreadMXBean, measured rounds) (checksum %d)%n",
                    shm4jAllocated / (3.0 * LOOKUPS * (rounds - 5)), sink & 1);
        } finally {
            SharedMemory.remove(name);
        }
    }

    private static long segmentGets(SharedMap map, long[] keys, MemorySegment key, MemorySegment into) {
        long s = 0;
        for (int i = 0; i < LOOKUPS; i++) {
            key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, keys[i & (KEYS - 1)]);
            s += map.get(key, into);
        }
        return s;
    }

    private static long longGets(LongKeyMap longs, long[] keys, MemorySegment into) {
        long s = 0;
        for (int i = 0; i < LOOKUPS; i++) {
            s += longs.get(keys[i & (KEYS - 1)], into);
        }
        return s;
    }

    private static long chmGets(ConcurrentHashMap<Long, byte[]> chm, Long[] boxed, byte[] copy) {
        long s = 0;
        for (int i = 0; i < LOOKUPS; i++) {
            byte[] v = chm.get(boxed[i & (KEYS - 1)]);
            System.arraycopy(v, 0, copy, 0, v.length);
            s += copy[3];
        }
        return s;
    }

    private static long chronicleGets(ChronicleMap<Long, byte[]> map, Long[] boxed, byte[] copy) {
        long s = 0;
        for (int i = 0; i < LOOKUPS; i++) {
            byte[] v = map.getUsing(boxed[i & (KEYS - 1)], copy);
            s += v[3];
        }
        return s;
    }
}
