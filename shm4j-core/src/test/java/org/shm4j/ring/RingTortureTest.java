package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Producer JVMs against one consumer: random sizes (small, powers of two that end exactly at the
 * end of the region, the maximum), zero-copy and copying writes, a CRC per record. Every record of
 * every producer must arrive once, intact and in that producer's order.
 */
@ExtendWith(NoLeaks.class)
class RingTortureTest {

    /** args: ring name, source id, record count, seed. */
    public static final class Producer {
        public static void main(String[] args) throws Exception {
            int source = Integer.parseInt(args[1]);
            long count = Long.parseLong(args[2]);
            SplittableRandom random = new SplittableRandom(Long.parseLong(args[3]));
            try (MessageRing ring = MessageRing.open(args[0]); Arena arena = Arena.ofConfined()) {
                RingProducer producer = ring.producer(WaitStrategy.blocking());
                int max = ring.maxPayloadBytes();
                MemorySegment buffer = arena.allocate(max, 8);
                for (long seq = 0; seq < count; seq++) {
                    int length = size(random, max);
                    if (random.nextBoolean()) {
                        RingClaim claim = producer.claim(source, length, Duration.ofSeconds(60));
                        if (claim == null) {
                            throw new AssertionError("no room for 60 s at seq " + seq);
                        }
                        Payloads.fill(claim.segment(), source, seq);
                        claim.commit();
                    } else {
                        MemorySegment p = buffer.asSlice(0, length);
                        Payloads.fill(p, source, seq);
                        if (!producer.offer(source, p, Duration.ofSeconds(60))) {
                            throw new AssertionError("no room for 60 s at seq " + seq);
                        }
                    }
                }
                System.out.println("DONE " + count);
            }
        }

        static int size(SplittableRandom random, int max) {
            int r = random.nextInt(100);
            if (r < 3) {
                return max;
            }
            if (r < 20) {
                // Record lengths that are powers of two: many end exactly at the end of the region.
                int bits = 5 + random.nextInt(Integer.numberOfTrailingZeros(Integer.highestOneBit(max + 16)) - 4);
                return Math.min(max, (1 << bits) - RingLayout.RECORD_HEADER_LENGTH);
            }
            return Payloads.MIN + random.nextInt(Math.min(max, 600) - Payloads.MIN + 1);
        }
    }

    static void torture(RingType type, int producers, long perProducer, long capacity, Duration limit)
            throws Exception {
        String name = TestNames.unique("torture");
        List<ChildJvm> children = new ArrayList<>();
        try (MessageRing ring = type == RingType.SPSC ? SpscRing.create(name, capacity)
                : MpscRing.create(name, capacity)) {
            RingConsumer consumer = ring.consumer(WaitStrategy.blocking(), Duration.ofSeconds(60));
            for (int i = 0; i < producers; i++) {
                children.add(ChildJvm.start(Producer.class, name, Integer.toString(i), Long.toString(perProducer),
                        Long.toString(1000 + i)));
            }
            long[] next = new long[producers];
            long[] total = {0};
            long expected = producers * perProducer;
            long deadline = System.nanoTime() + limit.toNanos();
            RecordHandler handler = (typeId, payload) -> {
                Payloads.check(payload);
                int source = Payloads.source(payload);
                if (typeId != source || source < 0 || source >= producers) {
                    throw new AssertionError("bad source " + source + " type " + typeId);
                }
                long seq = Payloads.sequence(payload);
                if (seq != next[source]) {
                    throw new AssertionError("source " + source + ": expected " + next[source] + " got " + seq);
                }
                next[source]++;
                total[0]++;
            };
            while (total[0] < expected) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + total[0] + " of " + expected + " records within " + limit
                            + "; outputs: " + children.stream().map(ChildJvm::output).toList());
                }
                consumer.poll(handler, 1000, Duration.ofSeconds(1));
            }
            for (ChildJvm child : children) {
                child.assertExitCode(0, Duration.ofSeconds(60));
            }
            assertThat(consumer.poll(handler, 10)).isZero();
            assertThat(next).containsOnly(perProducer);
            RingStats stats = ring.stats();
            assertThat(stats.messagesWritten()).isEqualTo(expected);
            assertThat(stats.messagesRead()).isEqualTo(expected);
            assertThat(stats.skippedRecords()).isZero();
            assertThat(stats.payloadBytesRead()).isEqualTo(stats.payloadBytesWritten());
        } finally {
            children.forEach(ChildJvm::close);
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(180)
    void threeProducerProcessesIntoOneMpscConsumerLoseDuplicateAndReorderNothing() throws Exception {
        torture(RingType.MPSC, 3, 60_000, 1 << 14, Duration.ofSeconds(150));
    }

    @Test
    @Timeout(180)
    void oneProducerProcessIntoAnSpscConsumerLosesDuplicatesAndReordersNothing() throws Exception {
        torture(RingType.SPSC, 1, 150_000, 1 << 12, Duration.ofSeconds(150));
    }

    @Test
    @Tag("stress")
    @Timeout(1800)
    void stressFourProducerProcessesTwoMillionRecordsEach() throws Exception {
        torture(RingType.MPSC, 4, 2_000_000, 1 << 16, Duration.ofMinutes(25));
    }

    @Test
    @Tag("stress")
    @Timeout(1800)
    void stressSpscFiveMillionRecords() throws Exception {
        torture(RingType.SPSC, 1, 5_000_000, 1 << 16, Duration.ofMinutes(25));
    }
}
