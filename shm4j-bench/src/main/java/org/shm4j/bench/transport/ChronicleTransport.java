package org.shm4j.bench.transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.JvmTransport;
import org.shm4j.bench.harness.Listener;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Waiter;
import org.shm4j.bench.harness.Kv;

/**
 * Chronicle Queue (open-source edition), one queue per direction in {@code /dev/shm}, an appender
 * per producer thread and a spinning tailer. It runs on JDK 25 only with the flags Chronicle
 * documents for Java 17 and later ({@code --add-opens}/{@code --add-exports} into {@code java.base}
 * and {@code jdk.compiler}), so both of its JVMs get them and nothing else does; its analytics and
 * disk monitor are switched off.
 */
public final class ChronicleTransport extends JvmTransport {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    public ChronicleTransport() {
        super("chronicle", "Chronicle Queue 2026.2, one queue per direction in /dev/shm, spinning tailer");
    }

    @Override
    public List<String> jvmOptions() {
        return List.of("--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
                "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dchronicle.analytics.disable=true", "-Dchronicle.disk.monitor.disable=true",
                "-Djvm.resource.tracing=false");
    }

    @Override
    public int maxProducers() {
        return 4;
    }

    @Override
    protected Listener listen(Spec spec, Path workDirectory, Waiter waiter) throws IOException {
        Path dir = Path.of("/dev/shm", "shm4j-bench-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet()
                + "-chronicle");
        Files.createDirectories(dir);
        Channel channel = open(dir.resolve("to-peer"), dir.resolve("from-peer"), waiter, spec);
        return Listener.ready(List.of(dir.toString()), channel, () -> {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        });
    }

    @Override
    protected Channel connect(Spec spec, List<String> arguments, Waiter waiter) {
        Path dir = Path.of(arguments.get(0));
        return open(dir.resolve("from-peer"), dir.resolve("to-peer"), waiter, spec);
    }

    private static Channel open(Path outDir, Path inDir, Waiter waiter, Spec spec) {
        ChronicleQueue out = ChronicleQueue.singleBuilder(outDir.toFile()).build();
        ChronicleQueue in = ChronicleQueue.singleBuilder(inDir.toFile()).build();
        return new QueueChannel(out, in, waiter, spec.maxMessageBytes());
    }

    private static final class QueueChannel implements Channel {
        private final ChronicleQueue out;
        private final ChronicleQueue in;
        private final Waiter waiter;
        private final int maxMessageBytes;
        private final ThreadLocal<Writer> writers;
        private final ExcerptTailer tailer;
        private final Bytes<?> received;
        private final byte[] receiveScratch;

        QueueChannel(ChronicleQueue out, ChronicleQueue in, Waiter waiter, int maxMessageBytes) {
            this.out = out;
            this.in = in;
            this.waiter = waiter;
            this.maxMessageBytes = maxMessageBytes;
            this.writers = ThreadLocal.withInitial(() -> new Writer(out.createAppender(), maxMessageBytes));
            this.tailer = in.createTailer();
            this.received = Bytes.allocateElasticDirect(maxMessageBytes);
            this.receiveScratch = new byte[maxMessageBytes];
        }

        @Override
        public void send(MemorySegment source, int length) {
            Writer w = writers.get();
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, 0, w.scratch, 0, length);
            w.bytes.clear();
            w.bytes.write(w.scratch, 0, length);
            w.appender.writeBytes(w.bytes);
        }

        @Override
        public int receive(MemorySegment target) throws IOException {
            received.clear();
            while (!tailer.readBytes(received)) {
                waiter.spin();
            }
            long length = received.readRemaining();
            if (length > maxMessageBytes || length > target.byteSize()) {
                throw new IOException(Kv.format("chronicle message too long", "length", length,
                        "maxMessageBytes", maxMessageBytes));
            }
            received.read(receiveScratch, 0, (int) length);
            MemorySegment.copy(receiveScratch, 0, target, ValueLayout.JAVA_BYTE, 0, (int) length);
            return (int) length;
        }

        @Override
        public void close() {
            received.releaseLast();
            out.close();
            in.close();
        }
    }

    private static final class Writer {
        final ExcerptAppender appender;
        final Bytes<?> bytes;
        final byte[] scratch;

        Writer(ExcerptAppender appender, int maxMessageBytes) {
            this.appender = appender;
            this.bytes = Bytes.allocateElasticDirect(maxMessageBytes);
            this.scratch = new byte[maxMessageBytes];
        }
    }
}
