package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.Commit;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * A 2^34-byte (16 GiB) ring in a sparse segment: offsets beyond 2^31 and 2^32, records of the
 * 1 GiB maximum, and the wrap at the end of the region, with positions near 2^63.
 */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class RingLargeCapacityTest {
    private static final long CAPACITY = 1L << 34;

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void aSixteenGibRingWorksAcrossTheTwoAndFourGibOffsetsAndItsEnd(RingKind kind) throws Exception {
        long[] starts = {(1L << 31) - 256, (1L << 32) - 256, CAPACITY - 256, Long.MAX_VALUE - 7 - 256};
        for (long start : starts) {
            String name = TestNames.unique("big");
            try (RingKind.Link link = kind.create(name, CAPACITY, WaitStrategy.busySpin(),
                    RingOption.startPosition(start), RingOption.segment(Commit.LAZY));
                 Arena arena = Arena.ofConfined()) {
                assertThat(link.maxPayload()).isEqualTo((1 << 30) - (kind == RingKind.BROADCAST ? 24 : 16));
                for (long seq = 0; seq < 40; seq++) {
                    assertThat(link.send(1, Payloads.build(arena, 0, seq, 40))).isTrue();
                }
                long[] next = {0};
                assertThat(link.receive((t, p) -> {
                    Payloads.check(p);
                    assertThat(Payloads.sequence(p)).isEqualTo(next[0]++);
                }, 100)).isEqualTo(40);
                long record = RingLayout.recordLength(40 + (kind == RingKind.BROADCAST ? 8 : 0));
                long expectedTail = start;
                for (int i = 0; i < 40; i++) {
                    long toEnd = CAPACITY - (expectedTail & (CAPACITY - 1));
                    expectedTail += (record > toEnd ? toEnd : 0) + record;
                }
                assertThat(link.stats().tailPosition()).isEqualTo(expectedTail);
            } finally {
                SharedMemory.remove(name);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingKind.class, names = {"SPSC", "MPSC"})
    void aOneGibRecordRoundTripsAcrossTheFourGibOffset(RingKind kind) throws Exception {
        String name = TestNames.unique("huge");
        try (RingKind.Link link = kind.create(name, CAPACITY, WaitStrategy.busySpin(),
                RingOption.startPosition((1L << 32) - (1L << 29)), RingOption.segment(Commit.LAZY));
             Arena arena = Arena.ofConfined()) {
            MemorySegment big = arena.allocate(link.maxPayload(), 8);
            Payloads.fill(big, 3, 77);
            assertThat(link.send(2, big)).isTrue();
            assertThat(link.receive((t, p) -> {
                assertThat(p.byteSize()).isEqualTo(link.maxPayload());
                Payloads.check(p);
                assertThat(Payloads.sequence(p)).isEqualTo(77);
            }, 1)).isEqualTo(1);
        } finally {
            SharedMemory.remove(name);
        }
    }
}
