package org.shm4j.map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.WrongObjectKindException;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

@ExtendWith(NoLeaks.class)
@Timeout(60)
class SharedMapTest {
    private static MemorySegment bytes(String s) {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(MemorySegment s) {
        return new String(s.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Test
    void putGetReplaceRemoveOnANamedMap() throws Exception {
        String name = TestNames.unique("map");
        try (SharedMap map = SharedMap.create(name, MapSpec.of(100, 16, 32));
             Arena arena = Arena.ofConfined()) {
            assertThat(map.created()).isTrue();
            MemorySegment into = arena.allocate(map.maxValueBytes());
            assertThat(map.get(bytes("a"), into)).isEqualTo(-1);
            assertThat(map.put(bytes("a"), bytes("one"))).isTrue();
            assertThat(map.put(bytes("a"), bytes("uno"))).isFalse();
            assertThat(map.get(bytes("a"), into)).isEqualTo(3);
            assertThat(text(into.asSlice(0, 3))).isEqualTo("uno");
            assertThat(map.putIfAbsent(bytes("a"), bytes("x"))).isFalse();
            assertThat(map.putIfAbsent(bytes("b"), bytes("two"))).isTrue();
            assertThat(map.replace(bytes("c"), bytes("x"))).isFalse();
            assertThat(map.replace(bytes("b"), bytes("nope"), bytes("dos"))).isFalse();
            assertThat(map.replace(bytes("b"), bytes("two"), bytes("dos"))).isTrue();
            assertThat(map.get(bytes("b")).map(SharedMapTest::text)).contains("dos");
            assertThat(map.size()).isEqualTo(2);
            assertThat(map.remove(bytes("a"))).isTrue();
            assertThat(map.remove(bytes("a"))).isFalse();
            assertThat(map.containsKey(bytes("a"))).isFalse();
            assertThat(map.size()).isEqualTo(1);
            assertThat(map.put(bytes("empty"), MemorySegment.ofArray(new byte[0]))).isTrue();
            assertThat(map.get(bytes("empty"), into)).isZero();
            assertThat(map.check().consistent()).isTrue();
            try (SharedMap other = SharedMap.open(name)) {
                assertThat(other.created()).isFalse();
                assertThat(other.strings().get("b")).contains("dos");
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void computeIfPresentUpdatesInPlaceAndLeavesTheValueWhenTheUpdaterThrows() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = MapSpec.of(64, 8, 8);
            MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
            try (SharedMap map = SharedMap.create(mem, spec)) {
                LongKeyMap longs = map.longKeys();
                MemorySegment v = arena.allocate(8);
                v.set(ValueLayout.JAVA_LONG, 0, 10);
                longs.put(7, v);
                for (int i = 0; i < 5; i++) {
                    assertThat(longs.computeIfPresent(7,
                            s -> s.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + 1)))
                            .isTrue();
                }
                assertThat(longs.computeIfPresent(8, s -> s.fill((byte) 1))).isFalse();
                assertThatThrownBy(() -> longs.computeIfPresent(7, s -> {
                    s.fill((byte) 9);
                    throw new IllegalStateException("boom");
                })).hasMessage("boom");
                Long updated = longs.read(7, s -> s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                assertThat(updated).isEqualTo(15L);
                assertThat(map.check().consistent()).isTrue();
                SharedMap other = SharedMap.open(mem);
                other.close();
                LongKeyMap closed = other.longKeys();
                assertThatThrownBy(() -> closed.get(7, v)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("closed");
                assertThatThrownBy(() -> closed.put(7, v)).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(other::size).isInstanceOf(IllegalStateException.class);
                assertThat(longs.get(7, v)).isEqualTo(8);
            }
        }
    }

    @Test
    void refusesANewKeyWhenItsStripeIsFullAndKeepsEveryEntry() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = new MapSpec(10, 8, 8, 1);
            MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
            try (SharedMap map = SharedMap.create(mem, spec)) {
                LongKeyMap longs = map.longKeys();
                MemorySegment v = arena.allocate(8);
                for (long k = 0; k < 10; k++) {
                    v.set(ValueLayout.JAVA_LONG, 0, k);
                    longs.put(k, v);
                }
                assertThat(map.capacity()).isEqualTo(10);
                assertThatThrownBy(() -> longs.put(99, v)).isInstanceOf(MapFullException.class)
                        .hasMessageContaining("map full").hasMessageContaining("entriesPerStripe=10");
                assertThatThrownBy(() -> longs.putIfAbsent(99, v)).isInstanceOf(MapFullException.class);
                // Replacing still works: the spare slot.
                v.set(ValueLayout.JAVA_LONG, 0, 100);
                assertThat(longs.put(3, v)).isFalse();
                MemorySegment into = arena.allocate(8);
                for (long k = 0; k < 10; k++) {
                    assertThat(longs.get(k, into)).isEqualTo(8);
                    assertThat(into.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(k == 3 ? 100 : k);
                }
                assertThat(map.size()).isEqualTo(10);
                assertThat(map.check().entries()).isEqualTo(10);
            }
        }
    }

    @Test
    void manyInsertsAndRemovesKeepTheStructureConsistent() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = MapSpec.of(2_000, 12, 24);
            MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
            try (SharedMap map = SharedMap.create(mem, spec)) {
                StringMap strings = map.strings();
                Map<String, String> model = new HashMap<>();
                java.util.Random random = new java.util.Random(17);
                for (int i = 0; i < 40_000; i++) {
                    String k = "k" + random.nextInt(3_000);
                    switch (random.nextInt(4)) {
                        case 0, 1 -> {
                            String v = "v" + i;
                            strings.put(k, v);
                            model.put(k, v);
                        }
                        case 2 -> assertThat(strings.remove(k)).isEqualTo(model.remove(k) != null);
                        default -> assertThat(strings.get(k)).isEqualTo(java.util.Optional.ofNullable(model.get(k)));
                    }
                }
                assertThat(map.size()).isEqualTo(model.size());
                MapCheck check = map.check();
                assertThat(check.problems()).isEmpty();
                assertThat(check.entries()).isEqualTo(model.size());
                Map<String, String> seen = new HashMap<>();
                for (SharedMap.Entry e : map) {
                    assertThat(seen.put(text(e.key()), text(e.value()))).isNull();
                }
                assertThat(seen).isEqualTo(model);
            }
        }
    }

    @Test
    void rejectsKeysAndValuesOutsideTheSpec() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = MapSpec.of(8, 4, 4);
            MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
            try (SharedMap map = SharedMap.create(mem, spec)) {
                assertThatThrownBy(() -> map.put(bytes("toolong"), bytes("v")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyLength=7");
                assertThatThrownBy(() -> map.put(bytes("k"), bytes("toolong")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("valueLength=7");
                assertThatThrownBy(() -> map.get(MemorySegment.ofArray(new byte[0]), arena.allocate(4)))
                        .isInstanceOf(IllegalArgumentException.class);
                map.put(bytes("k"), bytes("vvvv"));
                assertThatThrownBy(() -> map.get(bytes("k"), arena.allocate(2)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("valueLength=4");
                assertThatThrownBy(map::longKeys).isInstanceOf(IllegalStateException.class);
            }
        }
        assertThatThrownBy(() -> MapSpec.of(0, 8, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MapSpec(10, 8, 8, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namedFactoriesFollowTheFileMappingRules() throws Exception {
        String name = TestNames.unique("map");
        MapSpec spec = MapSpec.of(100, 8, 8);
        assertThatThrownBy(() -> SharedMap.open(name)).isInstanceOf(NoSuchFileException.class);
        try (SharedMap a = SharedMap.openOrCreate(name, spec);
             SharedMap b = SharedMap.openOrCreate(name, spec)) {
            assertThat(a.created()).isTrue();
            assertThat(b.created()).isFalse();
            assertThatThrownBy(() -> SharedMap.create(name, spec)).isInstanceOf(FileAlreadyExistsException.class);
            assertThatThrownBy(() -> SharedMap.openOrCreate(name, MapSpec.of(200, 8, 8)))
                    .isInstanceOf(MapFormatException.class).hasMessageContaining("another spec");
            a.strings().put("x", "y");
            assertThat(b.strings().get("x")).contains("y");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void openOfSomethingElseIsATypedError() throws Exception {
        String name = TestNames.unique("notmap");
        try (SharedMemory shm = SharedMemory.create(name, 4096);
             var view = shm.map()) {
            view.segment().set(ValueLayout.JAVA_LONG, 0, 0x1234L);
            // A named object with foreign bytes is a segment: another kind, refused before its header is read.
            assertThatThrownBy(() -> SharedMap.open(name)).isInstanceOf(WrongObjectKindException.class)
                    .hasMessageContaining("found=segment").hasMessageContaining("expected=map");
            // The same bytes in caller memory have no kind: the map's own header check says why.
            assertThatThrownBy(() -> SharedMap.open(view.segment())).isInstanceOf(MapFormatException.class)
                    .hasMessageContaining("bad magic");
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Creates a named map's object, writes only its creator identity, and waits to be killed. */
    public static final class CreateAndHang {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.create(args[0], 4096);
                 var view = shm.map()) {
                MapBlock.LONG.setRelease(view.segment(), MapLayout.CREATOR_OFFSET,
                        org.shm4j.internal.ProcessIdentity.current().word());
                System.out.println("HALF");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    @Test
    void openGivesUpOnAMapWhoseCreatorDiedHalfWay() throws Exception {
        String name = TestNames.unique("half");
        try (ChildJvm child = ChildJvm.start(CreateAndHang.class, name)) {
            child.awaitOutput("HALF", Duration.ofSeconds(30));
            assertThatThrownBy(() -> SharedMap.open(name, MapOption.openTimeout(Duration.ofMillis(200))))
                    .isInstanceOf(MapFormatException.class).hasMessageContaining("half-built");
            child.kill();
            assertThatThrownBy(() -> SharedMap.open(name)).isInstanceOf(MapFormatException.class)
                    .hasMessageContaining("creator died");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void placedMapsRefuseToBuildOverAnotherMapOrDirtyMemory() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = MapSpec.of(16, 8, 8);
            MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
            try (SharedMap map = SharedMap.openOrCreate(mem, spec);
                 SharedMap again = SharedMap.openOrCreate(mem, spec);
                 SharedMap opened = SharedMap.open(mem)) {
                assertThat(map.created()).isTrue();
                assertThat(again.created()).isFalse();
                assertThat(opened.capacity()).isEqualTo(map.capacity());
                assertThatThrownBy(() -> SharedMap.create(mem, spec)).isInstanceOf(FileAlreadyExistsException.class);
            }
            MemorySegment dirty = arena.allocate(SharedMap.requiredBytes(spec), 64);
            dirty.set(ValueLayout.JAVA_LONG, 0, 5);
            assertThatThrownBy(() -> SharedMap.create(dirty, spec)).isInstanceOf(MapFormatException.class)
                    .hasMessageContaining("not zeroed");
            assertThatThrownBy(() -> SharedMap.create(arena.allocate(64, 64), spec))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too small");
        }
    }

    /** Increments the 8-byte counters of keys 0..7 in place, {@code args[1]} times in all. */
    public static final class Incrementer {
        public static void main(String[] args) throws Exception {
            try (SharedMap map = SharedMap.open(args[0])) {
                LongKeyMap longs = map.longKeys();
                int count = Integer.parseInt(args[1]);
                for (int i = 0; i < count; i++) {
                    if (!longs.computeIfPresent(i & 7, v -> v.set(ValueLayout.JAVA_LONG_UNALIGNED, 0,
                            v.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + 1))) {
                        System.exit(3);
                    }
                }
            }
        }
    }

    /** Three processes update the same keys at once through the stripe locks: no update is lost. */
    @Test
    @Timeout(120)
    void writersInSeveralProcessesLoseNoUpdate() throws Exception {
        String name = TestNames.unique("mapprocs");
        try (SharedMap map = SharedMap.create(name, new MapSpec(64, 8, 8, 2))) {
            LongKeyMap longs = map.longKeys();
            for (long k = 0; k < 8; k++) {
                longs.put(k, MemorySegment.ofArray(new long[1]));
            }
            List<ChildJvm> children = new ArrayList<>();
            try {
                for (int c = 0; c < 3; c++) {
                    children.add(ChildJvm.start(Incrementer.class, name, "3000"));
                }
                for (ChildJvm child : children) {
                    child.assertExitCode(0, Duration.ofSeconds(90));
                }
            } finally {
                children.forEach(ChildJvm::close);
            }
            long total = 0;
            for (long k = 0; k < 8; k++) {
                Long v = longs.read(k, s -> s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                total += v;
            }
            assertThat(total).isEqualTo(3 * 3000);
            assertThat(map.check().entries()).isEqualTo(8);
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Virtual threads writing the same stripes wait for each other under the sync rules; nothing is lost. */
    @Test
    void virtualThreadWritersContendWithoutLosingUpdates() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = new MapSpec(64, 8, 8, 2);
            MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
            try (SharedMap map = SharedMap.create(mem, spec);
                 var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                LongKeyMap longs = map.longKeys();
                for (long k = 0; k < 4; k++) {
                    longs.put(k, MemorySegment.ofArray(new long[1]));
                }
                List<java.util.concurrent.Future<?>> tasks = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    tasks.add(executor.submit(() -> {
                        for (int i = 0; i < 500; i++) {
                            longs.computeIfPresent(i & 3, v -> v.set(ValueLayout.JAVA_LONG_UNALIGNED, 0,
                                    v.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + 1));
                        }
                        return null;
                    }));
                }
                for (var task : tasks) {
                    task.get(50, java.util.concurrent.TimeUnit.SECONDS);
                }
                long total = 0;
                for (long k = 0; k < 4; k++) {
                    Long v = longs.read(k, s -> s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                    total += v;
                }
                assertThat(total).isEqualTo(16 * 500);
                assertThat(map.check().consistent()).isTrue();
            }
        }
    }

    /**
     * A zero-copy reader during whose run the value is replaced twice (its slot freed and reused
     * for the newer value): the run that saw a mix is discarded, and the reader runs again.
     */
    @Test
    void aReaderThatRacesAWriterRunsAgainAndNeverReturnsAMix() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = new MapSpec(4, 8, 64, 1);
            MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
            try (SharedMap map = SharedMap.create(mem, spec)) {
                LongKeyMap longs = map.longKeys();
                longs.put(1, filled(1));
                int[] runs = {0};
                long[] seen = longs.read(1, v -> {
                    long first = v.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                    if (runs[0]++ == 0) {
                        try {
                            longs.put(1, filled(2));
                            longs.put(1, filled(3));
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                    return new long[] {first, v.get(ValueLayout.JAVA_LONG_UNALIGNED, 56)};
                });
                assertThat(runs[0]).isEqualTo(2);
                assertThat(seen).containsExactly(0x0303030303030303L, 0x0303030303030303L);
            }
        }
    }

    private static MemorySegment filled(int b) {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        s.fill((byte) b);
        return s;
    }

    private static final int SIZE = 8192;

    /**
     * Lock-free readers racing writers that rewrite whole values: never a mix of two values. One
     * stripe and long values, so a slot a reader is copying is often freed and reused meanwhile.
     */
    @Test
    void readersNeverSeeATornValue() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MapSpec spec = new MapSpec(16, 8, SIZE, 1);
            MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
            try (SharedMap map = SharedMap.create(mem, spec)) {
                LongKeyMap longs = map.longKeys();
                MemorySegment v0 = MemorySegment.ofArray(new byte[SIZE]);
                for (long k = 0; k < 4; k++) {
                    longs.put(k, v0);
                }
                AtomicReference<Throwable> failure = new AtomicReference<>();
                long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                List<Thread> threads = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int id = w;
                    threads.add(Thread.ofPlatform().start(() -> {
                        MemorySegment v = MemorySegment.ofArray(new byte[SIZE]);
                        try {
                            for (int i = 0; System.nanoTime() < end; i++) {
                                v.fill((byte) (i * 2 + id));
                                longs.put(i & 3, v);
                            }
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }));
                }
                for (int r = 0; r < 2; r++) {
                    threads.add(Thread.ofPlatform().start(() -> {
                        MemorySegment into = MemorySegment.ofArray(new byte[SIZE]);
                        try {
                            for (int i = 0; System.nanoTime() < end; i++) {
                                assertThat(longs.get(i & 3, into)).isEqualTo(SIZE);
                                long first = into.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                                for (int j = 8; j < SIZE; j += 8) {
                                    if (into.get(ValueLayout.JAVA_LONG_UNALIGNED, j) != first) {
                                        throw new AssertionError("torn value at byte " + j);
                                    }
                                }
                                Boolean same = longs.read(i & 3, s -> {
                                    long f = s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                                    for (int j = 8; j < SIZE; j += 8) {
                                        if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, j) != f) {
                                            return false;
                                        }
                                    }
                                    return true;
                                });
                                assertThat(same).isTrue();
                                if ((i & 63) == 0) {
                                    int entries = 0;
                                    for (SharedMap.Entry e : map) {
                                        entries++;
                                        long f = e.value().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                                        for (int j = 8; j < SIZE; j += 8) {
                                            if (e.value().get(ValueLayout.JAVA_LONG_UNALIGNED, j) != f) {
                                                throw new AssertionError("torn entry in iteration at byte " + j);
                                            }
                                        }
                                    }
                                    assertThat(entries).isEqualTo(4);
                                }
                            }
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                assertThat(failure.get()).isNull();
                assertThat(map.check().consistent()).isTrue();
            }
        }
    }
}
