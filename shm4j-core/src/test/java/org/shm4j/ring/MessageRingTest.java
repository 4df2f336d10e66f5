package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.testkit.NoLeaks;

/** Behaviour of the record rings (SPSC and MPSC): back-pressure, claims, roles, consumer hand-over. */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class MessageRingTest {

    static MessageRing format(RingType type, MemorySegment segment, long capacity, RingOption... options) {
        return type == RingType.SPSC ? SpscRing.create(segment, capacity, options)
                : MpscRing.create(segment, capacity, options);
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void offerReturnsFalseWhenFullAndTrueAgainOnceTheConsumerReads(RingType type) throws Exception {
        try (Arena arena = Arena.ofConfined();
             MessageRing ring = format(type, arena.allocate(SpscRing.requiredBytes(1024), 64), 1024)) {
            RingProducer producer = ring.producer();
            RingConsumer consumer = ring.consumer();
            MemorySegment payload = arena.allocate(112); // 128-byte records: 8 fill the ring
            for (int i = 0; i < 8; i++) {
                assertThat(producer.offer(i, payload)).isTrue();
            }
            assertThat(producer.offer(8, payload)).isFalse();
            assertThat(producer.tryClaim(8, 112)).isNull();
            assertThat(producer.offer(8, payload, Duration.ofMillis(20))).isFalse();
            assertThat(ring.stats().freeBytes()).isZero();
            assertThat(consumer.poll((t, p) -> { }, 1)).isEqualTo(1);
            assertThat(producer.offer(8, payload)).isTrue();
            assertThat(producer.offer(9, payload)).isFalse();
            List<Integer> types = new ArrayList<>();
            assertThat(consumer.poll((t, p) -> types.add(t))).isEqualTo(8);
            assertThat(types).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void claimedRecordsAreDeliveredOnlyWhenCommittedAndAbortedOnesNever(RingType type) throws Exception {
        try (Arena arena = Arena.ofConfined();
             MessageRing ring = format(type, arena.allocate(SpscRing.requiredBytes(4096), 64), 4096)) {
            RingProducer producer = ring.producer();
            RingConsumer consumer = ring.consumer();
            List<Long> got = new ArrayList<>();
            RecordHandler handler = (t, p) -> got.add(p.get(ValueLayout.JAVA_LONG, 0));

            RingClaim claim = producer.tryClaim(5, 16);
            assertThat(claim.segment().byteSize()).isEqualTo(16);
            assertThat(claim.segment().address() % 8).isZero();
            claim.segment().set(ValueLayout.JAVA_LONG, 0, 42L);
            assertThatThrownBy(() -> producer.offer(1, arena.allocate(8))).isInstanceOf(IllegalStateException.class);
            assertThat(consumer.poll(handler)).isZero();
            claim.commit();
            assertThatThrownBy(claim::commit).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(claim::segment).isInstanceOf(IllegalStateException.class);
            assertThat(consumer.poll(handler)).isEqualTo(1);

            producer.tryClaim(5, 8).abort();
            try (RingClaim unfinished = producer.tryClaim(5, 8)) {
                unfinished.segment().set(ValueLayout.JAVA_LONG, 0, -1L);
            }
            RingClaim third = producer.tryClaim(6, 8);
            third.segment().set(ValueLayout.JAVA_LONG, 0, 43L);
            assertThat(third).isSameAs(claim); // one reused flyweight per producer
            third.commit();
            assertThat(consumer.poll(handler)).isEqualTo(1);
            assertThat(got).containsExactly(42L, 43L);
            assertThat(consumer.skippedRecords()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void aRecordWhoseHandlerThrowsIsConsumedAndTheExceptionPropagates(RingType type) throws Exception {
        try (Arena arena = Arena.ofConfined();
             MessageRing ring = format(type, arena.allocate(SpscRing.requiredBytes(4096), 64), 4096)) {
            RingProducer producer = ring.producer();
            RingConsumer consumer = ring.consumer();
            for (int i = 0; i < 5; i++) {
                producer.offer(i, arena.allocate(8));
            }
            List<Integer> seen = new ArrayList<>();
            assertThatThrownBy(() -> consumer.poll((t, p) -> {
                seen.add(t);
                if (t == 2) {
                    throw new IllegalStateException("boom");
                }
            })).hasMessage("boom");
            consumer.poll((t, p) -> seen.add(t));
            assertThat(seen).containsExactly(0, 1, 2, 3, 4);
        }
    }

    @Test
    void spscAllowsOneProducerAndOneConsumerAndHandsTheRolesOverOnClose() throws Exception {
        try (Arena arena = Arena.ofConfined();
             SpscRing ring = SpscRing.create(arena.allocate(SpscRing.requiredBytes(4096), 64), 4096)) {
            RingProducer producer = ring.producer();
            RingConsumer consumer = ring.consumer();
            assertThatThrownBy(ring::producer).isInstanceOf(RingBusyException.class).hasMessageContaining("role=producer");
            assertThatThrownBy(ring::consumer).isInstanceOf(RingBusyException.class).hasMessageContaining("role=consumer")
                    .hasMessageContaining("already held by this process")
                    .hasMessageNotContaining("held by a live process");
            producer.offer(1, arena.allocate(8));
            producer.offer(2, arena.allocate(8));
            consumer.poll((t, p) -> { }, 1);
            consumer.close();
            producer.close();
            // A new consumer resumes at the committed position; a new producer continues the tail.
            try (RingConsumer next = ring.consumer(); RingProducer again = ring.producer()) {
                again.offer(3, arena.allocate(8));
                List<Integer> types = new ArrayList<>();
                next.poll((t, p) -> types.add(t));
                assertThat(types).containsExactly(2, 3);
                assertThat(ring.stats().messagesWritten()).isEqualTo(3);
                assertThat(ring.stats().messagesRead()).isEqualTo(3);
            }
        }
    }

    @Test
    @Timeout(120)
    void mpscProducersOnManyThreadsLoseAndReorderNothing() throws Exception {
        int producers = 4;
        int perProducer = 50_000;
        try (Arena arena = Arena.ofShared();
             MpscRing ring = MpscRing.create(arena.allocate(MpscRing.requiredBytes(1 << 14), 64), 1 << 14)) {
            RingConsumer consumer = ring.consumer();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int id = 0; id < producers; id++) {
                int source = id;
                RingProducer producer = ring.producer(WaitStrategy.spinThenYield(100));
                threads.add(Thread.ofPlatform().start(() -> {
                    try (Arena local = Arena.ofConfined()) {
                        start.await();
                        java.util.SplittableRandom random = new java.util.SplittableRandom(source);
                        for (long seq = 0; seq < perProducer; seq++) {
                            int length = Payloads.MIN + random.nextInt(300);
                            if (seq % 3 == 0) {
                                RingClaim c = producer.claim(source, length, Duration.ofSeconds(30));
                                Payloads.fill(c.segment(), source, seq);
                                c.commit();
                            } else if (!producer.offer(source, Payloads.build(local, source, seq, length),
                                    Duration.ofSeconds(30))) {
                                throw new AssertionError("no room within 30 s");
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        producer.close();
                    }
                }));
            }
            long[] next = new long[producers];
            AtomicLong received = new AtomicLong();
            start.countDown();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (received.get() < (long) producers * perProducer && failure.get() == null
                    && System.nanoTime() < deadline) {
                consumer.poll((t, p) -> {
                    Payloads.check(p);
                    int source = Payloads.source(p);
                    assertThat(t).isEqualTo(source);
                    assertThat(Payloads.sequence(p)).isEqualTo(next[source]);
                    next[source]++;
                    received.incrementAndGet();
                }, 100, Duration.ofMillis(100));
            }
            for (Thread t : threads) {
                t.join(10_000);
            }
            assertThat(failure.get()).isNull();
            assertThat(next).containsOnly(perProducer);
            RingStats stats = ring.stats();
            assertThat(stats.messagesWritten()).isEqualTo((long) producers * perProducer);
            assertThat(stats.producers()).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void mpscMessagesWrittenNeverGoesBackwardsWhileProducersComeAndGo() throws Exception {
        try (Arena arena = Arena.ofShared();
             MpscRing ring = MpscRing.create(arena.allocate(MpscRing.requiredBytes(1 << 16), 64), 1 << 16)) {
            MemorySegment payload = arena.allocate(8);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // Idle producers hold the first slots, so a snapshot spends a while summing slots before
            // it reaches the churning one: the window in which a departure could be missed.
            List<RingProducer> idle = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                idle.add(ring.producer());
            }
            // Each producer writes one record and leaves: its slot's count moves into the totals.
            Thread churn = Thread.ofPlatform().start(() -> {
                try (RingConsumer consumer = ring.consumer()) {
                    long deadline = System.nanoTime() + 1_500_000_000L;
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        try (RingProducer p = ring.producer()) {
                            p.offer(1, payload);
                        }
                        consumer.poll((t, m) -> {});
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            long last = 0;
            long snapshots = 0;
            while (churn.isAlive()) {
                long now = ring.stats().messagesWritten();
                if (now < last) {
                    failure.compareAndSet(null, new AssertionError(
                            "messagesWritten went back from " + last + " to " + now + " after " + snapshots + " snapshots"));
                    break;
                }
                last = now;
                snapshots++;
            }
            churn.join(10_000);
            assertThat(failure.get()).isNull();
            assertThat(ring.stats().messagesWritten()).isGreaterThan(0);
        }
    }

    @Test
    void mpscGivesEachProducerItsOwnSlotUpToSixtyFour() throws Exception {
        try (Arena arena = Arena.ofConfined();
             MpscRing ring = MpscRing.create(arena.allocate(MpscRing.requiredBytes(4096), 64), 4096)) {
            List<RingProducer> producers = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                producers.add(ring.producer());
            }
            assertThatThrownBy(ring::producer).isInstanceOf(RingBusyException.class).hasMessageContaining("slots=64");
            producers.get(10).offer(1, arena.allocate(8));
            assertThat(ring.stats().producers()).hasSize(64);
            producers.get(10).close();
            assertThat(ring.stats().producers()).hasSize(63);
            assertThat(ring.stats().messagesWritten()).isEqualTo(1);
            ring.producer().offer(2, arena.allocate(8));
            assertThat(ring.stats().messagesWritten()).isEqualTo(2);
        }
    }

    @Test
    void aClaimCommittedAfterItWasSkippedAndItsSpaceReusedLeavesTheNewerRecordsIntact() throws Exception {
        try (Arena arena = Arena.ofConfined();
             MpscRing ring = MpscRing.create(arena.allocate(MpscRing.requiredBytes(4096), 64), 4096)) {
            RingProducer slow = ring.producer();
            RingProducer fast = ring.producer();
            RingConsumer consumer = ring.consumer(WaitStrategy.busySpin(), Duration.ofMillis(100));
            Recorder handler = new Recorder();
            List<Long> got = handler.sequences;
            RingClaim late = slow.tryClaim(1, 64); // position 0, held past the skip timeout
            Payloads.fill(late.segment(), 9, 0);
            long seq = 0;
            for (; seq < 40; seq++) { // 80-byte records from position 80 to 3280
                assertThat(fast.offer(1, Payloads.build(arena, 1, seq, 64))).isTrue();
            }
            long begin = System.nanoTime();
            while (got.size() < 40 && System.nanoTime() - begin < Duration.ofSeconds(10).toNanos()) {
                consumer.poll(handler, 100, Duration.ofMillis(50));
            }
            assertThat(handler.lost()).isEqualTo(1);
            assertThat(got).hasSize(40);
            for (; seq < 60; seq++) { // wraps: a padding record at 4080, then a record at 4096 (offset 0)
                assertThat(fast.offer(1, Payloads.build(arena, 1, seq, 64))).isTrue();
            }
            late.commit(); // the space of position 0 now holds the record at 4096: nothing is written
            assertThat(consumer.poll(handler, 100)).isEqualTo(20);
            assertThat(got).hasSize(60).isSorted();
            assertThat(consumer.skippedRecords()).isEqualTo(1);
            assertThat(ring.stats().lagBytes()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void alignedRecordsStartOnCacheLinesAndConsumersStepOverTheFillers(RingType type) throws Exception {
        try (Arena arena = Arena.ofConfined();
             MessageRing ring = format(type, arena.allocate(SpscRing.requiredBytes(4096), 4096), 4096,
                     RingOption.alignRecordsToCacheLines())) {
            RingProducer producer = ring.producer();
            RingConsumer consumer = ring.consumer();
            List<Long> misaligned = new ArrayList<>();
            Recorder recorder = new Recorder();
            RecordHandler handler = (t, p) -> {
                if ((p.address() - 16) % 64 != 0) {
                    misaligned.add(p.address());
                }
                recorder.onRecord(t, p);
            };
            int count = 3000;
            long bytes = 0;
            for (int seq = 0; seq < count; seq++) {
                int length = Payloads.MIN + seq % 201; // every remainder modulo 64, including 8-byte gaps
                bytes += length;
                boolean written;
                if (seq % 3 == 0) {
                    RingClaim claim = producer.tryClaim(1, length);
                    written = claim != null;
                    if (written) {
                        Payloads.fill(claim.segment(), 1, seq);
                        claim.commit();
                    }
                } else {
                    written = producer.offer(1, Payloads.build(arena, 1, seq, length));
                }
                if (!written) {
                    consumer.poll(handler);
                    seq--;
                    bytes -= length;
                } else if (seq % 5 == 0) {
                    consumer.poll(handler);
                }
            }
            consumer.poll(handler);
            assertThat(misaligned).isEmpty();
            assertThat(recorder.sequences).hasSize(count).isSorted();
            assertThat(recorder.sequences.getLast()).isEqualTo(count - 1);
            RingStats stats = ring.stats();
            assertThat(stats.messagesWritten()).isEqualTo(count);
            assertThat(stats.messagesRead()).isEqualTo(count);
            assertThat(stats.payloadBytesRead()).isEqualTo(bytes);
            assertThat(stats.skippedRecords()).isZero();
            assertThat(stats.lagBytes()).isZero();
        }
    }

    @Test
    void aRingTooSmallForFillersStillTakesAlignedProducersRecords() throws Exception {
        try (Arena arena = Arena.ofConfined();
             SpscRing ring = SpscRing.create(arena.allocate(SpscRing.requiredBytes(64), 4096), 64,
                     RingOption.alignRecordsToCacheLines())) {
            RingProducer producer = ring.producer();
            RingConsumer consumer = ring.consumer();
            List<Integer> types = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                assertThat(producer.offer(i, MemorySegment.ofArray(new byte[8]))).isTrue();
                assertThat(consumer.poll((t, p) -> types.add(t))).isEqualTo(1);
            }
            assertThat(types).hasSize(100).isSorted();
        }
    }
}
