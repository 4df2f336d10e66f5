package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** Views: MapViewOfFile at any offset, bounds, sharing and OS-enforced protection. */
@ExtendWith(NoLeaks.class)
class ViewTest {
    private static final long SIZE = 5 * 4096 + 123;

    private static byte at(long i) {
        return (byte) (i * 131 + (i >>> 8));
    }

    /** A named object filled with {@link #at}; the caller removes it. */
    private static SharedMemory patterned(String name) throws Exception {
        SharedMemory shm = SharedMemory.create(name, SIZE);
        try (MappedView all = shm.map()) {
            for (long i = 0; i < SIZE; i++) {
                all.segment().set(JAVA_BYTE, i, at(i));
            }
        }
        return shm;
    }

    @ParameterizedTest(name = "offset={0}, length={1}")
    @CsvSource({"0, 1", "1, 10", "4095, 2", "4096, 4096", "4097, 8191", "12345, 333", "20479, 1", "0, 20603"})
    void aViewStartsExactlyAtAnyOffsetWithExactlyItsLength(long offset, long length) throws Exception {
        String name = TestNames.unique("offset");
        try (SharedMemory shm = patterned(name);
             MappedView view = shm.map(Access.READ_WRITE, offset, length)) {
            assertThat(view.offset()).isEqualTo(offset);
            assertThat(view.byteSize()).isEqualTo(length);
            MemorySegment s = view.segment();
            for (long i = 0; i < length; i++) {
                assertThat(s.get(JAVA_BYTE, i)).as("byte %d of view", i).isEqualTo(at(offset + i));
            }
            assertThatThrownBy(() -> s.get(JAVA_BYTE, length)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> s.get(JAVA_BYTE, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest(name = "offset={0}")
    @CsvSource({"0", "1", "4096", "5000", "20602"})
    void lengthZeroMapsToTheEnd(long offset) throws Exception {
        String name = TestNames.unique("to-end");
        try (SharedMemory shm = patterned(name);
             MappedView view = shm.map(Access.READ_ONLY, offset, 0)) {
            assertThat(view.byteSize()).isEqualTo(SIZE - offset);
            assertThat(view.segment().get(JAVA_BYTE, SIZE - offset - 1)).isEqualTo(at(SIZE - 1));
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest(name = "offset={0}, length={1}")
    @CsvSource({"-1, 10", "0, -1", "20603, 0", "20604, 0", "20603, 1", "0, 20604", "20000, 604",
            "9223372036854775807, 1", "1, 9223372036854775807"})
    void aViewOutsideTheObjectIsIndexOutOfBounds(long offset, long length) throws Exception {
        String name = TestNames.unique("bounds");
        try (SharedMemory shm = SharedMemory.create(name, SIZE, Commit.LAZY)) {
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, offset, length))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            // A failed map takes no reference: the handle still maps.
            try (MappedView ok = shm.map()) {
                assertThat(ok.byteSize()).isEqualTo(SIZE);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSixteenGibLazySegmentMapsWholeAndItsLastPageCanBeTouched() throws Exception {
        long size = 16L << 30;
        String name = TestNames.unique("16g");
        try (SharedMemory shm = SharedMemory.create(name, size, Commit.LAZY);
             MappedView view = shm.map()) {
            assertThat(view.byteSize()).isEqualTo(size);
            MemorySegment s = view.segment();
            s.set(JAVA_LONG, size - 8, 0x1122334455667788L);
            s.set(JAVA_BYTE, 0, (byte) 1);
            assertThat(s.get(JAVA_LONG, size - 8)).isEqualTo(0x1122334455667788L);
            assertThatThrownBy(() -> s.get(JAVA_BYTE, size)).isInstanceOf(IndexOutOfBoundsException.class);
            try (MappedView tail = shm.map(Access.READ_ONLY, size - 4096 - 3, 0)) {
                assertThat(tail.segment().get(JAVA_LONG_UNALIGNED, 4096 + 3 - 8)).isEqualTo(0x1122334455667788L);
            }
            // Sparse: two touched pages, not 16 GiB.
            assertThat(OsProbe.stat(Path.of("/dev/shm", name)).allocatedBytes()).isLessThan(1L << 20);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void twoViewsOfOneObjectSeeTheSameBytes() throws Exception {
        String name = TestNames.unique("two-views");
        try (SharedMemory shm = SharedMemory.create(name, 3 * 4096);
             SharedMemory other = SharedMemory.open(name, Access.READ_WRITE);
             MappedView a = shm.map(Access.READ_WRITE, 4096 + 100, 200);
             MappedView b = other.map(Access.READ_WRITE, 0, 0);
             MappedView c = shm.map(Access.READ_ONLY, 4000, 1000)) {
            a.segment().set(JAVA_LONG_UNALIGNED, 0, 0xABCDEF0123456789L);
            assertThat(b.segment().get(JAVA_LONG_UNALIGNED, 4096 + 100)).isEqualTo(0xABCDEF0123456789L);
            assertThat(c.segment().get(JAVA_LONG_UNALIGNED, 196)).isEqualTo(0xABCDEF0123456789L);
            b.segment().set(JAVA_BYTE, 4096 + 101, (byte) 0);
            assertThat(a.segment().get(JAVA_BYTE, 1)).isZero();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aReadOnlyViewCannotBeWrittenAndItsPagesAreMappedReadOnly() throws Exception {
        String name = TestNames.unique("ro-view");
        try (SharedMemory shm = SharedMemory.create(name, 8192);
             MappedView ro = shm.map(Access.READ_ONLY, 10, 0);
             MappedView rw = shm.map(Access.READ_WRITE, 0, 0)) {
            MemorySegment s = ro.segment();
            assertThat(s.isReadOnly()).isTrue();
            assertThatThrownBy(() -> s.set(JAVA_BYTE, 0, (byte) 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.fill((byte) 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> MemorySegment.copy(new byte[4], 0, s, JAVA_BYTE, 0, 4))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.asByteBuffer().put((byte) 1))
                    .isInstanceOf(java.nio.ReadOnlyBufferException.class);
            assertThatThrownBy(() -> s.asSlice(0, 8).set(JAVA_BYTE, 0, (byte) 1))
                    .isInstanceOf(IllegalArgumentException.class);
            // Enforced by the page tables too, not only by Java.
            assertThat(OsProbe.permissions(s.address())).isEqualTo("r--s");
            assertThat(OsProbe.permissions(rw.segment().address())).isEqualTo("rw-s");
            rw.segment().set(JAVA_BYTE, 10, (byte) 5);
            assertThat(s.get(JAVA_BYTE, 0)).isEqualTo((byte) 5);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void anObjectOpenedReadOnlyMapsReadOnlyPages() throws Exception {
        String name = TestNames.unique("ro-object");
        try (SharedMemory _ = SharedMemory.create(name, 4096);
             SharedMemory ro = SharedMemory.open(name, Access.READ_ONLY);
             MappedView view = ro.map()) {
            assertThat(ro.access()).isEqualTo(Access.READ_ONLY);
            assertThat(view.access()).isEqualTo(Access.READ_ONLY);
            assertThat(view.segment().isReadOnly()).isTrue();
            assertThat(OsProbe.permissions(view.segment().address())).isEqualTo("r--s");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void copyOnWriteWritesNeverReachTheObjectNorAnotherProcess() throws Exception {
        String name = TestNames.unique("cow");
        try (SharedMemory shm = SharedMemory.create(name, 2 * 4096);
             MappedView shared = shm.map()) {
            shared.segment().fill((byte) 0x22);
            try (MappedView cow = shm.map(Access.COPY_ON_WRITE, 0, 0)) {
                assertThat(OsProbe.permissions(cow.segment().address())).isEqualTo("rw-p");
                cow.segment().fill((byte) 0x77);
                cow.force();
                assertThat(cow.segment().get(JAVA_BYTE, 4096)).isEqualTo((byte) 0x77);
                assertThat(shared.segment().get(JAVA_BYTE, 4096)).isEqualTo((byte) 0x22);
                try (ChildJvm child = ChildJvm.start(ExpectFill.class, name, "34")) {
                    child.assertExitCode(0, Duration.ofSeconds(60));
                }
            }
            // Unmapping the private copy does not write it back either.
            assertThat(shared.segment().get(JAVA_BYTE, 0)).isEqualTo((byte) 0x22);
            assertThat(Files.readAllBytes(Path.of("/dev/shm", name))).containsOnly((byte) 0x22);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aCopyOnWriteViewOfAFileNeverChangesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cow.bin");
        Files.write(file, new byte[8192]);
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_WRITE);
             MappedView cow = shm.map(Access.COPY_ON_WRITE, 4096, 0)) {
            cow.segment().fill((byte) 1);
            cow.force(Flush.DATA_AND_METADATA);
        }
        assertThat(Files.readAllBytes(file)).containsOnly((byte) 0);
    }

    @Test
    void aViewNeverAsksForMoreThanTheObjectAllows(@TempDir Path dir) throws Exception {
        String name = TestNames.unique("access");
        try (SharedMemory _ = SharedMemory.create(name, 4096);
             SharedMemory ro = SharedMemory.open(name, Access.READ_ONLY);
             SharedMemory cowObject = SharedMemory.open(name, Access.COPY_ON_WRITE)) {
            assertThatThrownBy(() -> ro.map(Access.READ_WRITE, 0, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("objectAccess=READ_ONLY")
                    .hasMessageContaining("viewAccess=READ_WRITE");
            assertThatThrownBy(() -> cowObject.map(Access.READ_WRITE, 0, 0))
                    .isInstanceOf(IllegalArgumentException.class);
            try (MappedView r = ro.map(Access.READ_ONLY, 0, 0);
                 MappedView c = ro.map(Access.COPY_ON_WRITE, 0, 0);
                 MappedView c2 = cowObject.map(Access.COPY_ON_WRITE, 0, 0)) {
                c.segment().set(JAVA_BYTE, 0, (byte) 9);
                assertThat(r.segment().get(JAVA_BYTE, 0)).isZero();
                assertThat(c2.segment().get(JAVA_BYTE, 0)).isZero();
            }
        } finally {
            SharedMemory.remove(name);
        }
        Path file = dir.resolve("f.bin");
        Files.write(file, new byte[4096]);
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_ONLY)) {
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void accessPermitsViewMatchesTheWindowsRules() {
        assertThat(Access.READ_WRITE.permitsView(Access.READ_WRITE)).isTrue();
        assertThat(Access.READ_WRITE.permitsView(Access.READ_ONLY)).isTrue();
        assertThat(Access.READ_WRITE.permitsView(Access.COPY_ON_WRITE)).isTrue();
        assertThat(Access.READ_ONLY.permitsView(Access.READ_WRITE)).isFalse();
        assertThat(Access.READ_ONLY.permitsView(Access.COPY_ON_WRITE)).isTrue();
        assertThat(Access.COPY_ON_WRITE.permitsView(Access.READ_WRITE)).isFalse();
        assertThat(Access.COPY_ON_WRITE.permitsView(Access.READ_ONLY)).isTrue();
    }

    /** Args: name, expected byte value; exits 1 unless every byte of the object equals it. */
    public static final class ExpectFill {
        public static void main(String[] args) throws Exception {
            byte expected = (byte) Integer.parseInt(args[1]);
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_ONLY);
                 MappedView view = shm.map()) {
                for (long i = 0; i < view.byteSize(); i++) {
                    if (view.segment().get(JAVA_BYTE, i) != expected) {
                        System.out.println("byte " + i + " is " + view.segment().get(JAVA_BYTE, i));
                        System.exit(1);
                    }
                }
            }
            System.out.println("ALL " + expected);
        }
    }
}
