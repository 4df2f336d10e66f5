package org.shm4j.map;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Writers killed with SIGKILL inside the write protocol, at chosen points (the test hook stops
 * the child there) and at random moments while several processes write. After each kill the map
 * holds, for every key, its old value or its new one; the next writer of the stripe recovers it
 * through OWNER_DIED; {@link SharedMap#check()} finds the structure whole and the count exact.
 */
@ExtendWith(NoLeaks.class)
@Timeout(300)
class MapCrashTest {
    private static final Duration CHILD = Duration.ofSeconds(60);
    static final int VALUE_BYTES = 64;
    private static final MapSpec SPEC = new MapSpec(512, 8, VALUE_BYTES, 4);

    /** The value a test writes for {@code key} at generation {@code gen}: every byte derived from both. */
    static MemorySegment value(long key, long gen) {
        MemorySegment v = MemorySegment.ofArray(new byte[VALUE_BYTES]);
        v.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, key);
        v.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, gen);
        for (int i = 16; i < VALUE_BYTES; i++) {
            v.set(ValueLayout.JAVA_BYTE, i, (byte) (key * 7 + gen * 13 + i));
        }
        return v;
    }

    static long generation(MemorySegment v) {
        return v.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
    }

    // ---- chosen points ---------------------------------------------------------------------------

    /** Runs one operation on key 1 and stops at {@code point} of the write protocol, to be killed there. */
    public static final class StopAt {
        public static void main(String[] args) throws Exception {
            String point = args[2];
            try (SharedMap map = SharedMap.open(args[0])) {
                LongKeyMap longs = map.longKeys();
                SharedMap.testHook = p -> {
                    if (p.equals(point)) {
                        System.out.println("AT " + p);
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                };
                switch (args[1]) {
                    case "put" -> longs.put(1, value(1, 2));
                    case "insert" -> longs.put(2, value(2, 1));
                    case "remove" -> longs.remove(1);
                    case "compute" -> longs.computeIfPresent(1, s -> {
                        MemorySegment.copy(value(1, 2), 0, s, 0, VALUE_BYTES);
                        SharedMap.testHook.accept("computing");
                    });
                    default -> throw new IllegalArgumentException(args[1]);
                }
                System.out.println("NOT STOPPED");
            }
        }
    }

    @ParameterizedTest(name = "{0} killed at {1}")
    @CsvSource({
            "put, locked, 1", "put, writing, 1", "put, written, 1", "put, published, 2", "put, done, 2",
            "insert, writing, 0", "insert, published, 1",
            "remove, locked, 1", "remove, published, 0",
            "compute, computing, 1", "compute, published, 2"})
    void aWriterKilledAtAChosenPointLeavesTheOldOrTheNewValue(String op, String point, int expected)
            throws Exception {
        String name = TestNames.unique("mapcrash");
        try (SharedMap map = SharedMap.create(name, SPEC)) {
            LongKeyMap longs = map.longKeys();
            longs.put(1, value(1, 1));
            for (long k = 10; k < 40; k++) {
                longs.put(k, value(k, 1));
            }
            long before = map.size();
            try (ChildJvm child = ChildJvm.start(StopAt.class, name, op, point)) {
                child.awaitOutput("AT " + point, CHILD);
                child.kill();
            }
            MemorySegment into = MemorySegment.ofArray(new byte[VALUE_BYTES]);
            boolean insert = op.equals("insert");
            long key = insert ? 2 : 1;
            long length = longs.get(key, into);
            if (expected == 0) {
                assertThat(length).as("key %d after %s killed at %s", key, op, point).isEqualTo(-1);
            } else {
                assertThat(length).isEqualTo(VALUE_BYTES);
                assertThat(into.mismatch(value(key, expected))).as("value generation %d", generation(into))
                        .isEqualTo(-1);
            }
            long present = (insert ? before : before - 1) + (expected == 0 ? 0 : 1);
            // The stripe is still locked by the dead child: this write recovers it (OWNER_DIED).
            MapStats stats = map.stats();
            assertThat(stats.stripes().stream().filter(s -> s.holderPid().isPresent()).count())
                    .as("the dead writer still holds its stripe").isEqualTo(1);
            assertThat(stats.stripes().stream().anyMatch(s -> s.holderPid().isPresent() && !s.holderAlive()))
                    .isTrue();
            assertThat(longs.put(3, value(3, 1))).isTrue();
            assertThat(longs.put(key, value(key, 9))).isEqualTo(expected == 0);
            MapCheck check = map.check();
            assertThat(check.problems()).isEmpty();
            assertThat(check.entries()).isEqualTo(present + (expected == 0 ? 2 : 1));
            assertThat(map.size()).isEqualTo(check.entries());
            assertThat(map.stats().stripes()).allMatch(s -> s.holderPid().isEmpty());
        } finally {
            SharedMemory.remove(name);
        }
    }

    // ---- random points -------------------------------------------------------------------------

    /**
     * Runs a deterministic sequence of operations (seeded) on keys {@code base .. base+range-1},
     * printing the number of each operation once it has returned.
     */
    public static final class RandomWriter {
        public static void main(String[] args) throws Exception {
            long seed = Long.parseLong(args[1]);
            long base = Long.parseLong(args[2]);
            try (SharedMap map = SharedMap.open(args[0])) {
                LongKeyMap longs = map.longKeys();
                System.out.println("READY");
                Random rnd = new Random(seed);
                for (int i = 0;; i++) {
                    Op op = Op.next(rnd, base, i);
                    op.apply(longs);
                    System.out.println(i);
                }
            }
        }
    }

    /** One operation of a {@link RandomWriter}, applied to the map or to a model of it. */
    record Op(int kind, long key, long gen) {
        static final int RANGE = 150;

        static Op next(Random rnd, long base, int i) {
            long key = base + rnd.nextInt(RANGE);
            int r = rnd.nextInt(10);
            return new Op(r < 6 ? 0 : r < 8 ? 1 : 2, key, 1000L + i);
        }

        void apply(LongKeyMap longs) throws Exception {
            switch (kind) {
                case 0 -> longs.put(key, value(key, gen));
                case 1 -> longs.remove(key);
                default -> longs.computeIfPresent(key, s -> {
                    long g = s.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
                    MemorySegment.copy(value(key, g + 1), 0, s, 0, VALUE_BYTES);
                });
            }
        }

        void apply(Map<Long, Long> model) {
            switch (kind) {
                case 0 -> model.put(key, gen);
                case 1 -> model.remove(key);
                default -> model.computeIfPresent(key, (k, g) -> g + 1);
            }
        }
    }

    @Test
    void writersKilledAtRandomMomentsLeaveAConsistentMap() throws Exception {
        crashRounds(4);
    }

    /** The long run: hundreds of kills. {@code ./mvnw -B -pl shm4j-core -am test -Pstress -Dtest=MapCrashTest}. */
    @Test
    @Tag("stress")
    @Timeout(3600)
    void writersKilledAtRandomMomentsManyTimes() throws Exception {
        crashRounds(Integer.getInteger("shm4j.map.crashRounds", 150));
    }

    private static void crashRounds(int rounds) throws Exception {
        String name = TestNames.unique("maprandom");
        try (SharedMap map = SharedMap.create(name, SPEC)) {
            LongKeyMap longs = map.longKeys();
            for (int round = 0; round < rounds; round++) {
                long[] bases = {0, 1_000};
                Map<Long, Map<Long, Long>> before = new HashMap<>();
                for (long base : bases) {
                    before.put(base, snapshot(longs, base));
                }
                long seed = ThreadLocalRandom.current().nextLong();
                List<ChildJvm> children = new ArrayList<>();
                try {
                    for (int c = 0; c < bases.length; c++) {
                        children.add(ChildJvm.start(RandomWriter.class, name, Long.toString(seed + c),
                                Long.toString(bases[c])));
                    }
                    for (ChildJvm child : children) {
                        child.awaitOutput("READY", CHILD);
                    }
                    // Both write at once for a while, then each is killed at its own random moment.
                    for (ChildJvm child : children) {
                        Thread.sleep(ThreadLocalRandom.current().nextInt(20, 250));
                        child.kill();
                    }
                    for (int c = 0; c < bases.length; c++) {
                        int done = completedOps(children.get(c).output());
                        Map<Long, Long> model = new HashMap<>(before.get(bases[c]));
                        Random rnd = new Random(seed + c);
                        for (int i = 0; i < done; i++) {
                            Op.next(rnd, bases[c], i).apply(model);
                        }
                        Map<Long, Long> withNext = new HashMap<>(model);
                        Op.next(rnd, bases[c], done).apply(withNext);
                        Map<Long, Long> actual = snapshot(longs, bases[c]);
                        assertThat(actual).as("round %d child %d after %d operations", round, c, done)
                                .isIn(model, withNext);
                    }
                } finally {
                    for (ChildJvm child : children) {
                        child.close();
                    }
                }
                MapCheck check = map.check();
                assertThat(check.problems()).as("round %d", round).isEmpty();
                assertThat(check.entries()).isEqualTo(map.size());
                long iterated = 0;
                for (SharedMap.Entry e : map) {
                    iterated++;
                    long key = e.key().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                    assertThat(e.value().mismatch(value(key, generation(e.value())))).isEqualTo(-1);
                }
                assertThat(iterated).isEqualTo(check.entries());
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** The generation of every key of one writer's range, each value checked whole. */
    private static Map<Long, Long> snapshot(LongKeyMap longs, long base) {
        Map<Long, Long> m = new HashMap<>();
        MemorySegment into = MemorySegment.ofArray(new byte[VALUE_BYTES]);
        for (long k = base; k < base + Op.RANGE; k++) {
            long n = longs.get(k, into);
            if (n >= 0) {
                assertThat(n).isEqualTo(VALUE_BYTES);
                long g = generation(into);
                assertThat(into.mismatch(value(k, g))).as("value of key %d is whole", k).isEqualTo(-1);
                m.put(k, g);
            }
        }
        return m;
    }

    /** How many operations the child reported done: its complete lines that are numbers. */
    private static int completedOps(String output) {
        int end = output.lastIndexOf('\n');
        int done = 0;
        for (String line : output.substring(0, Math.max(0, end)).split("\n")) {
            if (line.matches("[0-9]+")) {
                done = Integer.parseInt(line) + 1;
            }
        }
        return done;
    }
}
