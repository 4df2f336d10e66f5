package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.CloseUnderLoad;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.ProcSelf;
import org.shm4j.testkit.TestNames;

/**
 * Producers and consumers reach a named ring by absolute address (the package documentation's
 * constant-segment rule), so the ring's mapping must never be unmapped under a peer whose thread
 * is inside a call. Closing the ring handle while other threads offer, claim and poll at full
 * speed must end those threads with {@link IllegalStateException} only: never a crash (a SIGSEGV
 * would kill this JVM), never a corruption report.
 */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class RingCloseUnderLoadTest {
    private static final int ROUNDS = 150;

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void closingTheRingWhileOtherThreadsUseItsPeersEndsThemWithIllegalStateException(RingType type)
            throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String name = TestNames.unique("closeload");
            try {
                MessageRing ring = type == RingType.SPSC ? SpscRing.create(name, 1 << 16)
                        : MpscRing.create(name, 1 << 16);
                RingProducer producer = ring.producer(WaitStrategy.busySpin());
                RingConsumer consumer = ring.consumer(WaitStrategy.busySpin(), Duration.ofSeconds(30));
                List<Throwable> ends = CloseUnderLoad.close(ring, Duration.ofMillis(2),
                        List.of(() -> produce(producer), () -> consume(consumer)));
                assertThat(ends.get(0)).as("round %d: producer", round)
                        .isExactlyInstanceOf(IllegalStateException.class);
                assertThat(ends.get(1)).as("round %d: consumer", round)
                        .isExactlyInstanceOf(IllegalStateException.class);
                // The peers still hold the address range, but the shared memory is already detached.
                assertThat(ProcSelf.maps(name)).as("round %d: mapped after the ring closed", round).isFalse();
                producer.close();
                consumer.close();
            } finally {
                SharedMemory.remove(name);
            }
        }
    }

    /**
     * The broadcast receiver copies each record and checks the copy afterwards; a copy taken while
     * the ring was being closed may hold the zeros of the detached memory, and must then be
     * discarded, never delivered. Every transmitted payload repeats one value in all its longs, so
     * a delivered mix of a value and zeros is caught.
     */
    @Test
    void closingABroadcastRingUnderLoadEndsItsPeersWithoutATornRecord() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String name = TestNames.unique("closebcast");
            try {
                BroadcastRing ring = BroadcastRing.create(name, 1 << 14);
                BroadcastTransmitter transmitter = ring.transmitter();
                BroadcastReceiver first = ring.receiver(WaitStrategy.busySpin());
                BroadcastReceiver second = ring.receiver(WaitStrategy.busySpin());
                List<Throwable> ends = CloseUnderLoad.close(ring, Duration.ofMillis(2),
                        List.of(() -> transmit(transmitter), () -> receive(first), () -> receive(second)));
                assertThat(ends.get(0)).as("round %d: transmitter", round)
                        .isExactlyInstanceOf(IllegalStateException.class);
                assertThat(ends.get(1)).as("round %d: first receiver", round)
                        .isExactlyInstanceOf(IllegalStateException.class);
                assertThat(ends.get(2)).as("round %d: second receiver", round)
                        .isExactlyInstanceOf(IllegalStateException.class);
                assertThat(ProcSelf.maps(name)).as("round %d: mapped after the ring closed", round).isFalse();
                transmitter.close();
                first.close();
                second.close();
            } finally {
                SharedMemory.remove(name);
            }
        }
    }

    @Test
    void aPeerKeepsWorkingMemoryUntilClosedAndTheLastCloseUnmaps() throws Exception {
        String name = TestNames.unique("holds");
        try (Arena arena = Arena.ofConfined()) {
            SpscRing ring = SpscRing.create(name, 4096);
            RingProducer producer = ring.producer();
            RingConsumer consumer = ring.consumer();
            assertThat(producer.offer(1, arena.allocate(8))).isTrue();
            consumer.close();
            assertThat(ProcSelf.maps(name)).isTrue();
            ring.close();
            assertThat(ProcSelf.maps(name)).isFalse();
            assertThatThrownBy(() -> producer.offer(1, arena.allocate(8))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> producer.tryClaim(1, 8)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(ring::producer).isInstanceOf(IllegalStateException.class);
            producer.close();
            producer.close();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Offers and claims until a call throws; returns what it threw. */
    private static Throwable produce(RingProducer producer) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocate(64, 8);
            for (long i = 0; ; i++) {
                payload.set(ValueLayout.JAVA_LONG, 0, i);
                if ((i & 1) == 0) {
                    producer.offer(1, payload);
                } else {
                    RingClaim claim = producer.tryClaim(2, 64);
                    if (claim != null) {
                        claim.segment().set(ValueLayout.JAVA_LONG, 56, i);
                        claim.commit();
                    }
                }
            }
        } catch (Throwable t) {
            return t;
        }
    }

    /** Polls, reading every payload, until a call throws; returns what it threw. */
    private static Throwable consume(RingConsumer consumer) {
        long[] sum = new long[1];
        RecordHandler handler = (typeId, payload) -> sum[0] += payload.get(ValueLayout.JAVA_LONG, 0)
                + payload.get(ValueLayout.JAVA_LONG, payload.byteSize() - 8);
        try {
            while (true) {
                consumer.poll(handler, (int) (sum[0] & 3) + 1);
            }
        } catch (Throwable t) {
            return t;
        }
    }

    /** Transmits payloads of eight equal longs (1, 2, 3, ...) until a call throws; returns what it threw. */
    private static Throwable transmit(BroadcastTransmitter transmitter) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocate(64, 8);
            for (long i = 1; ; i++) {
                for (int at = 0; at < 64; at += 8) {
                    payload.set(ValueLayout.JAVA_LONG, at, i);
                }
                transmitter.transmit(1, payload);
            }
        } catch (Throwable t) {
            return t;
        }
    }

    /**
     * Receives until a call throws; returns what it threw, or an {@link AssertionError} for a
     * delivered payload whose longs differ (a torn copy).
     */
    private static Throwable receive(BroadcastReceiver receiver) {
        RecordHandler handler = (typeId, payload) -> {
            long first = payload.get(ValueLayout.JAVA_LONG, 0);
            for (int at = 8; at < payload.byteSize(); at += 8) {
                long v = payload.get(ValueLayout.JAVA_LONG, at);
                if (v != first || first == 0) {
                    throw new AssertionError("torn record delivered: long 0=" + first + ", long at " + at + "=" + v);
                }
            }
        };
        try {
            while (true) {
                receiver.poll(handler, 4);
            }
        } catch (Throwable t) {
            return t;
        }
    }

}
