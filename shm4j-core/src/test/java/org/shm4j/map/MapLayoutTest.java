package org.shm4j.map;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The numbers the package documentation, the C header and the Python reader repeat. */
class MapLayoutTest {
    @Test
    void headerOffsetsAreThePublishedOnes() {
        assertThat(MapLayout.HEADER_BYTES).isEqualTo(0x80);
        assertThat(MapLayout.MAGIC_OFFSET).isEqualTo(0x00);
        assertThat(MapLayout.VERSION_OFFSET).isEqualTo(0x08);
        assertThat(MapLayout.CREATOR_OFFSET).isEqualTo(0x10);
        assertThat(MapLayout.STRIPES_OFFSET).isEqualTo(0x18);
        assertThat(MapLayout.BUCKETS_PER_STRIPE_OFFSET).isEqualTo(0x1C);
        assertThat(MapLayout.SLOTS_PER_STRIPE_OFFSET).isEqualTo(0x20);
        assertThat(MapLayout.ENTRIES_PER_STRIPE_OFFSET).isEqualTo(0x24);
        assertThat(MapLayout.MAX_KEY_BYTES_OFFSET).isEqualTo(0x28);
        assertThat(MapLayout.MAX_VALUE_BYTES_OFFSET).isEqualTo(0x2C);
        assertThat(MapLayout.SLOT_BYTES_OFFSET).isEqualTo(0x30);
        assertThat(MapLayout.STRIPE_BYTES_OFFSET).isEqualTo(0x38);
        assertThat(MapLayout.STRIPES_AT_OFFSET).isEqualTo(0x40);
        assertThat(MapLayout.TOTAL_BYTES_OFFSET).isEqualTo(0x48);
        assertThat(MapLayout.HASH_SEED_OFFSET).isEqualTo(0x50);
        assertThat(MapLayout.REQUESTED_ENTRIES_OFFSET).isEqualTo(0x58);
    }

    @Test
    void stripeAndSlotOffsetsAreThePublishedOnes() {
        assertThat(MapLayout.STRIPE_HEADER_BYTES).isEqualTo(0x80);
        assertThat(MapLayout.STRIPE_SIZE_OFFSET).isEqualTo(0x40);
        assertThat(MapLayout.STRIPE_FREE_COUNT_OFFSET).isEqualTo(0x44);
        assertThat(MapLayout.STRIPE_TOMBSTONES_OFFSET).isEqualTo(0x48);
        assertThat(MapLayout.STRIPE_WRITES_OFFSET).isEqualTo(0x50);
        assertThat(MapLayout.FREE_STACK_OFFSET).isEqualTo(0x80);
        assertThat(MapLayout.SLOT_KEY_LENGTH_OFFSET).isEqualTo(8);
        assertThat(MapLayout.SLOT_VALUE_LENGTH_OFFSET).isEqualTo(12);
        assertThat(MapLayout.SLOT_KEY_OFFSET).isEqualTo(16);
        assertThat(MapLayout.slotBytes(8, 64)).isEqualTo(16 + 8 + 64);
        assertThat(MapLayout.slotBytes(5, 3)).isEqualTo(16 + 8 + 8);
        assertThat(MapLayout.bucketsOffset(33)).isEqualTo(0x80 + 192);
        assertThat(MapLayout.slotsOffset(33, 128)).isEqualTo(0x80 + 192 + 1024);
    }

    @Test
    void magicSpellsItsName() {
        MemorySegment m = MemorySegment.ofArray(new byte[8]);
        m.set(MapLayout.U64, 0, MapLayout.MAGIC);
        assertThat(new String(m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII))
                .isEqualTo("SHM4JMAP");
    }

    /** Fixed vectors: the C header and the Python reader are tested against the same numbers. */
    @Test
    void hashMatchesItsVectors() {
        assertThat(MapLayout.hashLong(42, 0)).isEqualTo(MapLayout.hash(key8(42), 0, 8, 0));
        assertThat(MapLayout.hashLong(-7, 99)).isEqualTo(MapLayout.hash(key8(-7), 0, 8, 99));
        assertThat(Long.toHexString(MapLayout.hash(ascii("EURUSD"), 0, 6, 0x1234))).isEqualTo(HASH_EURUSD);
        assertThat(Long.toHexString(MapLayout.hashLong(42, 0))).isEqualTo(HASH_42);
    }

    static final String HASH_EURUSD = "a035fc0c4a812440";
    static final String HASH_42 = "271835e53c33de8";

    private static MemorySegment key8(long k) {
        MemorySegment s = MemorySegment.ofArray(new byte[8]);
        s.set(MapLayout.U64, 0, k);
        return s;
    }

    private static MemorySegment ascii(String s) {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.US_ASCII));
    }
}
