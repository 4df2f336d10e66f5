package org.shm4j.bench.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.shm4j.SharedMemory;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingClaim;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * The cost of one write and one read of a 64-byte record in one thread, with no other process:
 * the code path alone. Run with {@code -prof gc} to see the allocation per operation (the handler's
 * payload slice and the claim's segment are eliminated by escape analysis when the call inlines).
 * {@link AgronaOpsBenchmark} is the baseline.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class RingOpsBenchmark {
    @Param({"SPSC", "MPSC"})
    public String type;

    /**
     * {@code named}: a ring this process maps by name, which the hot path reaches by absolute
     * address (the constant global segment). {@code segment}: the same ring formatted in a
     * caller's segment ({@code create(segment)}), which keeps the scoped, checked segment because
     * the caller may close its arena at any time: the code shape before the change, in the same run.
     */
    @Param({"named", "segment"})
    public String memory;

    private String name;
    private MessageRing ring;
    private RingProducer producer;
    private RingConsumer consumer;
    private Arena arena;
    private Arena ringArena;
    private MemorySegment payload;
    private final Sum sum = new Sum();

    /** Reads the first long of each payload, so the read cannot be optimised away. */
    static final class Sum implements RecordHandler {
        long total;

        @Override
        public void onRecord(int typeId, MemorySegment payload) {
            total += payload.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        name = "shm4j-jmh-" + ProcessHandle.current().pid();
        SharedMemory.remove(name);
        arena = Arena.ofConfined();
        if (memory.equals("named")) {
            ring = type.equals("SPSC") ? SpscRing.create(name, 1 << 20) : MpscRing.create(name, 1 << 20);
        } else {
            ringArena = Arena.ofShared();
            MemorySegment at = ringArena.allocate(SpscRing.requiredBytes(1 << 20), 4096);
            ring = type.equals("SPSC") ? SpscRing.create(at, 1 << 20) : MpscRing.create(at, 1 << 20);
        }
        producer = ring.producer(WaitStrategy.busySpin());
        consumer = ring.consumer(WaitStrategy.busySpin(), Duration.ofSeconds(30));
        payload = arena.allocate(64, 8);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        producer.close();
        consumer.close();
        ring.close();
        arena.close();
        if (ringArena != null) {
            ringArena.close();
        }
        SharedMemory.remove(name);
    }

    @Benchmark
    public long offerThenPoll() {
        payload.set(ValueLayout.JAVA_LONG, 0, sum.total);
        producer.offer(1, payload);
        consumer.poll(sum, 16);
        return sum.total;
    }

    @Benchmark
    public long claimCommitThenPoll() {
        RingClaim claim = producer.tryClaim(1, 64);
        claim.segment().set(ValueLayout.JAVA_LONG, 0, sum.total);
        claim.commit();
        consumer.poll(sum, 16);
        return sum.total;
    }

    /** One record offered, then polled with a limit of one: the common one-record-per-call use. */
    @Benchmark
    public long offerThenPollOne() {
        payload.set(ValueLayout.JAVA_LONG, 0, sum.total);
        producer.offer(1, payload);
        consumer.poll(sum, 1);
        return sum.total;
    }

    /** Sixteen writes, then one poll that reads all sixteen: the batch path. */
    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(16)
    public long batchOfSixteen() {
        for (int i = 0; i < 16; i++) {
            producer.offer(1, payload);
        }
        consumer.poll(sum, 16);
        return sum.total;
    }
}
