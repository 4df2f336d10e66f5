package org.shm4j.fuzz;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import org.shm4j.map.MapOption;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;

/**
 * A shared map a hostile process rewrote. A real map is built in native memory through the public
 * API ({@link SharedMap#create(MemorySegment, MapSpec, MapOption...)}) and filled (some keys removed,
 * so there are tombstones; some stripes left locked by a dead holder: the stripe mutex's state word
 * names a PID no process has, as a writer killed mid-write leaves it). Then the fuzzer's bytes
 * overwrite words of the header, of the stripes' counters, free-slot stacks, buckets and slots
 * (versions, key and value lengths), and of the stripe mutexes, found through the published layout
 * (version 1, {@code org.shm4j.map} package documentation). Then the handle open before the overwrite
 * and one opened after it ({@code open(segment)}) run every read and write path: get, get into a
 * buffer, zero-copy read, containsKey, put, putIfAbsent, replace, compare-and-set replace, remove,
 * computeIfPresent, size, iteration, {@code check()}, {@code stats()}, and the {@code long} and
 * {@code String} views. Each ends in a result or a typed exception ({@code MapCorruptedException},
 * {@code MapFormatException}, {@code MapFullException}, {@code SyncException}...).
 *
 * <p>Writes wait for a live stripe holder as {@code SharedMutex.lock()} does, without a timeout; so
 * when an overwrite made a stripe's lock word name a live process (this one, or any other), the
 * target does not write through that handle: waiting there is the map's contract, not a finding.
 */
class MapFuzzTest {
    private static final Duration OPEN = Duration.ofMillis(5);
    /** A PID no process has now, for a dead stripe holder. */
    private static final int DEAD_PID = deadPid();

    private static int deadPid() {
        for (int pid = 4_000_000; pid > 1000; pid--) {
            if (!Files.exists(Path.of("/proc", Integer.toString(pid))) && ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
        throw new IllegalStateException("no free PID found");
    }

    @FuzzTest(maxDuration = "5m")
    void map(FuzzedDataProvider data) {
        Hostile.bounded(() -> {
            try (Arena arena = Arena.ofConfined()) {
                int maxKey = data.pickValue(new int[] {4, 8, 16});
                int maxValue = data.consumeInt(0, 24);
                MapSpec spec = new MapSpec(data.consumeInt(1, 48), maxKey, maxValue, 1 << data.consumeInt(0, 2));
                MemorySegment mem = arena.allocate(SharedMap.requiredBytes(spec), 64);
                SharedMap before = SharedMap.create(mem, spec);
                fill(data, before);
                Layout layout = Layout.of(mem);
                for (int s = 0; s < layout.stripes; s++) {
                    if (data.consumeInt(0, 3) == 0) {
                        // As a writer killed while it held the stripe: its PID in the lock word.
                        mem.set(JAVA_INT, layout.stripe(s) + 0x20, DEAD_PID);
                        mem.set(JAVA_LONG, layout.stripe(s) + 0x30, 0L);
                    }
                }
                overwrite(data, mem, layout);
                if (data.consumeBoolean()) {
                    // Sometimes the memory is shorter than the header says (never shorter than a
                    // header: a segment that cannot hold one is the caller's argument error,
                    // IllegalArgumentException, not hostile memory).
                    mem = mem.asSlice(0, data.consumeLong(128, mem.byteSize()));
                }
                use(data, before, layout);
                MemorySegment at = mem;
                SharedMap after = Hostile.typed(() -> SharedMap.open(at, MapOption.openTimeout(OPEN)));
                if (after != null) {
                    use(data, after, Layout.of(after.segment()));
                    after.close();
                }
                before.close();
            }
        });
    }

    /** Where the parts of a map are, read from its (still valid) header. */
    private record Layout(int stripes, int buckets, int slots, long slotBytes, long stripeBytes, long stripesOffset) {
        static Layout of(MemorySegment mem) {
            return new Layout(mem.get(JAVA_INT, 0x18), mem.get(JAVA_INT, 0x1C), mem.get(JAVA_INT, 0x20),
                    mem.get(JAVA_INT, 0x30), mem.get(JAVA_LONG, 0x38), mem.get(JAVA_LONG, 0x40));
        }

        long stripe(int s) {
            return stripesOffset + s * stripeBytes;
        }

        long bucketsOffset() {
            return 0x80 + align64(4L * slots);
        }

        long slotsOffset() {
            return bucketsOffset() + align64(8L * buckets);
        }

        private static long align64(long n) {
            return (n + 63) & ~63L;
        }
    }

    private static void fill(FuzzedDataProvider data, SharedMap map) throws Exception {
        int n = data.consumeInt(0, (int) Math.min(map.capacity(), 40));
        for (int i = 0; i < n; i++) {
            int k = i;
            Hostile.typed(() -> map.put(key(map, k), value(map, k)));
        }
        int removed = data.consumeInt(0, n / 2 + 1);
        for (int i = 0; i < removed; i++) {
            int k = data.consumeInt(0, Math.max(0, n - 1));
            Hostile.typed(() -> map.remove(key(map, k)));
        }
    }

    /** Half of the writes in the header, the rest in one part of each chosen stripe. */
    private static void overwrite(FuzzedDataProvider data, MemorySegment mem, Layout l) {
        Hostile.overwrite(data, mem.asSlice(0, 128), 128, 3);
        int parts = data.consumeInt(0, 4);
        for (int p = 0; p < parts; p++) {
            long base = l.stripe(data.consumeInt(0, l.stripes - 1));
            MemorySegment part = switch (data.consumeInt(0, 4)) {
                case 0 -> mem.asSlice(base, 0x80); // mutex, size, freeCount, tombstones, writes
                case 1 -> mem.asSlice(base + 0x80, 4L * l.slots); // free-slot stack
                case 2 -> mem.asSlice(base + l.bucketsOffset(), 8L * l.buckets);
                case 3 -> mem.asSlice(base + l.slotsOffset(), l.slotBytes * l.slots); // versions, lengths, keys, values
                default -> mem.asSlice(base, l.stripeBytes);
            };
            Hostile.overwrite(data, part, data.consumeBoolean() ? 0x10 : part.byteSize(), 4);
        }
    }

    private static MemorySegment key(SharedMap map, int i) {
        int length = Math.max(1, Math.min(map.maxKeyBytes(), 8));
        MemorySegment k = MemorySegment.ofArray(new byte[length]);
        for (int b = 0; b < length; b++) {
            k.set(JAVA_BYTE, b, (byte) (i >>> (8 * Math.min(b, 3))));
        }
        return k;
    }

    private static MemorySegment value(SharedMap map, int i) {
        byte[] v = new byte[Math.min(map.maxValueBytes(), i % 25)];
        java.util.Arrays.fill(v, (byte) i);
        return MemorySegment.ofArray(v);
    }

    /** Every read and write path of one handle over the hostile memory. */
    private static void use(FuzzedDataProvider data, SharedMap map, Layout layout) throws Exception {
        boolean writable = !liveHolder(map, layout);
        int maxValue = map.maxValueBytes();
        MemorySegment into = maxValue <= 1 << 20 ? MemorySegment.ofArray(new byte[maxValue]) : null;
        int ops = data.consumeInt(1, 12);
        for (int o = 0; o < ops; o++) {
            int i = data.consumeInt(0, 48);
            MemorySegment k = key(map, i);
            MemorySegment v = value(map, data.consumeInt(0, 48));
            int op = data.consumeInt(0, 10);
            if (op >= 4 && op <= 9 && !writable) {
                op = 0;
            }
            switch (op) {
                case 0 -> Hostile.typed(() -> map.get(k).map(MemorySegment::byteSize));
                case 1 -> Hostile.typed(() -> into == null ? null : map.get(k, into));
                case 2 -> Hostile.typed(() -> map.read(k, MemorySegment::byteSize));
                case 3 -> Hostile.typed(() -> map.containsKey(k));
                case 4 -> Hostile.typed(() -> map.put(k, v));
                case 5 -> Hostile.typed(() -> map.putIfAbsent(k, v));
                case 6 -> Hostile.typed(() -> map.replace(k, v));
                case 7 -> Hostile.typed(() -> map.replace(k, value(map, i), v));
                case 8 -> Hostile.typed(() -> map.remove(k));
                case 9 -> Hostile.typed(() -> map.computeIfPresent(k, w -> {
                    if (w.byteSize() > 0) {
                        w.set(JAVA_BYTE, 0, (byte) (w.get(JAVA_BYTE, 0) + 1));
                    }
                }));
                default -> views(map, i, writable);
            }
        }
        Hostile.typed(map::size);
        Hostile.typed(map::isEmpty);
        Hostile.typed(() -> {
            Iterator<SharedMap.Entry> it = map.iterator();
            for (int n = 0; it.hasNext() && n < 10_000; n++) {
                it.next();
            }
            return null;
        });
        Hostile.typed(() -> map.stats().toString());
        if (writable) {
            Hostile.typed(() -> map.check().toString());
        }
        map.toString();
    }

    private static void views(SharedMap map, int i, boolean writable) throws Exception {
        if (map.maxKeyBytes() >= 8) {
            var longs = map.longKeys();
            Hostile.typed(() -> longs.get(i));
            Hostile.typed(() -> longs.containsKey(i));
            Hostile.typed(() -> longs.read(i, MemorySegment::byteSize));
            if (map.maxValueBytes() <= 1 << 20) {
                Hostile.typed(() -> longs.get(i, MemorySegment.ofArray(new byte[map.maxValueBytes()])));
            }
            if (writable) {
                Hostile.typed(() -> longs.put(i, value(map, i)));
                Hostile.typed(() -> longs.remove(i + 1));
            }
        }
        var strings = map.strings();
        String key = Integer.toString(i % 10);
        String value = "v".repeat(Math.min(map.maxValueBytes(), i % 5));
        Hostile.typed(() -> strings.get(key).map(s -> s.getBytes(StandardCharsets.UTF_8).length));
        Hostile.typed(() -> strings.containsKey(key));
        if (writable) {
            Hostile.typed(() -> strings.put(key, value));
            Hostile.typed(() -> strings.putIfAbsent(key, value));
            Hostile.typed(() -> strings.replace(key, value, value));
            Hostile.typed(() -> strings.remove(key));
        }
    }

    /**
     * Whether some stripe's lock word names a live process (this one included, whose threads the
     * map would wait for), read straight from the word at +0x20 of each stripe (by the layout the
     * handle uses): the handle's mutexes were opened before the overwrite, so a lock word behind an
     * overwritten mutex magic still counts.
     */
    private static boolean liveHolder(SharedMap map, Layout l) {
        MemorySegment mem = map.segment();
        for (int s = 0; s < map.stripes(); s++) {
            long word = l.stripe(s) + 0x20;
            if (word < 0 || word + 4 > mem.byteSize()) {
                continue;
            }
            long pid = mem.get(JAVA_INT, word) & 0x003F_FFFF;
            if (pid != 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return true;
            }
        }
        return false;
    }
}
