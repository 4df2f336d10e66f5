package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** Processes killed (SIGKILL) at chosen points: between claim and commit, mid-stream, mid-initialisation. */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class RingCrashTest {
    private static final Duration CHILD = Duration.ofSeconds(60);

    /** Writes {@code count} records, then claims one, half-fills it and waits to be killed. */
    public static final class ClaimAndHang {
        public static void main(String[] args) throws Exception {
            try (MessageRing ring = MessageRing.open(args[0]); Arena arena = Arena.ofConfined()) {
                RingProducer producer = ring.producer();
                int count = Integer.parseInt(args[1]);
                for (int i = 0; i < count; i++) {
                    producer.offer(1, Payloads.build(arena, 1, i, 64));
                }
                RingClaim claim = producer.tryClaim(1, 64);
                Payloads.fill(claim.segment().asSlice(0, 32), 1, count);
                System.out.println("CLAIMED");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /** Reserves space in an MPSC ring (a CAS of the tail) and dies before writing a header. */
    public static final class ReserveAndDie {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], org.shm4j.Access.READ_WRITE,
                    org.shm4j.SegmentOption.Flag.ANY_KIND);
                 MappedView view = shm.map()) {
                long tail = (long) RingRegion.LONG.getVolatile(view.segment(), RingLayout.TAIL_OFFSET);
                if (!RingRegion.LONG.compareAndSet(view.segment(), RingLayout.TAIL_OFFSET, tail, tail + 128)) {
                    System.exit(3);
                }
                System.out.println("RESERVED");
                Runtime.getRuntime().halt(0);
            }
        }
    }

    /** Consumes one record per poll, printing each sequence number, then waits to be killed. */
    public static final class ConsumeAndHang {
        public static void main(String[] args) throws Exception {
            try (MessageRing ring = MessageRing.open(args[0])) {
                RingConsumer consumer = ring.consumer();
                int count = Integer.parseInt(args[1]);
                for (int i = 0; i < count; ) {
                    i += consumer.poll((t, p) -> System.out.println("READ " + Payloads.sequence(p)), 1,
                            Duration.ofSeconds(10));
                }
                System.out.println("DONE");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /** Creates the segment of a ring, writes only its creator identity, and waits to be killed. */
    public static final class CreateAndHang {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.create(args[0], SpscRing.requiredBytes(4096));
                 MappedView view = shm.map()) {
                RingRegion.LONG.setRelease(view.segment(), RingLayout.CREATOR_OFFSET, RingPeer.currentIdentity());
                System.out.println("CREATING");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /** Transmits checked records as fast as it can until killed. */
    public static final class TransmitForever {
        public static void main(String[] args) throws Exception {
            try (BroadcastRing ring = BroadcastRing.open(args[0]); Arena arena = Arena.ofConfined()) {
                BroadcastTransmitter tx = ring.transmitter();
                MemorySegment buffer = arena.allocate(ring.maxPayloadBytes());
                java.util.SplittableRandom random = new java.util.SplittableRandom();
                for (long seq = 0; ; seq++) {
                    MemorySegment p = buffer.asSlice(0, Payloads.MIN + random.nextInt(ring.maxPayloadBytes() - 16));
                    Payloads.fill(p, 1, seq);
                    tx.transmit(1, p);
                    if (seq == 1000) {
                        System.out.println("RUNNING");
                    }
                }
            }
        }
    }

    static MessageRing create(RingType type, String name, long capacity) throws Exception {
        return type == RingType.SPSC ? SpscRing.create(name, capacity) : MpscRing.create(name, capacity);
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void aProducerKilledBetweenClaimAndCommitIsSkippedAfterTheTimeoutAndNothingPartialIsDelivered(RingType type)
            throws Exception {
        String name = TestNames.unique("claimkill");
        try (MessageRing ring = create(type, name, 1 << 14);
             ChildJvm child = ChildJvm.start(ClaimAndHang.class, name, "5");
             Arena arena = Arena.ofConfined()) {
            child.awaitOutput("CLAIMED", CHILD);
            child.kill();
            assertThat(ring.stats().producers()).singleElement().satisfies(p -> {
                assertThat(p.pid()).isEqualTo(child.pid());
                assertThat(p.alive()).isFalse();
            });
            RingConsumer consumer = ring.consumer(WaitStrategy.blocking(), Duration.ofMillis(300));
            Recorder handler = new Recorder();
            List<Long> got = handler.sequences;
            assertThat(consumer.poll(handler, 100)).isEqualTo(5);
            long begin = System.nanoTime();
            // Blocked on the dead claim: nothing within the skip timeout.
            assertThat(consumer.poll(handler, 100, Duration.ofMillis(150))).isZero();
            // The dead producer's role is taken over, and its records come after the skipped claim.
            try (RingProducer next = ring.producer()) {
                next.offer(1, Payloads.build(arena, 1, 6, 64));
                assertThat(consumer.poll(handler, 100, Duration.ofSeconds(10))).isEqualTo(1);
            }
            assertThat(System.nanoTime() - begin).isGreaterThanOrEqualTo(Duration.ofMillis(290).toNanos());
            assertThat(got).containsExactly(0L, 1L, 2L, 3L, 4L, 6L);
            assertThat(handler.lost()).isEqualTo(1);
            assertThat(consumer.skippedRecords()).isEqualTo(1);
            RingStats stats = RingStats.read(name);
            assertThat(stats.skippedRecords()).isEqualTo(1);
            assertThat(stats.skippedBytes()).isEqualTo(RingLayout.recordLength(64));
            assertThat(stats.lagBytes()).isZero();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void spaceReservedByAProducerThatDiedBeforeWritingAHeaderIsSkippedAndLaterRecordsArrive() throws Exception {
        String name = TestNames.unique("gap");
        try (MpscRing ring = MpscRing.create(name, 1 << 12); Arena arena = Arena.ofConfined()) {
            RingProducer producer = ring.producer();
            RingConsumer consumer = ring.consumer(WaitStrategy.blocking(), Duration.ofMillis(200));
            producer.offer(1, Payloads.build(arena, 1, 0, 40));
            try (ChildJvm child = ChildJvm.start(ReserveAndDie.class, name)) {
                child.assertExitCode(0, CHILD);
            }
            producer.offer(1, Payloads.build(arena, 1, 1, 40));
            producer.offer(1, Payloads.build(arena, 1, 2, 40));
            List<Long> got = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (got.size() < 3 && System.nanoTime() < deadline) {
                consumer.poll((t, p) -> {
                    Payloads.check(p);
                    got.add(Payloads.sequence(p));
                }, 100, Duration.ofSeconds(1));
            }
            assertThat(got).containsExactly(0L, 1L, 2L);
            assertThat(consumer.skippedRecords()).isEqualTo(1);
            assertThat(ring.stats().skippedBytes()).isEqualTo(128);
            // A gap at the very end of what was reserved: skipped once the tail is quiet.
            try (ChildJvm child = ChildJvm.start(ReserveAndDie.class, name)) {
                child.assertExitCode(0, CHILD);
            }
            assertThat(consumer.poll((t, p) -> got.add(-1L), 100, Duration.ofSeconds(2))).isZero();
            assertThat(consumer.skippedRecords()).isEqualTo(2);
            assertThat(ring.stats().lagBytes()).isZero();
            producer.offer(1, Payloads.build(arena, 1, 3, 40));
            consumer.poll((t, p) -> got.add(Payloads.sequence(p)), 100, Duration.ofSeconds(5));
            assertThat(got).containsExactly(0L, 1L, 2L, 3L);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void aKilledConsumerLeavesBackPressureAndTheNextOneResumesAtTheCommittedPosition(RingType type)
            throws Exception {
        String name = TestNames.unique("consumerkill");
        try (MessageRing ring = create(type, name, 1024); Arena arena = Arena.ofConfined()) {
            RingProducer producer = ring.producer();
            long seq = 0;
            for (; seq < 12; seq++) {
                assertThat(producer.offer(1, Payloads.build(arena, 1, seq, 48))).isTrue();
            }
            try (ChildJvm child = ChildJvm.start(ConsumeAndHang.class, name, "5")) {
                child.awaitOutput("DONE", CHILD);
                child.kill();
                assertThat(child.output()).contains("READ 4").doesNotContain("READ 5");
            }
            assertThat(ring.stats().consumer()).get().satisfies(c -> assertThat(c.alive()).isFalse());
            // 64-byte records: 16 fit; 7 are unread, so 9 more fit, then back-pressure.
            for (int i = 0; i < 9; i++, seq++) {
                assertThat(producer.offer(1, Payloads.build(arena, 1, seq, 48))).isTrue();
            }
            assertThat(producer.offer(1, Payloads.build(arena, 1, seq, 48))).isFalse();
            List<Long> got = new ArrayList<>();
            try (RingConsumer next = ring.consumer()) {
                next.poll((t, p) -> got.add(Payloads.sequence(p)));
            }
            assertThat(got).hasSize(16).first().isEqualTo(5L);
            assertThat(got).isSorted().doesNotHaveDuplicates().last().isEqualTo(20L);
            assertThat(producer.offer(1, Payloads.build(arena, 1, seq, 48))).isTrue();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aRingWhoseCreatorWasKilledMidInitialisationIsRejectedAtOnceWithAClearError() throws Exception {
        String name = TestNames.unique("initkill");
        try (ChildJvm child = ChildJvm.start(CreateAndHang.class, name)) {
            child.awaitOutput("CREATING", CHILD);
            assertThatThrownBy(() -> SpscRing.open(name, RingOption.openTimeout(Duration.ofMillis(100))))
                    .isInstanceOf(RingNotInitializedException.class).hasMessageContaining("open timeout");
            child.kill();
            long begin = System.nanoTime();
            assertThatThrownBy(() -> SpscRing.open(name, RingOption.openTimeout(Duration.ofSeconds(30))))
                    .isInstanceOf(RingNotInitializedException.class)
                    .hasMessageContaining("creator died during creation")
                    .hasMessageContaining("creatorPid=" + child.pid());
            assertThat(System.nanoTime() - begin).isLessThan(Duration.ofSeconds(5).toNanos());
            assertThatThrownBy(() -> RingStats.read(name)).isInstanceOf(RingNotInitializedException.class);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aTransmitterKilledAtARandomMomentNeverLetsAReceiverSeeATornRecordAndCanBeReplaced() throws Exception {
        String name = TestNames.unique("txkill");
        try (BroadcastRing ring = BroadcastRing.create(name, 1 << 13); Arena arena = Arena.ofConfined()) {
            BroadcastReceiver rx = ring.receiver(WaitStrategy.busySpin());
            long[] delivered = {0};
            RecordHandler check = (t, p) -> {
                Payloads.check(p);
                delivered[0]++;
            };
            try (ChildJvm child = ChildJvm.start(TransmitForever.class, name)) {
                child.awaitOutput("RUNNING", CHILD);
                long until = System.nanoTime() + Duration.ofMillis(300 + new java.util.Random().nextInt(300)).toNanos();
                while (System.nanoTime() < until) {
                    rx.poll(check, 1000);
                }
                child.kill();
            }
            rx.poll(check, Integer.MAX_VALUE);
            long written = ring.stats().messagesWritten();
            assertThat(delivered[0]).isPositive();
            try (BroadcastTransmitter tx = ring.transmitter()) {
                assertThat(tx.messagesWritten()).isEqualTo(written);
                tx.transmit(1, Payloads.build(arena, 2, 0, 100));
            }
            List<Integer> sources = new ArrayList<>();
            rx.poll((t, p) -> {
                Payloads.check(p);
                sources.add(Payloads.source(p));
            });
            assertThat(sources).containsExactly(2);
        } finally {
            SharedMemory.remove(name);
        }
    }
}
