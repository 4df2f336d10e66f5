package org.shm4j.cli;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.shm4j.cli.demo.DemoSegmentProbe;
import org.shm4j.cli.inspect.FileMappingProbe;
import org.shm4j.cli.inspect.MapProbe;
import org.shm4j.cli.inspect.RingProbe;
import org.shm4j.cli.inspect.SyncProbe;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;
import org.shm4j.sync.SharedMutex;
import org.shm4j.sync.SharedReadWriteLock;
import org.shm4j.sync.SharedSemaphore;

/**
 * What {@code shm4j ls}, {@code info} and {@code watch} do with a file nobody vouches for: every
 * probe reads its first bytes and decides what it is. The file is a real ring, synchronization
 * block, named-file-mapping record or shared map (or nothing) whose bytes the fuzzer then overwrites and cuts short; each probe must return
 * a description or nothing, never throw (the CLI swallows a probe's exception, which would hide the
 * bug), and {@link Probes#identify} over a real file must finish the same way.
 */
class ProbeFuzzTest {
    private static final List<SegmentTypeProbe> PROBES = List.of(new RingProbe(), new SyncProbe(),
            new DemoSegmentProbe(), new FileMappingProbe(), new MapProbe());
    private static final Probes LOADED = Probes.load();
    private static final byte[] RECORD = namedFileMappingRecord();

    /** The bytes of a real named-file-mapping record, made once. */
    private static byte[] namedFileMappingRecord() {
        String name = org.shm4j.testkit.TestNames.unique("probe-fuzz-record");
        try {
            Path file = Files.createTempFile("shm4j-probe-fuzz-", ".bin");
            file.toFile().deleteOnExit();
            try (org.shm4j.SharedMemory _ = org.shm4j.SharedMemory.mapFile(name, file, 4096,
                    org.shm4j.Access.READ_WRITE, org.shm4j.SegmentOption.Disposition.OPEN_EXISTING)) {
                return Files.readAllBytes(org.shm4j.SegmentName.of(name).path());
            } finally {
                org.shm4j.SharedMemory.remove(name);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void probesOfUnknownFiles(FuzzedDataProvider data) throws IOException {
        byte[] content = hostileContent(data);
        long claimedSize = data.consumeBoolean() ? content.length : data.consumeLong(0, 1L << 40);
        SegmentBytes bytes = new ArrayBytes(content, claimedSize);
        for (SegmentTypeProbe probe : PROBES) {
            Optional<Recognised> result = probe.probe(bytes);
            result.ifPresent(r -> r.details().toString());
        }
        if (data.consumeInt(0, 15) == 0) {
            Path file = Files.createTempFile("shm4j-probe-fuzz-", ".bin");
            try {
                Files.write(file, content);
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    LOADED.identify(channel, claimedSize);
                }
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    /** A ring or sync block built for real (or random bytes), overwritten in places, maybe cut short. */
    private static byte[] hostileContent(FuzzedDataProvider data) throws IOException {
        int kind = data.consumeInt(0, 11);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory;
            switch (kind) {
                case 0, 1, 2 -> {
                    long capacity = 1L << data.consumeInt(6, 10);
                    memory = arena.allocate(Math.max(MpscRing.requiredBytes(capacity),
                            BroadcastRing.requiredBytes(capacity)), 64);
                    if (kind == 2) {
                        BroadcastRing.create(memory, capacity).transmitter().transmit(1, memory.asSlice(0, 0));
                    } else {
                        try (var ring = kind == 0 ? (org.shm4j.ring.MessageRing) SpscRing.create(memory, capacity)
                                : (org.shm4j.ring.MessageRing) MpscRing.create(memory, capacity)) {
                            RingProducer producer = ring.producer();
                            producer.offer(3, memory.asSlice(0, data.consumeInt(0, 16)));
                        }
                    }
                }
                case 3 -> {
                    memory = arena.allocate(SharedMutex.BYTES, 64);
                    SharedMutex.create(memory).tryLock();
                }
                case 4 -> {
                    memory = arena.allocate(SharedReadWriteLock.BYTES, 64);
                    SharedReadWriteLock.create(memory).tryLockRead();
                }
                case 5 -> {
                    memory = arena.allocate(SharedSemaphore.BYTES, 64);
                    SharedSemaphore.create(memory, 1, 5);
                }
                case 6 -> {
                    memory = arena.allocate(SharedEvent.BYTES, 64);
                    SharedEvent.create(memory, EventReset.MANUAL).set();
                }
                case 7 -> {
                    byte[] record = RECORD;
                    memory = arena.allocate(record.length + 8, 8);
                    MemorySegment.copy(record, 0, memory, JAVA_BYTE, 0, record.length);
                }
                case 8, 9 -> {
                    // A shared map with entries, some stripes locked by a dead holder (a PID in the
                    // lock word that no process has; the probe reports it dead either way).
                    MapSpec spec = new MapSpec(data.consumeInt(1, 64), 8, data.consumeInt(0, 16),
                            1 << data.consumeInt(0, 3));
                    memory = arena.allocate(SharedMap.requiredBytes(spec), 64);
                    try (SharedMap map = SharedMap.create(memory, spec)) {
                        int entries = data.consumeInt(0, (int) Math.min(40, map.capacity()));
                        for (int i = 0; i < entries; i++) {
                            try {
                                map.longKeys().put(i, memory.asSlice(0, Math.min(i, map.maxValueBytes())));
                            } catch (org.shm4j.map.MapFullException full) {
                                break;
                            }
                        }
                        long stripeBytes = memory.get(JAVA_LONG_UNALIGNED, 0x38);
                        for (int s = 0; s < map.stripes(); s++) {
                            if (data.consumeBoolean()) {
                                memory.set(JAVA_INT_UNALIGNED, 0x80 + s * stripeBytes + 0x20, 0x3F_FFF0);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
                default -> {
                    byte[] raw = data.consumeBytes(data.consumeInt(0, 256));
                    memory = arena.allocate(Math.max(8, raw.length), 8);
                    MemorySegment.copy(raw, 0, memory, JAVA_BYTE, 0, raw.length);
                }
            }
            int writes = data.consumeInt(0, 8);
            for (int i = 0; i < writes; i++) {
                long limit = data.consumeBoolean() ? Math.min(128, memory.byteSize()) : memory.byteSize();
                if (data.consumeBoolean()) {
                    memory.set(JAVA_INT_UNALIGNED, data.consumeLong(0, limit - 4), data.consumeInt());
                } else {
                    memory.set(JAVA_LONG_UNALIGNED, data.consumeLong(0, limit - 8), data.consumeLong());
                }
            }
            long length = data.consumeBoolean() ? memory.byteSize() : data.consumeLong(0, memory.byteSize());
            return memory.asSlice(0, length).toArray(JAVA_BYTE);
        }
    }

    /** {@link SegmentBytes} over an array, with the CLI's rules: copies, little-endian, short at the end. */
    private record ArrayBytes(byte[] content, long byteSize) implements SegmentBytes {
        @Override
        public ByteBuffer header() {
            return ByteBuffer.wrap(content).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public ByteBuffer read(long offset, int length) {
            if (offset < 0 || length < 0 || length > 65536) {
                throw new IllegalArgumentException("probe read out of range: offset=" + offset + ", length=" + length);
            }
            int from = (int) Math.min(offset, content.length);
            int to = (int) Math.min(content.length, from + (long) length);
            return ByteBuffer.wrap(content, from, to - from).slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
