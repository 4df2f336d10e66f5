package org.shm4j.bench.ring;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.shm4j.bench.AgronaFlags;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
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

/** Baseline for {@link RingOpsBenchmark}: Agrona's ring buffers over a mapped /dev/shm file. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {AgronaFlags.EXPORTS, AgronaFlags.BOUNDS_CHECKS_OFF})
public class AgronaOpsBenchmark {
    @Param({"SPSC", "MPSC"})
    public String type;

    private String name;
    private RingBuffer ring;
    private UnsafeBuffer payload;
    private final Sum sum = new Sum();

    static final class Sum implements MessageHandler {
        long total;

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            total += buffer.getLong(index);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        name = "shm4j-jmh-agrona-" + ProcessHandle.current().pid();
        UnsafeBuffer buffer = Peer.mapFile(name, (1 << 20) + RingBufferDescriptor.TRAILER_LENGTH);
        ring = type.equals("SPSC") ? new OneToOneRingBuffer(buffer) : new ManyToOneRingBuffer(buffer);
        payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Files.deleteIfExists(Path.of("/dev/shm", name));
    }

    @Benchmark
    public long writeThenRead() {
        payload.putLong(0, sum.total);
        ring.write(1, (DirectBuffer) payload, 0, 64);
        ring.read(sum, 16);
        return sum.total;
    }

    @Benchmark
    public long claimCommitThenRead() {
        int index = ring.tryClaim(1, 64);
        ring.buffer().putLong(index, sum.total);
        ring.commit(index);
        ring.read(sum, 16);
        return sum.total;
    }

    /** One record written, then read with a limit of one: the common one-record-per-call use. */
    @Benchmark
    public long writeThenReadOne() {
        payload.putLong(0, sum.total);
        ring.write(1, (DirectBuffer) payload, 0, 64);
        ring.read(sum, 1);
        return sum.total;
    }

    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(16)
    public long batchOfSixteen() {
        for (int i = 0; i < 16; i++) {
            ring.write(1, (DirectBuffer) payload, 0, 64);
        }
        ring.read(sum, 16);
        return sum.total;
    }
}
