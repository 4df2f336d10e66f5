package org.shm4j.fuzz;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SegmentInfo;
import org.shm4j.SegmentName;
import org.shm4j.SharedMemory;
import org.shm4j.SegmentOption;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.block.Kinds;
import org.shm4j.ring.RingOption;
import org.shm4j.ring.SpscRing;
import org.shm4j.sync.SharedMutex;
import org.shm4j.testkit.TestNames;

/**
 * What another user's process controls about a named object besides its bytes: the extended
 * attributes shm4j reads back (the creator identity {@code user.shm4j.creator}, the lifetime tag
 * {@code user.shm4j.lifetime}) and the size. A file in {@code /dev/shm} gets fuzzer-chosen
 * attribute values and length, then {@code SegmentInfo.of} (what {@code shm4j ls} and the
 * reference-counted lifetime read) and {@code SharedMemory.open} + map must give a result or a
 * typed exception. The file's first bytes are sometimes a ring's or a lock's magic followed by
 * the fuzzer's bytes, so the recognition of what a name holds ({@code Kinds}) is fuzzed through
 * plain, any-kind and typed opens. The attribute parser alone is also fuzzed at full speed.
 */
class ObjectHeaderFuzzTest {
    private static final String NAME = TestNames.unique("fuzz-xattr");

    @FuzzTest(maxDuration = "5m")
    void creatorIdentity(FuzzedDataProvider data) {
        ProcessIdentity.decode(data.consumeRemainingAsString()).ifPresent(ProcessIdentity::encode);
    }

    @FuzzTest(maxDuration = "5m")
    void objectAttributes(FuzzedDataProvider data) {
        Hostile.bounded(() -> {
            Path file = Path.of("/dev/shm", NAME);
            try {
                Files.deleteIfExists(file);
                Files.write(file, content(data));
                UserDefinedFileAttributeView view = Files.getFileAttributeView(file,
                        UserDefinedFileAttributeView.class);
                assumeTrue(view != null, "no user extended attributes here");
                writeAttribute(data, view, "shm4j.creator", "%d:%d");
                writeAttribute(data, view, "shm4j.lifetime", "refcount");
                SegmentInfo info = Hostile.typed(() -> SegmentInfo.of(SegmentName.of(NAME)));
                if (info != null) {
                    info.creatorPid();
                    info.creatorLiveness();
                    info.createdByShm4j();
                    info.lifetime();
                    info.toString();
                    Hostile.typed(info::hasAttachedHandles);
                }
                // What the name holds is decided from its first bytes (Kinds): plain, typed and
                // any-kind opens must each map it, open it, or refuse it with a typed exception.
                Hostile.typed(() -> {
                    try (SharedMemory shm = SharedMemory.open(NAME, Access.READ_ONLY);
                         MappedView mapped = shm.map()) {
                        return mapped.byteSize();
                    }
                });
                Hostile.typed(() -> {
                    try (SharedMemory shm = SharedMemory.open(NAME, Access.READ_ONLY, SegmentOption.Flag.ANY_KIND)) {
                        return shm.byteSize();
                    }
                });
                Hostile.typed(() -> {
                    try (SpscRing ring = SpscRing.open(NAME, RingOption.openTimeout(Duration.ofMillis(5)))) {
                        return ring.capacityBytes();
                    }
                });
                Hostile.typed(() -> {
                    try (SharedMutex mutex = SharedMutex.open(NAME)) {
                        return mutex.holderPid();
                    }
                });
            } finally {
                Files.deleteIfExists(file);
            }
        });
    }

    /** Nothing, zeros, or a ring's or lock's magic followed by the fuzzer's bytes, up to 3 pages. */
    private static byte[] content(FuzzedDataProvider data) {
        int kind = data.consumeInt(0, 3);
        if (kind == 0) {
            return new byte[data.consumeInt(0, 3) * 4096];
        }
        ByteBuffer b = ByteBuffer.allocate(data.consumeInt(8, 3 * 4096)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (kind == 1) {
            b.putLong(0, Kinds.RING_MAGIC);
        } else if (kind == 2) {
            b.putInt(0, Kinds.SYNC_MAGIC);
        }
        byte[] tail = data.consumeBytes(Math.min(4096, b.capacity() - 8));
        b.put(8, tail);
        return b.array();
    }

    /** Sets the attribute to random bytes, or to a near-valid value, or leaves it out. */
    private static void writeAttribute(FuzzedDataProvider data, UserDefinedFileAttributeView view, String key,
            String shape) throws IOException {
        byte[] value = switch (data.consumeInt(0, 2)) {
            case 0 -> null;
            case 1 -> data.consumeBytes(data.consumeInt(0, 300));
            default -> String.format(shape, data.consumeLong(), data.consumeLong()).getBytes();
        };
        if (value != null) {
            try {
                view.write(key, ByteBuffer.wrap(value));
            } catch (IOException unsupported) {
                assumeTrue(false, "user extended attributes not supported: " + unsupported);
            }
        }
    }
}
