package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.NoLeaks;

/** Mappings of ordinary files: CreateFile + CreateFileMapping(hFile, ...). */
@ExtendWith(NoLeaks.class)
class FileMappingTest {
    @TempDir
    Path dir;

    private static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    @Test
    void sizeZeroMapsTheWholeFile() throws Exception {
        Path file = dir.resolve("data.bin");
        byte[] content = pattern(10_000);
        Files.write(file, content);
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_WRITE);
             MappedView view = shm.map()) {
            assertThat(shm.byteSize()).isEqualTo(10_000);
            assertThat(shm.created()).isFalse();
            assertThat(shm.name()).isEmpty();
            assertThat(shm.path()).contains(file.toAbsolutePath());
            assertThat(view.byteSize()).isEqualTo(10_000);
            assertThat(view.segment().toArray(JAVA_BYTE)).isEqualTo(content);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(content);
    }

    @Test
    void aLargerSizeGrowsTheFileAndKeepsItsContent() throws Exception {
        Path file = dir.resolve("grow.bin");
        byte[] content = pattern(100);
        Files.write(file, content);
        try (SharedMemory shm = SharedMemory.mapFile(file, 3 * 4096, Access.READ_WRITE);
             MappedView view = shm.map()) {
            assertThat(Files.size(file)).isEqualTo(3 * 4096);
            assertThat(view.segment().asSlice(0, 100).toArray(JAVA_BYTE)).isEqualTo(content);
            assertThat(view.segment().get(JAVA_BYTE, 3 * 4096 - 1)).isZero();
            view.segment().set(JAVA_BYTE, 3 * 4096 - 1, (byte) 0x5A);
        }
        byte[] after = Files.readAllBytes(file);
        assertThat(after).hasSize(3 * 4096);
        assertThat(after[3 * 4096 - 1]).isEqualTo((byte) 0x5A);
    }

    @Test
    void aSmallerSizeMapsAPrefixAndNeverShrinksTheFile() throws Exception {
        Path file = dir.resolve("prefix.bin");
        Files.write(file, pattern(20_000));
        try (SharedMemory shm = SharedMemory.mapFile(file, 5000, Access.READ_WRITE);
             MappedView view = shm.map()) {
            assertThat(view.byteSize()).isEqualTo(5000);
            assertThatThrownBy(() -> view.segment().get(JAVA_BYTE, 5000)).isInstanceOf(IndexOutOfBoundsException.class);
        }
        assertThat(Files.size(file)).isEqualTo(20_000);
    }

    @Test
    void aReadOnlyFileMapsReadOnlyAndReadWriteIsAccessDenied() throws Exception {
        Path file = dir.resolve("ro.bin");
        byte[] content = pattern(8192);
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));

        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.READ_ONLY);
             MappedView view = shm.map()) {
            assertThat(view.access()).isEqualTo(Access.READ_ONLY);
            assertThat(view.segment().isReadOnly()).isTrue();
            assertThat(view.segment().toArray(JAVA_BYTE)).isEqualTo(content);
            assertThat(OsProbe.permissions(view.segment().address())).isEqualTo("r--s");
        }
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 0, Access.READ_WRITE))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining(file.toAbsolutePath().toString())
                .satisfies(e -> assertThat(((AccessDeniedException) e).getReason())
                        .containsAnyOf("read-only", "EACCES"));
        // Growing needs write access, whatever the caller's privileges.
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 3 * 8192, Access.READ_ONLY))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("fileSize=8192");
        assertThat(Files.readAllBytes(file)).isEqualTo(content);
    }

    @Test
    void copyOnWriteOfAReadOnlyFileNeverWritesTheFile() throws Exception {
        Path file = dir.resolve("cow.bin");
        byte[] content = pattern(4096);
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        try (SharedMemory shm = SharedMemory.mapFile(file, 0, Access.COPY_ON_WRITE);
             MappedView view = shm.map()) {
            view.segment().fill((byte) 0x11);
            view.force();
            assertThat(view.segment().get(JAVA_BYTE, 100)).isEqualTo((byte) 0x11);
            assertThat(OsProbe.permissions(view.segment().address())).isEqualTo("rw-p");
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(content);
    }

    @Test
    void anEmptyFileWithoutASizeIsAnErrorAndIsLeftAsItWas() throws Exception {
        Path file = dir.resolve("empty.bin");
        Files.createFile(file);
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 0, Access.READ_WRITE))
                .isInstanceOf(SharedMemoryException.class)
                .hasMessageContaining("empty file")
                .hasMessageContaining("path=" + file.toAbsolutePath());
        assertThat(file).exists().isEmptyFile();
    }

    @Test
    void openExistingIsTheDefaultAndFailsForAMissingFile() {
        Path file = dir.resolve("missing.bin");
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 4096, Access.READ_WRITE))
                .isInstanceOf(NoSuchFileException.class);
        assertThat(file).doesNotExist();
    }

    @Test
    void createNewCreatesWithTheModeAndFailsWhenTheFileExists() throws Exception {
        Path file = dir.resolve("new.bin");
        try (SharedMemory shm = SharedMemory.mapFile(file, 8192, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW, new SegmentOption.Mode(0640))) {
            assertThat(shm.created()).isTrue();
            assertThat(Files.size(file)).isEqualTo(8192);
            assertThat(OsProbe.mode(file)).isEqualTo(0640);
        }
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 8192, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.size(file)).isEqualTo(8192);
    }

    @Test
    void createNewWithADefaultModeIsOwnerOnly() throws Exception {
        Path file = dir.resolve("default-mode.bin");
        SharedMemory.mapFile(file, 4096, Access.READ_WRITE, SegmentOption.Disposition.CREATE_NEW).close();
        assertThat(OsProbe.mode(file)).isEqualTo(0600);
    }

    @Test
    void createNewThatFailsRemovesTheFileItCreated() {
        Path file = dir.resolve("failed-create.bin");
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 0, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW))
                .isInstanceOf(SharedMemoryException.class);
        assertThat(file).doesNotExist();
    }

    @Test
    void openOrCreateCreatesOnceThenOpensTheExistingFile() throws Exception {
        Path file = dir.resolve("ooc.bin");
        try (SharedMemory first = SharedMemory.mapFile(file, 4096, Access.READ_WRITE,
                SegmentOption.Disposition.OPEN_OR_CREATE);
             MappedView view = first.map()) {
            assertThat(first.created()).isTrue();
            view.segment().set(JAVA_BYTE, 10, (byte) 99);
        }
        try (SharedMemory second = SharedMemory.mapFile(file, 0, Access.READ_WRITE,
                SegmentOption.Disposition.OPEN_OR_CREATE);
             MappedView view = second.map()) {
            assertThat(second.created()).isFalse();
            assertThat(second.byteSize()).isEqualTo(4096);
            assertThat(view.segment().get(JAVA_BYTE, 10)).isEqualTo((byte) 99);
        }
    }

    @Test
    void creatingAFileNeedsReadWriteAccess() {
        Path file = dir.resolve("ro-create.bin");
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 4096, Access.READ_ONLY,
                SegmentOption.Disposition.CREATE_NEW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(file).doesNotExist();
    }

    @Test
    void createNewNeverFollowsAPlantedSymlink() throws Exception {
        Path target = dir.resolve("target.bin");
        byte[] content = pattern(100);
        Files.write(target, content);
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), target);
        assertThatThrownBy(() -> SharedMemory.mapFile(link, 8192, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(target)).isEqualTo(content);
    }

    @Test
    void openOrCreateFollowsASymlinkByDefaultAndGrowsItsTarget() throws Exception {
        Path target = dir.resolve("followed-target.bin");
        byte[] content = pattern(100);
        Files.write(target, content);
        Path link = Files.createSymbolicLink(dir.resolve("followed-link.bin"), target);
        try (SharedMemory shm = SharedMemory.mapFile(link, 8192, Access.READ_WRITE,
                SegmentOption.Disposition.OPEN_OR_CREATE);
             MappedView view = shm.map()) {
            assertThat(shm.created()).isFalse();
            view.segment().set(JAVA_BYTE, 8191, (byte) 0x42);
        }
        assertThat(Files.isSymbolicLink(link)).isTrue();
        byte[] grown = Files.readAllBytes(target);
        assertThat(grown).hasSize(8192);
        assertThat(Arrays.copyOf(grown, 100)).isEqualTo(content);
        assertThat(grown[8191]).isEqualTo((byte) 0x42);
    }

    @Test
    void noFollowLinksRefusesASymlinkForEveryDispositionAndLeavesTheTargetAlone() throws Exception {
        Path target = dir.resolve("refused-target.bin");
        byte[] content = pattern(100);
        Files.write(target, content);
        Path link = Files.createSymbolicLink(dir.resolve("refused-link.bin"), target);
        for (SegmentOption.Disposition disposition : new SegmentOption.Disposition[] {
                SegmentOption.Disposition.OPEN_OR_CREATE, SegmentOption.Disposition.OPEN_EXISTING}) {
            assertThatThrownBy(() -> SharedMemory.mapFile(link, 8192, Access.READ_WRITE, disposition,
                    SegmentOption.Flag.NOFOLLOW_LINKS))
                    .as("disposition %s", disposition)
                    .isInstanceOf(UnexpectedFileTypeException.class)
                    .hasMessageStartingWith("refusing to follow a symbolic link")
                    .hasMessageContaining(link.toString())
                    .hasMessageContaining("ELOOP");
        }
        assertThatThrownBy(() -> SharedMemory.mapFile(link, 8192, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW, SegmentOption.Flag.NOFOLLOW_LINKS))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(target)).isEqualTo(content);
        assertThat(Files.isSymbolicLink(link)).isTrue();

        // A regular file and a new file are unaffected by the flag.
        try (SharedMemory shm = SharedMemory.mapFile(target, 0, Access.READ_ONLY, SegmentOption.Flag.NOFOLLOW_LINKS)) {
            assertThat(shm.byteSize()).isEqualTo(100);
        }
        Path fresh = dir.resolve("fresh.bin");
        try (SharedMemory shm = SharedMemory.mapFile(fresh, 4096, Access.READ_WRITE,
                SegmentOption.Disposition.OPEN_OR_CREATE, SegmentOption.Flag.NOFOLLOW_LINKS)) {
            assertThat(shm.created()).isTrue();
        }
    }

    @Test
    void fileMappingsArePersistentOnly() {
        Path file = dir.resolve("lifetime.bin");
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 4096, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW, Lifetime.REFERENCE_COUNTED))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(file).doesNotExist();
    }

    @Test
    void aDirectoryIsNotMapped() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertThatThrownBy(() -> SharedMemory.mapFile(sub, 4096, Access.READ_ONLY))
                .isInstanceOf(UnexpectedFileTypeException.class)
                .hasMessageContaining("directory");
        assertThat(Arrays.asList(sub.toFile().list())).isEmpty();
    }
}
