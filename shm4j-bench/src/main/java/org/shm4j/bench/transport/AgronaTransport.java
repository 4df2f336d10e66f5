package org.shm4j.bench.transport;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.JvmTransport;
import org.shm4j.bench.harness.Listener;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Waiter;
import org.shm4j.bench.harness.Kv;

/**
 * Agrona's {@link OneToOneRingBuffer} or {@link ManyToOneRingBuffer}, one per direction, in a file
 * under {@code /dev/shm} mapped by Agrona's {@link IoUtil}, as Aeron does; both sides spin. Agrona 2
 * reads {@code jdk.internal.misc.Unsafe}, so both JVMs that run it get
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (and only they do: the harness side
 * runs in a driver JVM), with Agrona's bounds checks off as in every harness ({@link org.shm4j.bench.AgronaFlags}).
 */
public final class AgronaTransport extends JvmTransport {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final int MESSAGE_TYPE = 1;
    private final boolean manyToOne;

    private AgronaTransport(boolean manyToOne, String name, String description) {
        super(name, description);
        this.manyToOne = manyToOne;
    }

    public static AgronaTransport oneToOne() {
        return new AgronaTransport(false, "agrona-1to1",
                "Agrona 2 OneToOneRingBuffer per direction over a mapped file in /dev/shm, spinning");
    }

    public static AgronaTransport manyToOne() {
        return new AgronaTransport(true, "agrona-mpsc",
                "Agrona 2 ManyToOneRingBuffer per direction over a mapped file in /dev/shm, spinning");
    }

    @Override
    public List<String> jvmOptions() {
        // The same flags as in every other harness: the export, and Agrona's bounds checks off.
        return org.shm4j.bench.AgronaFlags.jvmOptions();
    }

    @Override
    public int maxProducers() {
        return manyToOne ? 4 : 1;
    }

    /** Ring capacity: room for 64 messages of the largest size, at least 64 KiB, a power of two. */
    static int capacity(Spec spec) {
        long wanted = Math.max(64 * 1024L, 64L * (spec.maxMessageBytes() + RingBufferDescriptor.TRAILER_LENGTH));
        return (int) Long.highestOneBit(wanted - 1) << 1;
    }

    @Override
    protected Listener listen(Spec spec, Path workDirectory, Waiter waiter) throws IOException {
        Path file = Path.of("/dev/shm", "shm4j-bench-" + ProcessHandle.current().pid() + "-"
                + COUNTER.incrementAndGet() + "-" + name());
        int ringBytes = capacity(spec) + RingBufferDescriptor.TRAILER_LENGTH;
        MappedByteBuffer mapped = IoUtil.mapNewFile(file.toFile(), 2L * ringBytes, true);
        Channel channel;
        try {
            // Creating the ring buffer objects over zeroed memory is Agrona's initialisation.
            channel = new RingChannel(ring(new UnsafeBuffer(mapped, 0, ringBytes)),
                    ring(new UnsafeBuffer(mapped, ringBytes, ringBytes)), mapped, waiter, spec);
        } catch (RuntimeException e) {
            IoUtil.unmap(mapped);
            Files.deleteIfExists(file);
            throw e;
        }
        return Listener.ready(List.of(file.toString()), channel, () -> Files.deleteIfExists(file));
    }

    @Override
    protected Channel connect(Spec spec, List<String> arguments, Waiter waiter) {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(new File(arguments.get(0)), "agrona rings");
        int ringBytes = capacity(spec) + RingBufferDescriptor.TRAILER_LENGTH;
        if (mapped.capacity() != 2 * ringBytes) {
            IoUtil.unmap(mapped);
            throw new IllegalStateException(Kv.format("agrona ring file has the wrong size", "byteSize",
                    mapped.capacity(), "expected", 2 * ringBytes));
        }
        return new RingChannel(ring(new UnsafeBuffer(mapped, ringBytes, ringBytes)),
                ring(new UnsafeBuffer(mapped, 0, ringBytes)), mapped, waiter, spec);
    }

    private RingBuffer ring(UnsafeBuffer buffer) {
        return manyToOne ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
    }

    /** Sends into one ring, receives from the other; copies between the message buffers and the rings. */
    private static final class RingChannel implements Channel, MessageHandler {
        private final RingBuffer out;
        private final RingBuffer in;
        private final MappedByteBuffer mapped;
        private final Waiter waiter;
        private final int maxMessageBytes;
        private final ThreadLocal<UnsafeBuffer> sourceView = ThreadLocal.withInitial(UnsafeBuffer::new);
        private final UnsafeBuffer targetView = new UnsafeBuffer();
        private int received = -1;

        RingChannel(RingBuffer out, RingBuffer in, MappedByteBuffer mapped, Waiter waiter, Spec spec) {
            this.out = out;
            this.in = in;
            this.mapped = mapped;
            this.waiter = waiter;
            this.maxMessageBytes = spec.maxMessageBytes();
        }

        @Override
        public void send(MemorySegment source, int length) throws IOException {
            UnsafeBuffer view = sourceView.get();
            view.wrap(source.address(), length);
            while (!out.write(MESSAGE_TYPE, view, 0, length)) {
                waiter.spin();
            }
        }

        @Override
        public int receive(MemorySegment target) throws IOException {
            targetView.wrap(target.address(), (int) Math.min(Integer.MAX_VALUE, target.byteSize()));
            received = -1;
            while (in.read(this, 1) == 0) {
                waiter.spin();
            }
            if (received < 0) {
                throw new IOException(Kv.format("agrona message too long", "maxMessageBytes", maxMessageBytes));
            }
            return received;
        }

        @Override
        public void onMessage(int messageTypeId, MutableDirectBuffer buffer, int index, int length) {
            if (length <= maxMessageBytes && length <= targetView.capacity()) {
                buffer.getBytes(index, targetView, 0, length);
                received = length;
            }
        }

        @Override
        public void close() {
            IoUtil.unmap(mapped);
        }
    }
}
