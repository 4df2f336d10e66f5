package org.shm4j.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.shm4j.Access;
import org.shm4j.FileMappingRecord;
import org.shm4j.MappedView;
import org.shm4j.SegmentName;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.TestNames;

/**
 * The record of a named file mapping (issue 12): a file in {@code /dev/shm} that anyone who may write
 * the name controls. A real record is made once with {@code SharedMemory.mapFile(name, file, ...)};
 * each input overwrites its bytes and length, then {@code FileMappingRecord.decode} must return a
 * record or a typed {@code SharedMemoryException}, and sometimes the hostile record is written under
 * a second name and opened ({@code FileMappingRecord.read}, {@code SharedMemory.open} + map), which
 * must map the named file only if it is still the recorded one, or refuse with a typed exception.
 */
class FileMappingRecordFuzzTest {
    private static final String NAME = TestNames.unique("fuzz-record");
    private static final String HOSTILE = TestNames.unique("fuzz-record-hostile");
    private static final byte[] VALID = validRecord();

    private static byte[] validRecord() {
        try {
            Path file = Files.createTempFile("shm4j-fuzz-record-", ".bin");
            file.toFile().deleteOnExit();
            try (SharedMemory _ = SharedMemory.mapFile(NAME, file, 8192, Access.READ_WRITE,
                    SegmentOption.Disposition.OPEN_EXISTING)) {
                return Files.readAllBytes(SegmentName.of(NAME).path());
            } finally {
                SharedMemory.remove(NAME);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void record(FuzzedDataProvider data) {
        Hostile.bounded(() -> {
            byte[] bytes;
            try (Arena arena = Arena.ofConfined()) {
                int extra = data.consumeInt(-8, 8);
                MemorySegment memory = arena.allocate(Math.max(8, VALID.length + Math.max(0, extra)));
                MemorySegment.copy(VALID, 0, memory, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, VALID.length);
                Hostile.overwrite(data, memory, FileMappingRecord.HEADER_BYTES, 8);
                long length = extra < 0 ? VALID.length + extra : memory.byteSize();
                bytes = memory.asSlice(0, Math.max(0, length)).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            }
            FileMappingRecord decoded = Hostile.typed(() -> FileMappingRecord.decode(ByteBuffer.wrap(bytes), NAME));
            if (decoded != null) {
                decoded.toString();
                decoded.fileState();
            }
            if (data.consumeInt(0, 7) == 0) {
                Path entry = SegmentName.of(HOSTILE).path();
                try {
                    Files.write(entry, bytes);
                    Hostile.typed(() -> FileMappingRecord.read(SegmentName.of(HOSTILE)));
                    Hostile.typed(() -> {
                        try (SharedMemory shm = SharedMemory.open(HOSTILE, Access.READ_ONLY);
                             MappedView view = shm.map()) {
                            return view.byteSize();
                        }
                    });
                } finally {
                    Files.deleteIfExists(entry);
                }
            }
        });
    }
}
