package org.shm4j.bench.map;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.shm4j.map.LongKeyMap;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;

/**
 * The get ratio on a busy machine: shm4j's two get forms and the {@code ConcurrentHashMap} get +
 * copy baseline in one JVM, interleaved in rounds of 2 M lookups (64 keys, 8-byte keys, 64-byte
 * values), after 5 warm-up rounds; prints the best round of each and the ratios. Best-of-rounds
 * shows the cost of the code path where other processes make JMH's averages swing by 100 %.
 * Run: {@code shm4j-bench/map-vs-chronicle/run.sh interleaved [rounds]}.
 */
public final class MapGetInterleaved {
    private static final int KEYS = 64;
    private static final int LOOKUPS = 2_000_000;

    private MapGetInterleaved() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = MapSpec.of(KEYS * 2, 8, 64);
            SharedMap map = SharedMap.create(arena.allocate(SharedMap.requiredBytes(spec), 4096), spec);
            LongKeyMap longs = map.longKeys();
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
                chm.put(boxed[i], v);
            }
            MemorySegment key = arena.allocate(8, 8);
            MemorySegment into = arena.allocate(64, 8);
            byte[] copy = new byte[64];
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
            long sink = 0;
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                sink += segmentGets(map, keys, key, into);
                long t1 = System.nanoTime();
                sink += longGets(longs, keys, into);
                long t2 = System.nanoTime();
                sink += chmGets(chm, boxed, copy);
                long t3 = System.nanoTime();
                if (round >= 5) {
                    best[0] = Math.min(best[0], (t1 - t0) / (double) LOOKUPS);
                    best[1] = Math.min(best[1], (t2 - t1) / (double) LOOKUPS);
                    best[2] = Math.min(best[2], (t3 - t2) / (double) LOOKUPS);
                }
            }
            System.out.printf("best of %d interleaved rounds: shm4j get %.1f ns, longKeys().get %.1f ns, "
                    + "ConcurrentHashMap get + copy %.1f ns; ratios %.2f and %.2f (checksum %d)%n", rounds - 5, best[0],
                    best[1], best[2], best[0] / best[2], best[1] / best[2], sink & 1);
            map.close();
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
}
