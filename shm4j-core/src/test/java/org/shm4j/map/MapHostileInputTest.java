package org.shm4j.map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A map whose memory another process corrupted: every index, length and count read from it is
 * checked before use, so the result is a typed error naming what was wrong, never an access out
 * of bounds, a value of the wrong length, or a probe that does not end.
 */
@Timeout(60)
class MapHostileInputTest {
    private static final MapSpec SPEC = new MapSpec(32, 8, 16, 2);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private static MemorySegment v(long x) {
        MemorySegment s = MemorySegment.ofArray(new byte[16]);
        s.set(LONG, 0, x);
        return s;
    }

    /** A map of 20 keys in fresh memory, and where its parts are. */
    private record Fixture(MemorySegment mem, SharedMap map, MapSpec.Geometry g) {
        long stripe(int s) {
            return g.stripesOffset() + s * g.stripeBytes();
        }

        long bucket(int s, int b) {
            return stripe(s) + g.bucketsOffset() + 8L * b;
        }

        long slot(int s, int slot) {
            return stripe(s) + g.slotsOffset() + (long) slot * g.slotBytes();
        }

        /** A bucket of stripe {@code s} that holds a live entry. */
        int liveBucket(int s) {
            for (int b = 0; b < g.bucketsPerStripe(); b++) {
                long w = mem.get(LONG, bucket(s, b));
                if (w != MapLayout.EMPTY && w != MapLayout.TOMBSTONE) {
                    return b;
                }
            }
            throw new AssertionError("no live bucket in stripe " + s);
        }
    }

    private static Fixture fixture(Arena arena) throws Exception {
        MemorySegment mem = arena.allocate(SharedMap.requiredBytes(SPEC), 64);
        SharedMap map = SharedMap.create(mem, SPEC);
        for (long k = 0; k < 20; k++) {
            map.longKeys().put(k, v(k));
        }
        return new Fixture(mem, map, SPEC.geometry());
    }

    /** Every key's get, put and remove: each either works or throws MapCorruptedException. */
    private static int exercise(SharedMap map) throws Exception {
        int corrupted = 0;
        MemorySegment into = MemorySegment.ofArray(new byte[16]);
        for (long k = 0; k < 24; k++) {
            long key = k;
            for (int op = 0; op < 4; op++) {
                try {
                    switch (op) {
                        case 0 -> {
                            long n = map.longKeys().get(key, into);
                            assertThat(n).isBetween(-1L, 16L);
                        }
                        case 1 -> map.longKeys().put(key, v(key + 100));
                        case 2 -> map.longKeys().computeIfPresent(key, s -> s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
                        default -> map.longKeys().remove(key);
                    }
                } catch (MapCorruptedException | MapFullException e) {
                    assertThat(e.getMessage()).contains("=");
                    corrupted++;
                }
            }
        }
        try {
            for (SharedMap.Entry e : map) {
                assertThat(e.key().byteSize()).isBetween(1L, 8L);
                assertThat(e.value().byteSize()).isBetween(0L, 16L);
            }
        } catch (MapCorruptedException e) {
            assertThat(e.getMessage()).contains("stripe=");
            corrupted++;
        }
        return corrupted;
    }

    @Test
    void aBucketNamingASlotOutOfRangeIsATypedError() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = fixture(arena);
            for (int s = 0; s < f.g.stripes(); s++) {
                int b = f.liveBucket(s);
                long w = f.mem.get(LONG, f.bucket(s, b));
                f.mem.set(LONG, f.bucket(s, b), (w & 0xFFFF_FFFF_0000_0000L) | 0x7FFF_FFF0L);
            }
            assertThat(exercise(f.map)).isPositive();
            assertThat(f.map.check().problems()).anyMatch(p -> p.contains("slot out of range"));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 9, 1 << 30})
    void aKeyLengthOutOfRangeIsATypedError(int keyLength) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = fixture(arena);
            for (int slot = 0; slot < f.g.slotsPerStripe(); slot++) {
                f.mem.set(INT, f.slot(0, slot) + MapLayout.SLOT_KEY_LENGTH_OFFSET, keyLength);
                f.mem.set(INT, f.slot(1, slot) + MapLayout.SLOT_VALUE_LENGTH_OFFSET, keyLength == 9 ? 17 : keyLength);
            }
            assertThat(exercise(f.map)).isPositive();
            assertThatThrownBy(() -> {
                for (long k = 0; k < 20; k++) {
                    f.map.longKeys().get(k, MemorySegment.ofArray(new byte[16]));
                }
            }).isInstanceOf(MapCorruptedException.class).hasMessageContaining("lengths out of range");
        }
    }

    @Test
    void probesEndWhenNoBucketIsEmpty() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = fixture(arena);
            for (int s = 0; s < f.g.stripes(); s++) {
                for (int b = 0; b < f.g.bucketsPerStripe(); b++) {
                    // Live words whose tag matches no key, naming a valid slot.
                    f.mem.set(LONG, f.bucket(s, b), (0x5A5A5A5AL << 32) | 1);
                }
            }
            MemorySegment into = MemorySegment.ofArray(new byte[16]);
            assertThat(f.map.longKeys().get(12345, into)).isEqualTo(-1);
            assertThat(f.map.longKeys().containsKey(7)).isFalse();
            assertThatThrownBy(() -> f.map.longKeys().put(12345, v(1))).isInstanceOf(MapCorruptedException.class)
                    .hasMessageContaining("no free bucket");
            for (int s = 0; s < f.g.stripes(); s++) {
                for (int b = 0; b < f.g.bucketsPerStripe(); b++) {
                    f.mem.set(LONG, f.bucket(s, b), MapLayout.TOMBSTONE);
                }
            }
            assertThat(f.map.longKeys().get(12345, into)).isEqualTo(-1);
        }
    }

    @Test
    void countsAndTheFreeStackAreCheckedBeforeUse() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = fixture(arena);
            f.mem.set(INT, f.stripe(0) + MapLayout.STRIPE_FREE_COUNT_OFFSET, 1 << 20);
            f.mem.set(INT, f.stripe(1) + MapLayout.STRIPE_FREE_COUNT_OFFSET, 1);
            f.mem.set(INT, f.stripe(1) + MapLayout.FREE_STACK_OFFSET, -5);
            assertThat(exercise(f.map)).isPositive();
            assertThat(f.map.check().problems()).isNotEmpty();
        }
    }

    @Test
    void aSlotThatStaysMidWriteEndsTheReadWithATypedError() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Fixture f = fixture(arena);
            int b = f.liveBucket(0);
            int slot = (int) f.mem.get(LONG, f.bucket(0, b)) - 1;
            f.mem.set(LONG, f.slot(0, slot), 7);
            long key = f.mem.get(LONG, f.slot(0, slot) + MapLayout.SLOT_KEY_OFFSET);
            // No writer holds the stripe, so the slot cannot be mid-write for a reason: the read says
            // so after a bounded spin (it used to retry for a whole second), naming slot and version.
            long started = System.nanoTime();
            assertThatThrownBy(() -> f.map.longKeys().get(key, MemorySegment.ofArray(new byte[16])))
                    .isInstanceOf(MapCorruptedException.class).hasMessageContaining("mid-write")
                    .hasMessageContaining("no writer holds its stripe").hasMessageContaining("slot=" + slot)
                    .hasMessageContaining("version=7");
            assertThat(System.nanoTime() - started).as("nanos to report a stuck slot").isLessThan(300_000_000L);
            MemorySegment keySegment = MemorySegment.ofArray(new long[] {key});
            assertThatThrownBy(() -> f.map.read(keySegment, v -> v.byteSize()))
                    .isInstanceOf(MapCorruptedException.class).hasMessageContaining("slot=" + slot);
            // The stripe is left as it was: the reader only looked under the lock.
            assertThat(f.map.check().problems()).anyMatch(p -> p.contains("bad slot"));
        }
    }

    @Test
    void openingASegmentTooShortForAHeaderIsAFormatError() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment tiny = arena.allocate(MapLayout.HEADER_BYTES - 8, 8);
            assertThatThrownBy(() -> SharedMap.open(tiny)).isInstanceOf(MapFormatException.class)
                    .hasMessageContaining("too small").hasMessageContaining("byteSize=" + (MapLayout.HEADER_BYTES - 8))
                    .hasMessageContaining("required=" + MapLayout.HEADER_BYTES);
            assertThatThrownBy(() -> SharedMap.open(MemorySegment.NULL)).isInstanceOf(MapFormatException.class)
                    .hasMessageContaining("byteSize=0");
        }
    }

    @Test
    void headerFieldsAreCheckedWhenOpening() throws Exception {
        long[] offsets = {MapLayout.VERSION_OFFSET, MapLayout.STRIPES_OFFSET, MapLayout.BUCKETS_PER_STRIPE_OFFSET,
                MapLayout.SLOTS_PER_STRIPE_OFFSET, MapLayout.ENTRIES_PER_STRIPE_OFFSET, MapLayout.MAX_KEY_BYTES_OFFSET,
                MapLayout.MAX_VALUE_BYTES_OFFSET, MapLayout.SLOT_BYTES_OFFSET, MapLayout.STRIPE_BYTES_OFFSET,
                MapLayout.STRIPES_AT_OFFSET, MapLayout.TOTAL_BYTES_OFFSET, MapLayout.REQUESTED_ENTRIES_OFFSET};
        try (Arena arena = Arena.ofShared()) {
            Fixture f = fixture(arena);
            for (long off : offsets) {
                // (maxKeyBytes 3 would describe the same geometry as 8: a valid header of another map.)
                for (int bad : new int[] {-1, 0, off == MapLayout.MAX_KEY_BYTES_OFFSET ? 100 : 3, 1 << 30}) {
                    int old = f.mem.get(INT, off);
                    if (old == bad) {
                        continue;
                    }
                    f.mem.set(INT, off, bad);
                    assertThatThrownBy(() -> SharedMap.open(f.mem)).as("offset %d = %d", off, bad)
                            .isInstanceOf(MapFormatException.class).hasMessageContaining("location=");
                    f.mem.set(INT, off, old);
                }
            }
            f.mem.set(LONG, MapLayout.MAGIC_OFFSET, 0x1234);
            assertThatThrownBy(() -> SharedMap.open(f.mem)).isInstanceOf(MapFormatException.class)
                    .hasMessageContaining("bad magic");
            MemorySegment small = f.mem.asSlice(0, f.g.totalBytes() - 8);
            f.mem.set(LONG, MapLayout.MAGIC_OFFSET, MapLayout.MAGIC);
            assertThatThrownBy(() -> SharedMap.open(small)).isInstanceOf(MapFormatException.class)
                    .hasMessageContaining("smaller than the map");
        }
    }

    /** Random words written over buckets, lengths, counts and the free stack, then every operation. */
    @Test
    void randomCorruptionGivesTypedErrorsOnly() throws Exception {
        Random rnd = new Random(42);
        for (int round = 0; round < 150; round++) {
            try (Arena arena = Arena.ofShared()) {
                Fixture f = fixture(arena);
                for (int n = 0; n < 1 + rnd.nextInt(6); n++) {
                    int s = rnd.nextInt(f.g.stripes());
                    switch (rnd.nextInt(5)) {
                        case 0 -> f.mem.set(LONG, f.bucket(s, rnd.nextInt(f.g.bucketsPerStripe())),
                                rnd.nextBoolean() ? rnd.nextLong() : ((long) rnd.nextInt() << 32) | rnd.nextInt(40));
                        case 1 -> f.mem.set(INT, f.slot(s, rnd.nextInt(f.g.slotsPerStripe()))
                                + (rnd.nextBoolean() ? MapLayout.SLOT_KEY_LENGTH_OFFSET : MapLayout.SLOT_VALUE_LENGTH_OFFSET),
                                rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(20));
                        case 2 -> f.mem.set(INT, f.stripe(s) + (rnd.nextBoolean() ? MapLayout.STRIPE_SIZE_OFFSET
                                : MapLayout.STRIPE_FREE_COUNT_OFFSET), rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(40));
                        case 3 -> f.mem.set(INT, f.stripe(s) + MapLayout.FREE_STACK_OFFSET
                                + 4L * rnd.nextInt(f.g.slotsPerStripe()), rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(40));
                        default -> f.mem.set(INT, f.stripe(s) + MapLayout.STRIPE_TOMBSTONES_OFFSET, rnd.nextInt());
                    }
                }
                exercise(f.map);
                f.map.check();
            }
        }
    }
}
