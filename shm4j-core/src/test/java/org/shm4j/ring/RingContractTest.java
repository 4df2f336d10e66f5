package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileAlreadyExistsException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.SharedMemory;
import org.shm4j.WrongObjectKindException;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** Behaviour every ring type shares, run over SPSC, MPSC and broadcast rings. */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class RingContractTest {

    /** A received record: type and a copy of the payload. */
    record Got(int typeId, byte[] payload) {}

    static List<Got> drain(RingKind.Link link) {
        List<Got> got = new ArrayList<>();
        while (link.receive((t, p) -> got.add(new Got(t, p.toArray(ValueLayout.JAVA_BYTE))), 1000) > 0) {
            // keep reading
        }
        return got;
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void deliversEveryRecordInOrderWithItsTypeAndPayloadAcrossManyWraps(RingKind kind) throws Exception {
        String name = TestNames.unique("contract");
        try (Arena arena = Arena.ofConfined();
             RingKind.Link link = kind.create(name, 4096, WaitStrategy.busySpin())) {
            SplittableRandom random = new SplittableRandom(42);
            for (long seq = 0; seq < 20_000; seq++) {
                int length = Payloads.MIN + random.nextInt(link.maxPayload() - Payloads.MIN + 1);
                MemorySegment payload = Payloads.build(arena, 9, seq, length);
                int typeId = (int) (seq % 1000);
                assertThat(link.send(typeId, payload)).isTrue();
                long expected = seq;
                int n = link.receive((t, p) -> {
                    assertThat(t).isEqualTo(typeId);
                    assertThat(p.byteSize()).isEqualTo(length);
                    Payloads.check(p);
                    assertThat(Payloads.sequence(p)).isEqualTo(expected);
                }, 10);
                assertThat(n).isEqualTo(1);
            }
            RingStats stats = link.stats();
            assertThat(stats.messagesWritten()).isEqualTo(20_000);
            assertThat(stats.tailPosition()).isGreaterThan(50 * 4096L);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void recordsThatEndExactlyAtTheEndOfTheRegionAndRecordsThatMustWrapRoundTrip(RingKind kind) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(SpscRing.requiredBytes(1024), 64);
            try (RingKind.Link link = kind.format(segment, 1024)) {
                int header = RingLayout.recordHeaderLength(kind == RingKind.BROADCAST ? RingType.BROADCAST : RingType.SPSC);
                // Fill 1024 bytes with four 256-byte records: the last ends exactly at the end.
                for (int lap = 0; lap < 3; lap++) {
                    for (int i = 0; i < 4; i++) {
                        assertThat(link.send(i, Payloads.build(arena, lap, i, 256 - header))).isTrue();
                        assertThat(drain(link)).singleElement().satisfies(g -> assertThat(g.typeId()).isNotNegative());
                    }
                }
                assertThat(link.stats().tailPosition() % 1024).isZero();
                // Four 248-byte records leave 32 bytes; a 104-byte record must wrap behind padding.
                for (int i = 0; i < 4; i++) {
                    assertThat(link.send(1, Payloads.build(arena, 1, i, 248 - header))).isTrue();
                }
                assertThat(drain(link)).hasSize(4);
                assertThat(link.send(2, Payloads.build(arena, 2, 2, 104 - header))).isTrue();
                List<Got> got = drain(link);
                assertThat(got).hasSize(1);
                assertThat(got.getFirst().typeId()).isEqualTo(2);
                Payloads.check(MemorySegment.ofArray(got.getFirst().payload()));
                assertThat(link.stats().tailPosition()).isEqualTo(3 * 1024 + 992 + 32 + 104);
                // A record that exactly fills the 8 bytes... cannot exist (16-byte header): an
                // 8-byte remainder is padding alone. Leave 8 bytes, then wrap.
                long tail = link.stats().tailPosition();
                long toEnd = 1024 - tail % 1024;
                for (long remaining = toEnd - 8; remaining > 0; ) {
                    long chunk = remaining > 480 ? 400 : remaining;
                    assertThat(link.send(3, Payloads.build(arena, 3, 3, (int) (chunk - header)))).isTrue();
                    remaining -= chunk;
                }
                assertThat(link.send(4, Payloads.build(arena, 4, 4, 64))).isTrue();
                assertThat(drain(link)).extracting(Got::typeId).containsExactly(3, 3, 3, 4);
                assertThat(link.stats().tailPosition() % 1024).isEqualTo(RingLayout.recordLength(64 + header - 16));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void maximumAndEmptyPayloadsRoundTripAndLargerOnesAreRejected(RingKind kind) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(SpscRing.requiredBytes(1 << 16), 64);
            try (RingKind.Link link = kind.format(segment, 1 << 16)) {
                int max = link.maxPayload();
                assertThat(max).isEqualTo((1 << 15) - (kind == RingKind.BROADCAST ? 24 : 16));
                for (int i = 0; i < 5; i++) {
                    assertThat(link.send(7, Payloads.build(arena, 1, i, max))).isTrue();
                    assertThat(drain(link)).singleElement().satisfies(g -> {
                        assertThat(g.payload()).hasSize(max);
                        Payloads.check(MemorySegment.ofArray(g.payload()));
                    });
                    assertThat(link.send(0, MemorySegment.NULL)).isTrue();
                    assertThat(drain(link)).singleElement().satisfies(g -> assertThat(g.payload()).isEmpty());
                }
                assertThatThrownBy(() -> link.send(1, arena.allocate(max + 1)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPayload=" + max);
                assertThatThrownBy(() -> link.send(-1, arena.allocate(8)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("typeId=-1");
                assertThat(drain(link)).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void positionsNear2To31And2To63WrapCorrectly(RingKind kind) throws Exception {
        long[] starts = {(1L << 31) - 512, (1L << 32) - 512, Long.MAX_VALUE - 7 - 512, -1024};
        for (long start : starts) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment segment = arena.allocate(SpscRing.requiredBytes(1024), 64);
                try (RingKind.Link link = kind.format(segment, 1024, RingOption.startPosition(start))) {
                    SplittableRandom random = new SplittableRandom(start);
                    long bytes = 0;
                    for (long seq = 0; seq < 200; seq++) {
                        int length = Payloads.MIN + random.nextInt(200);
                        bytes += length;
                        assertThat(link.send(1, Payloads.build(arena, 0, seq, length))).isTrue();
                        long expected = seq;
                        assertThat(link.receive((t, p) -> {
                            Payloads.check(p);
                            assertThat(Payloads.sequence(p)).isEqualTo(expected);
                        }, 10)).as("start=%d seq=%d", start, seq).isEqualTo(1);
                    }
                    RingStats stats = link.stats();
                    assertThat(stats.tailPosition() - start).isGreaterThan(1024 * 10);
                    assertThat(stats.payloadBytesWritten()).isEqualTo(bytes);
                    if (kind != RingKind.BROADCAST) {
                        assertThat(stats.lagBytes()).isZero();
                        assertThat(stats.messagesRead()).isEqualTo(200);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void namedRingsAreCreatedOnceAndOpenedByName(RingKind kind) throws Exception {
        String name = TestNames.unique("named");
        try (RingKind.Link link = kind.create(name, 1 << 12, WaitStrategy.busySpin())) {
            assertThatThrownBy(() -> kind.create(name, 1 << 12, WaitStrategy.busySpin()))
                    .isInstanceOf(FileAlreadyExistsException.class);
            switch (kind) {
                case SPSC -> {
                    try (SpscRing other = SpscRing.open(name)) {
                        assertThat(other.capacityBytes()).isEqualTo(1 << 12);
                        assertThat(MessageRing.open(name)).isInstanceOf(SpscRing.class).satisfies(MessageRing::close);
                    }
                    assertThatThrownBy(() -> MpscRing.open(name)).isInstanceOf(WrongObjectKindException.class)
                            .hasMessageContaining("name=" + name).hasMessageContaining("found=spsc-ring")
                            .hasMessageContaining("expected=mpsc-ring");
                }
                case MPSC -> {
                    try (MpscRing other = MpscRing.open(name)) {
                        assertThat(other.maxPayloadBytes()).isEqualTo(2048 - 16);
                    }
                    assertThatThrownBy(() -> BroadcastRing.open(name)).isInstanceOf(WrongObjectKindException.class);
                }
                case BROADCAST -> {
                    try (BroadcastRing other = BroadcastRing.open(name)) {
                        assertThat(other.maxPayloadBytes()).isEqualTo(2048 - 24);
                    }
                    assertThatThrownBy(() -> MessageRing.open(name)).isInstanceOf(WrongObjectKindException.class)
                            .hasMessageContaining("expected=spsc-ring|mpsc-ring");
                }
            }
            assertThat(link.send(3, MemorySegment.ofArray(new byte[] {1, 2, 3}))).isTrue();
            assertThat(drain(link)).singleElement().satisfies(g -> assertThat(g.payload()).containsExactly(1, 2, 3));
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void statsCountMessagesAndBytesAndNameTheProcesses(RingKind kind) throws Exception {
        String name = TestNames.unique("stats");
        try (RingKind.Link link = kind.create(name, 1 << 12, WaitStrategy.busySpin())) {
            for (int i = 0; i < 10; i++) {
                link.send(1, MemorySegment.ofArray(new byte[i]));
            }
            RingStats before = RingStats.read(name);
            assertThat(before.type().name()).isEqualTo(kind.name());
            assertThat(before.capacityBytes()).isEqualTo(1 << 12);
            assertThat(before.messagesWritten()).isEqualTo(10);
            assertThat(before.payloadBytesWritten()).isEqualTo(45);
            assertThat(before.creator()).get().satisfies(p -> {
                assertThat(p.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(p.alive()).isTrue();
            });
            assertThat(before.producers()).singleElement()
                    .satisfies(p -> assertThat(p.pid()).isEqualTo(ProcessHandle.current().pid()));
            assertThat(drain(link)).hasSize(10);
            RingStats after = RingStats.read(name);
            if (kind == RingKind.BROADCAST) {
                assertThat(after.consumer()).isEmpty();
                assertThat(after.messagesRead()).isZero();
            } else {
                assertThat(before.lagBytes()).isEqualTo(16 + 8 * 24 + 32);
                assertThat(after.messagesRead()).isEqualTo(10);
                assertThat(after.payloadBytesRead()).isEqualTo(45);
                assertThat(after.lagBytes()).isZero();
                assertThat(after.freeBytes()).isEqualTo(1 << 12);
                assertThat(after.consumer()).get().satisfies(p -> assertThat(p.alive()).isTrue());
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void aTimedReceiveReturnsZeroAfterItsTimeoutWhenNothingComes(RingKind kind) throws Exception {
        for (WaitStrategy wait : List.of(WaitStrategy.busySpin(), WaitStrategy.spinThenYield(10),
                WaitStrategy.blocking(10))) {
            String name = TestNames.unique("timeout");
            try (RingKind.Link link = kind.create(name, 1 << 12, wait)) {
                long begin = System.nanoTime();
                assertThat(link.receive((t, p) -> { }, 10, Duration.ofMillis(100))).isZero();
                long tookMillis = (System.nanoTime() - begin) / 1_000_000;
                assertThat(tookMillis).as("wait=%s", wait).isBetween(95L, 5_000L);
                link.send(1, MemorySegment.ofArray(new byte[4]));
                assertThat(link.receive((t, p) -> { }, 10, Duration.ofSeconds(5))).isEqualTo(1);
            } finally {
                SharedMemory.remove(name);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void aClosedRingRefusesFurtherUse(RingKind kind) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(SpscRing.requiredBytes(1024), 64);
            RingKind.Link link = kind.format(segment, 1024);
            link.close();
            link.close();
            assertThatThrownBy(() -> link.send(1, MemorySegment.ofArray(new byte[1])))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> link.receive((t, p) -> { }, 1)).isInstanceOf(IllegalStateException.class);
        }
    }
}
