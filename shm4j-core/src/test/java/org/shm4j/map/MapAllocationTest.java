package org.shm4j.map;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * The {@code MemorySegment} API allocates nothing per operation in steady state: {@code get(key,
 * into)} and {@code longKeys().get} (hits and misses), {@code put} and {@code tryPut} of existing
 * keys, on a named map (absolute addresses) and on a map in a caller's segment. Runs in a child JVM
 * with the optimising compiler (the test JVMs' children normally stop at C1).
 */
@ExtendWith(NoLeaks.class)
@Timeout(180)
class MapAllocationTest {
    private static final int KEYS = 64;
    private static final int WARM_UP = 300_000;
    private static final int MEASURED = 300_000;

    /** args: map name. Prints "BYTES where op bytesPerOperation" lines. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes");
            MapSpec spec = MapSpec.of(KEYS * 2, 8, 64);
            try (Arena arena = Arena.ofShared();
                 SharedMap named = SharedMap.create(args[0], spec);
                 SharedMap placed = SharedMap.create(arena.allocate(SharedMap.requiredBytes(spec), 64), spec)) {
                MemorySegment key = arena.allocate(8, 8);
                MemorySegment into = arena.allocate(64, 8);
                MemorySegment value = arena.allocate(64, 8);
                for (SharedMap map : List.of(named, placed)) {
                    for (long k = 0; k < KEYS; k++) {
                        map.longKeys().put(k, value);
                    }
                }
                for (String where : List.of("named", "segment")) {
                    SharedMap map = where.equals("named") ? named : placed;
                    for (String op : List.of("get", "longGet", "put", "tryPut")) {
                        long sink = run(map, op, key, into, value, WARM_UP);
                        long before = (long) allocated.invoke(threads);
                        sink += run(map, op, key, into, value, MEASURED);
                        long after = (long) allocated.invoke(threads);
                        System.out.println("BYTES " + where + " " + op + " " + (double) (after - before) / MEASURED
                                + " sink " + (sink & 1));
                    }
                }
            }
        }

        private static long run(SharedMap map, String op, MemorySegment key, MemorySegment into,
                MemorySegment value, int n) throws Exception {
            long sink = 0;
            Duration timeout = Duration.ofSeconds(1);
            // The view is made once, as a user would (longKeys() returns a new view object).
            LongKeyMap longs = map.longKeys();
            for (int i = 0; i < n; i++) {
                // Keys 0..KEYS-1 hit, KEYS..2*KEYS-1 miss (for the gets).
                long k = i & (2 * KEYS - 1);
                key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, k & (KEYS - 1));
                switch (op) {
                    case "get" -> {
                        key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, k);
                        sink += map.get(key, into);
                    }
                    case "longGet" -> sink += longs.get(k, into);
                    case "put" -> sink += map.put(key, value) ? 1 : 0;
                    default -> sink += map.tryPut(key, value, timeout).orElseThrow() ? 1 : 0;
                }
            }
            return sink;
        }
    }

    @Test
    void getsAndPutsAllocateNothingPerOperation() throws Exception {
        String name = TestNames.unique("mapalloc");
        try (ChildJvm child = ChildJvm.start(List.of(), Child.class, Map.of(),
                List.of("-XX:TieredStopAtLevel=4", "-Xmx64m"), name)) {
            child.assertExitCode(0, Duration.ofSeconds(150));
            List<String> lines = child.output().lines().filter(l -> l.startsWith("BYTES ")).toList();
            assertThat(lines).hasSize(8);
            for (String line : lines) {
                double perOperation = Double.parseDouble(line.split(" ")[3]);
                // A TLAB refill or a JIT-time allocation is shared by 300,000 operations; one small
                // object per operation would be 16 bytes or more.
                assertThat(perOperation).as(line).isLessThan(0.5);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }
}
