package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.shm4j.SharedMemory;
import org.shm4j.WrongObjectKindException;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Values another process wrote into a ring's shared memory are validated before use: corrupt
 * headers and records give {@link RingFormatException} or {@link RingCorruptedException}, never an
 * out-of-bounds access, a hang, or a delivery of garbage.
 */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class RingHostileInputTest {
    private static final long D = RingLayout.DATA_OFFSET;
    private static final int CAP = 1024;

    private static void putLong(MemorySegment s, long offset, long value) {
        s.set(ValueLayout.JAVA_LONG, offset, value);
    }

    private static void putInt(MemorySegment s, long offset, int value) {
        s.set(ValueLayout.JAVA_INT, offset, value);
    }

    @Test
    void attachRejectsForeignAndInconsistentHeadersWithTypedErrors() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SpscRing.requiredBytes(CAP), 64);
            SpscRing.create(s, CAP).close();
            record Case(long offset, long value, boolean isInt, String message) {}
            Case[] cases = {
                new Case(RingLayout.MAGIC_OFFSET, 0x1234, false, "bad magic"),
                new Case(RingLayout.VERSION_OFFSET, 2, true, "unsupported ring layout version"),
                new Case(RingLayout.TYPE_OFFSET, 9, true, "unknown ring type"),
                new Case(RingLayout.TYPE_OFFSET, 2, true, "ring has another type"),
                new Case(RingLayout.CAPACITY_OFFSET, 1000, false, "invalid ring capacity"),
                new Case(RingLayout.CAPACITY_OFFSET, -1024, false, "invalid ring capacity"),
                new Case(RingLayout.CAPACITY_OFFSET, 2048, false, "inconsistent ring header"),
                new Case(RingLayout.CAPACITY_OFFSET, 1L << 62, false, "invalid ring capacity"),
                new Case(RingLayout.MAX_PAYLOAD_OFFSET, 1 << 20, true, "inconsistent ring header"),
                new Case(RingLayout.DATA_OFFSET_OFFSET, 64, false, "inconsistent ring header"),
                new Case(RingLayout.RECORD_HEADER_LENGTH_OFFSET, 8, true, "inconsistent ring header"),
                new Case(RingLayout.START_POSITION_OFFSET, 3, false, "misaligned start position"),
            };
            MemorySegment pristine = arena.allocate(s.byteSize(), 64).copyFrom(s);
            for (Case c : cases) {
                s.copyFrom(pristine);
                if (c.isInt()) {
                    putInt(s, c.offset(), (int) c.value());
                } else {
                    putLong(s, c.offset(), c.value());
                }
                if (c.offset() == RingLayout.CAPACITY_OFFSET && c.value() == 2048) {
                    putInt(s, RingLayout.MAX_PAYLOAD_OFFSET, RingLayout.maxPayload(RingType.SPSC, 2048));
                    assertThatThrownBy(() -> SpscRing.open(s)).as(c.toString())
                            .isInstanceOf(RingFormatException.class).hasMessageContaining("segment smaller than the ring");
                    continue;
                }
                assertThatThrownBy(() -> SpscRing.open(s)).as(c.toString())
                        .isInstanceOf(RingFormatException.class).hasMessageContaining(c.message());
            }
            assertThatThrownBy(() -> SpscRing.open(s.asSlice(0, 100))).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("segment too small");
            s.copyFrom(pristine);
            putLong(s, RingLayout.MAGIC_OFFSET, 0);
            assertThatThrownBy(() -> SpscRing.open(s)).isInstanceOf(RingNotInitializedException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"negative length", "oversized length", "crosses end", "negative type", "unknown state",
            "padding at start", "header in last 8 bytes"})
    void corruptRecordHeadersGiveATypedErrorAndAreNeverDelivered(String corruption) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SpscRing.requiredBytes(CAP), 64);
            long start = switch (corruption) {
                case "crosses end" -> CAP - 64;
                case "header in last 8 bytes" -> CAP - 8;
                default -> 0;
            };
            try (SpscRing ring = SpscRing.create(s, CAP, RingOption.startPosition(start))) {
                RingConsumer consumer = ring.consumer();
                long at = D + (start & (CAP - 1));
                long word0 = start | RingLayout.COMMITTED;
                long word1 = RingLayout.lengthAndType(8, 1);
                switch (corruption) {
                    case "negative length" -> word1 = RingLayout.lengthAndType(-8, 1);
                    case "oversized length" -> word1 = RingLayout.lengthAndType(CAP, 1);
                    case "crosses end" -> word1 = RingLayout.lengthAndType(100, 1);
                    case "negative type" -> word1 = RingLayout.lengthAndType(8, -5);
                    case "unknown state" -> word0 = start | 6;
                    case "padding at start" -> word0 = start | RingLayout.PADDING;
                    default -> { }
                }
                if (!corruption.equals("header in last 8 bytes")) {
                    putLong(s, at + 8, word1);
                }
                putLong(s, RingLayout.TAIL_OFFSET, start + 128);
                putLong(s, at, word0);
                int[] delivered = {0};
                assertThatThrownBy(() -> consumer.poll((t, p) -> delivered[0]++))
                        .isInstanceOf(RingCorruptedException.class).hasMessageContaining("ring corrupted");
                assertThat(delivered[0]).isZero();
            }
        }
    }

    @Test
    void positionsThatMoveBackwardsOrJumpBeyondTheCapacityAreCorruption() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SpscRing.requiredBytes(CAP), 64);
            try (SpscRing ring = SpscRing.create(s, CAP)) {
                RingProducer producer = ring.producer();
                MemorySegment payload = arena.allocate(100);
                for (int i = 0; i < 8; i++) {
                    producer.offer(1, payload);
                }
                // Head ahead of the tail: the producer, short of space, re-reads head and refuses it.
                putLong(s, RingLayout.HEAD_OFFSET, 1L << 40);
                assertThatThrownBy(() -> producer.offer(1, payload)).isInstanceOf(RingCorruptedException.class)
                        .hasMessageContaining("head is ahead of tail");
                putLong(s, RingLayout.HEAD_OFFSET, -4096);
                assertThatThrownBy(() -> producer.offer(1, payload)).isInstanceOf(RingCorruptedException.class)
                        .hasMessageContaining("more than the capacity");
                assertThatThrownBy(ring::consumer).isInstanceOf(RingCorruptedException.class);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(MpscRing.requiredBytes(CAP), 64);
            try (MpscRing ring = MpscRing.create(s, CAP)) {
                RingConsumer consumer = ring.consumer(WaitStrategy.busySpin(), Duration.ofSeconds(30));
                putLong(s, RingLayout.TAIL_OFFSET, -64);
                // An empty poll looks at the tail once per 1024 (it is the producer's cache line).
                for (int i = 0; i < 4096; i++) {
                    try {
                        consumer.poll((t, p) -> { });
                    } catch (RingCorruptedException expected) {
                        assertThat(expected).hasMessageContaining("tail inconsistent with head");
                        return;
                    }
                }
                throw new AssertionError("a tail behind the head was not reported");
            }
        }
    }

    /** Found by RingFuzzTest (mpsc): a misaligned tail made the producer write a misaligned record header. */
    @Test
    void aTailOffARecordBoundaryIsCorruptionForProducersAndForTheConsumersSkip() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(MpscRing.requiredBytes(CAP), 64);
            try (MpscRing ring = MpscRing.create(s, CAP)) {
                RingProducer producer = ring.producer();
                MemorySegment payload = arena.allocate(16);
                assertThat(producer.offer(1, payload)).isTrue();
                putLong(s, RingLayout.TAIL_OFFSET, 32 + 7);
                assertThatThrownBy(() -> producer.offer(1, payload)).isInstanceOf(RingCorruptedException.class)
                        .hasMessageStartingWith("ring corrupted: tail is not on a record boundary")
                        .hasMessageContaining("tail=39");
                assertThatThrownBy(() -> producer.tryClaim(1, 8)).isInstanceOf(RingCorruptedException.class);
                assertThatThrownBy(ring::producer).isInstanceOf(RingCorruptedException.class);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SpscRing.requiredBytes(CAP), 64);
            try (SpscRing ring = SpscRing.create(s, CAP)) {
                RingConsumer consumer = ring.consumer(WaitStrategy.busySpin(), Duration.ofMillis(1));
                // Space reserved up to an odd tail with no record header: the consumer, skipping the
                // gap once the skip timeout passes, would make the tail its head.
                putLong(s, RingLayout.TAIL_OFFSET, 44);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() - deadline < 0) {
                    try {
                        consumer.poll((t, p) -> { });
                    } catch (RingCorruptedException expected) {
                        assertThat(expected).hasMessageContaining("tail inconsistent with head")
                                .hasMessageContaining("tail=44");
                        return;
                    }
                }
                throw new AssertionError("a misaligned tail was not reported");
            }
        }
    }

    @Test
    void aBroadcastTailMovingBackwardsIsCorruption() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(BroadcastRing.requiredBytes(CAP), 64);
            try (BroadcastRing ring = BroadcastRing.create(s, CAP)) {
                BroadcastTransmitter tx = ring.transmitter();
                BroadcastReceiver rx = ring.receiver();
                tx.transmit(1, arena.allocate(16));
                assertThat(rx.poll((t, p) -> { })).isEqualTo(1);
                putLong(s, RingLayout.TAIL_OFFSET, 0);
                assertThatThrownBy(() -> rx.poll((t, p) -> { })).isInstanceOf(RingCorruptedException.class)
                        .hasMessageContaining("tail moved backwards");
            }
        }
    }

    /** Random garbage anywhere in the data region and the positions: typed errors only. */
    @ParameterizedTest
    @ValueSource(strings = {"SPSC", "MPSC", "BROADCAST"})
    void randomGarbageNeverCausesAnythingButTypedErrors(String typeName) throws Exception {
        RingType type = RingType.valueOf(typeName);
        SplittableRandom random = new SplittableRandom(7);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SpscRing.requiredBytes(CAP), 64);
            for (int round = 0; round < 2000; round++) {
                long start = random.nextLong() & -8L;
                RingOption at = RingOption.startPosition(start);
                AutoCloseable ring;
                Runnable poll;
                Runnable offer;
                if (type == RingType.BROADCAST) {
                    BroadcastRing b = BroadcastRing.create(s, CAP, at);
                    BroadcastTransmitter tx = b.transmitter();
                    BroadcastReceiver rx = b.receiver();
                    ring = b;
                    poll = () -> rx.poll((t, p) -> Payloads.check(p), 100);
                    offer = () -> tx.transmit(1, Payloads.build(arena, 1, 1, 40));
                } else {
                    MessageRing m = type == RingType.SPSC ? SpscRing.create(s, CAP, at) : MpscRing.create(s, CAP, at);
                    RingProducer producer = m.producer();
                    RingConsumer consumer = m.consumer(WaitStrategy.busySpin(), Duration.ZERO);
                    ring = m;
                    poll = () -> consumer.poll((t, p) -> Payloads.check(p), 100);
                    offer = () -> producer.offer(1, Payloads.build(arena, 1, 1, 40));
                }
                try (ring) {
                    for (int i = 0; i < random.nextInt(20); i++) {
                        offer.run();
                    }
                    // Plausible-looking garbage: valid tags for nearby positions, random states and lengths.
                    for (int i = 0; i < 8; i++) {
                        long pos = start + 8L * random.nextInt(CAP / 4);
                        long word = random.nextBoolean() ? (pos | random.nextInt(8)) : random.nextLong();
                        putLong(s, D + (pos & (CAP - 1)), word);
                        long off = D + (pos & (CAP - 1)) + 8;
                        if (off + 8 <= D + CAP) {
                            putLong(s, off, random.nextBoolean() ? random.nextLong()
                                    : RingLayout.lengthAndType(random.nextInt(-64, CAP), random.nextInt(-2, 3)));
                        }
                    }
                    if (random.nextInt(4) == 0) {
                        putLong(s, random.nextBoolean() ? RingLayout.TAIL_OFFSET : RingLayout.HEAD_OFFSET,
                                start + 8L * random.nextInt(-CAP, 4 * CAP));
                    }
                    for (int i = 0; i < 20; i++) {
                        try {
                            poll.run();
                            offer.run();
                        } catch (RingCorruptedException | AssertionError expected) {
                            // A typed error, or garbage that passed every check and then failed the
                            // payload CRC: both are fine. Anything else fails the test.
                        }
                    }
                }
            }
        }
    }

    @Test
    void openingAHalfBuiltRingFailsFastWhenItsCreatorIsDeadAndAfterTheTimeoutOtherwise() throws Exception {
        String name = TestNames.unique("halfbuilt");
        try (SharedMemory shm = SharedMemory.create(name, SpscRing.requiredBytes(CAP));
             var view = shm.map()) {
            // No magic; the creator word names a process that does not exist.
            putLong(view.segment(), RingLayout.CREATOR_OFFSET, RingPeer.pack((1L << 22) - 1, 12345));
            long begin = System.nanoTime();
            assertThatThrownBy(() -> SpscRing.open(name)).isInstanceOf(RingNotInitializedException.class)
                    .hasMessageContaining("creator died");
            assertThat(System.nanoTime() - begin).isLessThan(Duration.ofSeconds(1).toNanos());
            // A live creator that never finishes: the open timeout bounds the wait.
            putLong(view.segment(), RingLayout.CREATOR_OFFSET, RingPeer.currentIdentity());
            begin = System.nanoTime();
            assertThatThrownBy(() -> SpscRing.open(name, RingOption.openTimeout(Duration.ofMillis(200))))
                    .isInstanceOf(RingNotInitializedException.class).hasMessageContaining("open timeout");
            assertThat(System.nanoTime() - begin).isBetween(Duration.ofMillis(190).toNanos(), Duration.ofSeconds(5).toNanos());
            // Finished meanwhile: an opener waiting within its timeout gets the ring.
            SpscRing.create(view.segment(), CAP).close();
            try (SpscRing ring = SpscRing.open(name)) {
                assertThat(ring.capacityBytes()).isEqualTo(CAP);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aPlainSegmentTooSmallForARingIsRefusedAtOnceAsAnotherKind() throws Exception {
        String name = TestNames.unique("tiny");
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            assertThat(shm.byteSize()).isEqualTo(4096);
            long begin = System.nanoTime();
            assertThatThrownBy(() -> SpscRing.open(name)).isInstanceOf(WrongObjectKindException.class)
                    .hasMessageContaining("found=segment");
            assertThat(System.nanoTime() - begin).isLessThan(Duration.ofSeconds(1).toNanos());
        } finally {
            SharedMemory.remove(name);
        }
    }
}
