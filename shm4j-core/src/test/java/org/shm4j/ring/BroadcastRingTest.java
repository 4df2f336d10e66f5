package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.testkit.NoLeaks;

@ExtendWith(NoLeaks.class)
@Timeout(60)
class BroadcastRingTest {

    @Test
    void aLappedReceiverIsToldExactlyHowManyRecordsItLostAndContinuesWithWholeRecords() throws Exception {
        try (Arena arena = Arena.ofConfined();
             BroadcastRing ring = BroadcastRing.create(arena.allocate(BroadcastRing.requiredBytes(1024), 64), 1024)) {
            BroadcastTransmitter tx = ring.transmitter();
            BroadcastReceiver slow = ring.receiver();
            BroadcastReceiver fast = ring.receiver();
            List<Long> fastGot = new ArrayList<>();
            for (long seq = 0; seq < 100; seq++) {
                tx.transmit(1, Payloads.build(arena, 0, seq, 40)); // 64-byte records: 16 fit
                fast.poll((t, p) -> fastGot.add(Payloads.sequence(p)));
            }
            assertThat(fastGot).hasSize(100);
            Recorder handler = new Recorder();
            List<Long> got = handler.sequences;
            List<Long> losses = handler.losses;
            slow.poll(handler);
            // It resumes at the latest record (99) and lost 0..98.
            assertThat(got).containsExactly(99L);
            assertThat(losses).containsExactly(99L);
            assertThat(slow.lostRecords()).isEqualTo(99);
            assertThat(slow.laps()).isEqualTo(1);
            tx.transmit(1, Payloads.build(arena, 0, 100, 40));
            slow.poll(handler);
            assertThat(got).containsExactly(99L, 100L);
            assertThat(fast.lostRecords()).isZero();
        }
    }

    /** Where the transmitter that is about to die got in its last, unpublished record. */
    enum DiedAfter { COUNTING, STORING_LATEST }

    @ParameterizedTest
    @EnumSource(DiedAfter.class)
    void aTransmitterTakingOverFromOneThatDiedMidRecordContinuesTheSequenceWithoutAFalseLoss(DiedAfter point)
            throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(BroadcastRing.requiredBytes(1024), 64);
            MemorySegment data = header.asSlice(RingLayout.DATA_OFFSET, 1024);
            BroadcastRing ring = BroadcastRing.create(header, 1024);
            BroadcastReceiver rx = ring.receiver();
            Recorder handler = new Recorder();
            List<Long> got = handler.sequences;
            List<Long> losses = handler.losses;
            BroadcastTransmitter first = ring.transmitter();
            for (long seq = 0; seq < 3; seq++) {
                first.transmit(1, Payloads.build(arena, 0, seq, 40));
            }
            rx.poll(handler);
            // The first transmitter writes record 3 at tail and counts it, then "dies" before
            // publishing tail (its role is given up here, as a dead holder's would be taken over).
            long tail = header.get(ValueLayout.JAVA_LONG, RingLayout.TAIL_OFFSET);
            long off = tail & (1024 - 1);
            MemorySegment payload = Payloads.build(arena, 0, 3, 40);
            data.set(ValueLayout.JAVA_LONG, off + 8, RingLayout.lengthAndType(40, 1));
            data.set(ValueLayout.JAVA_LONG, off + RingLayout.BROADCAST_SEQUENCE, 3L);
            MemorySegment.copy(payload, 0, data, off + RingLayout.BROADCAST_RECORD_HEADER_LENGTH, 40);
            data.set(ValueLayout.JAVA_LONG, off, tail | RingLayout.COMMITTED);
            header.set(ValueLayout.JAVA_LONG, RingLayout.MESSAGES_WRITTEN_OFFSET, 4L);
            if (point == DiedAfter.STORING_LATEST) {
                header.set(ValueLayout.JAVA_LONG, RingLayout.LATEST_POSITION_OFFSET, tail);
            }
            first.close();

            try (BroadcastTransmitter second = ring.transmitter()) {
                second.transmit(1, Payloads.build(arena, 0, 3, 40));
                second.transmit(1, Payloads.build(arena, 0, 4, 40));
            }
            rx.poll(handler);
            assertThat(got).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(losses).isEmpty();
            assertThat(ring.stats().messagesWritten()).isEqualTo(5);
            ring.close();
        }
    }

    @Test
    void aReceiverThatFallsBehindLessThanTheCapacityLosesNothing() throws Exception {
        try (Arena arena = Arena.ofConfined();
             BroadcastRing ring = BroadcastRing.create(arena.allocate(BroadcastRing.requiredBytes(1024), 64), 1024)) {
            BroadcastTransmitter tx = ring.transmitter();
            BroadcastReceiver rx = ring.receiver();
            for (long seq = 0; seq < 16; seq++) {
                tx.transmit(1, Payloads.build(arena, 0, seq, 40));
            }
            List<Long> got = new ArrayList<>();
            rx.poll((t, p) -> got.add(Payloads.sequence(p)));
            assertThat(got).hasSize(16).first().isEqualTo(0L);
            assertThat(rx.lostRecords()).isZero();
        }
    }

    @Test
    @Timeout(120)
    void receiversRacingAFastTransmitterNeverSeeATornRecord() throws Exception {
        try (Arena arena = Arena.ofShared();
             BroadcastRing ring = BroadcastRing.create(arena.allocate(BroadcastRing.requiredBytes(2048), 64), 2048)) {
            BroadcastTransmitter tx = ring.transmitter();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                try (Arena local = Arena.ofConfined()) {
                    java.util.SplittableRandom random = new java.util.SplittableRandom(1);
                    MemorySegment buffer = local.allocate(ring.maxPayloadBytes());
                    for (long seq = 0; !stop.get(); seq++) {
                        MemorySegment p = buffer.asSlice(0, Payloads.MIN + random.nextInt(600));
                        Payloads.fill(p, 0, seq);
                        tx.transmit(1, p);
                    }
                }
            });
            try {
                BroadcastReceiver rx = ring.receiver(WaitStrategy.busySpin());
                AtomicReference<long[]> state = new AtomicReference<>(new long[] {-1, 0, 0});
                long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < deadline) {
                    rx.poll(new RecordHandler() {
                        @Override
                        public void onRecord(int typeId, MemorySegment payload) {
                            Payloads.check(payload);
                            long[] s = state.get();
                            long seq = Payloads.sequence(payload);
                            assertThat(seq).isGreaterThan(s[0]);
                            s[0] = seq;
                            s[1]++;
                        }

                        @Override
                        public void onLoss(long lostRecords) {
                            state.get()[2] += lostRecords;
                        }
                    }, 100, Duration.ofMillis(10));
                }
                long[] s = state.get();
                assertThat(s[1]).isPositive();
                // Every sequence number is either delivered or reported lost, counting from the first one seen.
                assertThat(s[1] + s[2]).isLessThanOrEqualTo(s[0] + 1);
                assertThat(rx.lostRecords()).isEqualTo(s[2]);
            } finally {
                stop.set(true);
                writer.join(10_000);
            }
        }
    }
}
