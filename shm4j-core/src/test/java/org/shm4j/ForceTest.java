package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * FlushViewOfFile: {@link MappedView#force}. Where the kernel exposes page flags (root), the tests
 * check that the pages really went from dirty to clean, i.e. were written back.
 */
@ExtendWith(NoLeaks.class)
class ForceTest {
    private static final long PAGE = OsProbe.PAGE;

    @TempDir
    Path dir;

    private Path file(int pages) throws Exception {
        Path file = dir.resolve("force.bin");
        // One write per page: the page cache then holds one-page folios. (Dirty state is kept per
        // folio, and a file system with large folios would write back a whole folio around a range.)
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int p = 0; p < pages; p++) {
                ch.write(ByteBuffer.allocate((int) PAGE), p * PAGE);
            }
            ch.force(true); // start clean, so dirty pages below are ours
        }
        return file;
    }

    private static byte[] readBack(Path file, long position, int length) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, position + b.position()) > 0) {
                // keep reading
            }
            return b.array();
        }
    }

    @Test
    void forceWritesTheDataToTheFile() throws Exception {
        Path file = file(4);
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_WRITE);
             MappedView view = shm.map()) {
            MemorySegment s = view.segment();
            for (int i = 0; i < s.byteSize(); i++) {
                s.set(JAVA_BYTE, i, (byte) (i ^ 0x5A));
            }
            boolean pageFlags = OsProbe.canReadPageFlags();
            if (pageFlags) {
                assertThat(OsProbe.pageDirty(s.address())).as("dirty before force").isTrue();
            }
            view.force();
            if (pageFlags) {
                for (long p = 0; p < 4; p++) {
                    assertThat(OsProbe.pageDirty(s.address() + p * PAGE)).as("page %d clean after force", p).isFalse();
                }
            }
            byte[] back = readBack(file, 0, (int) s.byteSize());
            for (int i = 0; i < back.length; i++) {
                assertThat(back[i]).isEqualTo((byte) (i ^ 0x5A));
            }
        }
    }

    @Test
    void aRangeForceIsRoundedToWholePages() throws Exception {
        Path file = file(8);
        // An unaligned view and an unaligned range: msync itself would refuse both with EINVAL.
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_WRITE);
             MappedView view = shm.map(Access.READ_WRITE, 100, 0)) {
            MemorySegment s = view.segment();
            s.fill((byte) 7);
            long offset = 2 * PAGE + 1000; // object offset 2*PAGE + 1100: page 2
            view.force(offset, 10, Flush.DATA);
            long pageOfRange = (s.address() + offset) & ~(PAGE - 1);
            if (OsProbe.canReadPageFlags()) {
                assertThat(OsProbe.pageDirty(pageOfRange)).as("the range's page is clean").isFalse();
            }
            // A range that straddles a page boundary flushes both pages.
            long straddle = 5 * PAGE - 100 - 4; // object offset 5*PAGE - 4
            view.force(straddle, 8, Flush.DATA);
            if (OsProbe.canReadPageFlags()) {
                assertThat(OsProbe.pageDirty(s.address() + straddle)).isFalse();
                assertThat(OsProbe.pageDirty(s.address() + straddle + 7)).isFalse();
            }
            view.force(s.byteSize() - 1, 1, Flush.DATA);
            assertThatThrownBy(() -> view.force(s.byteSize() - 1, 2, Flush.DATA))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> view.force(-1, 2, Flush.DATA)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(readBack(file, 2 * PAGE + 1100, 10)).containsOnly((byte) 7);
        }
    }

    /** Dirty bytes of the mapping that holds {@code address}, from {@code /proc/self/smaps}. */
    private static long dirtyBytes(long address) {
        return OsProbe.smapsBytes(address, "Private_Dirty") + OsProbe.smapsBytes(address, "Shared_Dirty");
    }

    @Test
    void aZeroLengthForceFlushesFromTheOffsetToTheEndOfTheView() throws Exception {
        Path file = file(8);
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_WRITE);
             MappedView view = shm.map()) {
            MemorySegment s = view.segment();
            s.fill((byte) 1);
            assertThat(dirtyBytes(s.address())).as("every page dirty after writing").isEqualTo(8 * PAGE);
            // FlushViewOfFile(p + 3 pages, 0): pages 3..7 written back, 0..2 still dirty.
            view.force(3 * PAGE + 10, 0);
            assertThat(dirtyBytes(s.address())).as("only the pages before the offset stay dirty").isEqualTo(3 * PAGE);
            if (OsProbe.canReadPageFlags()) {
                assertThat(OsProbe.pageDirty(s.address() + 2 * PAGE)).isTrue();
                assertThat(OsProbe.pageDirty(s.address() + 3 * PAGE)).isFalse();
            }
            view.force(0, 0);
            assertThat(dirtyBytes(s.address())).isZero();
        }
    }

    @Test
    void negativeOrOutOfViewFlushRangesAreAClearError() throws Exception {
        Path file = file(2);
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_WRITE);
             MappedView view = shm.map(Access.READ_WRITE, 100, PAGE)) {
            for (long[] bad : new long[][] {{-1, 0}, {0, -1}, {PAGE, 0}, {PAGE + 1, 0}, {10, PAGE}, {Long.MAX_VALUE, 1}}) {
                assertThatThrownBy(() -> view.force(bad[0], bad[1]))
                        .as("offset=%d length=%d", bad[0], bad[1])
                        .isInstanceOf(IndexOutOfBoundsException.class)
                        .hasMessage("flush range outside the view: name=%s, offset=%d, length=%d, viewByteSize=%d",
                                view.objectName(), bad[0], bad[1], PAGE);
            }
            view.force(PAGE - 1, 0);
            view.force(PAGE - 1, 1);
        }
    }

    @Test
    void forceWithMetadataWorksOnAGrownFile() throws Exception {
        Path file = dir.resolve("grown.bin");
        Files.write(file, new byte[10]);
        try (SharedMemory shm = SharedMemory.mapFile(file, 3 * PAGE, Access.READ_WRITE);
             MappedView view = shm.map()) {
            view.segment().set(JAVA_BYTE, 3 * PAGE - 1, (byte) 1);
            view.force(Flush.DATA_AND_METADATA);
            if (OsProbe.canReadPageFlags()) {
                assertThat(OsProbe.pageDirty(view.segment().address() + 2 * PAGE)).isFalse();
            }
        }
        assertThat(Files.size(file)).isEqualTo(3 * PAGE);
        assertThat(readBack(file, 3 * PAGE - 1, 1)).containsExactly(1);
    }

    @Test
    void forceOfANamedObjectAndOfReadOnlyOrCopyOnWriteViewsSucceeds() throws Exception {
        String name = TestNames.unique("force-named");
        try (SharedMemory shm = SharedMemory.create(name, 2 * PAGE);
             MappedView rw = shm.map();
             MappedView ro = shm.map(Access.READ_ONLY, 1, 0);
             MappedView cow = shm.map(Access.COPY_ON_WRITE, 0, 0)) {
            rw.segment().fill((byte) 3);
            rw.force();
            rw.force(Flush.DATA_AND_METADATA);
            ro.force();
            cow.force(Flush.DATA_AND_METADATA);
            assertThat(ro.segment().get(JAVA_BYTE, 0)).isEqualTo((byte) 3);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void forceOnAClosedViewIsIllegalState() throws Exception {
        Path file = file(1);
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_WRITE)) {
            MappedView view = shm.map();
            view.close();
            assertThatThrownBy(view::force).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.force(Flush.DATA_AND_METADATA)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.force(0, 1, Flush.DATA)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void dirtyPagesReachTheFileAfterUnmapWithoutForce() throws Exception {
        Path file = file(2);
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_WRITE);
             MappedView view = shm.map()) {
            view.segment().set(JAVA_BYTE, PAGE + 1, (byte) 42);
        }
        assertThat(readBack(file, PAGE + 1, 1)).containsExactly(42);
    }
}
