package org.shm4j.fuzz;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SegmentInfo;
import org.shm4j.SegmentName;
import org.shm4j.SharedMemory;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.testkit.TestNames;

/**
 * What another user's process controls about a named object besides its bytes: the extended
 * attributes shm4j reads back (the creator identity {@code user.shm4j.creator}, the lifetime tag
 * {@code user.shm4j.lifetime}) and the size. A file in {@code /dev/shm} gets fuzzer-chosen
 * attribute values and length, then {@code SegmentInfo.of} (what {@code shm4j ls} and the
 * reference-counted lifetime read) and {@code SharedMemory.open} + map must give a result or a
 * typed exception. The attribute parser alone is also fuzzed at full speed.
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
                Files.write(file, new byte[data.consumeInt(0, 3) * 4096]);
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
                Hostile.typed(() -> {
                    try (SharedMemory shm = SharedMemory.open(NAME, Access.READ_ONLY);
                         MappedView mapped = shm.map()) {
                        return mapped.byteSize();
                    }
                });
            } finally {
                Files.deleteIfExists(file);
            }
        });
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
