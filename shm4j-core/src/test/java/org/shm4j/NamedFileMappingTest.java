package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Named file mappings: {@code CreateFileMapping(hFile, ..., lpName)} then {@code OpenFileMapping(lpName)}
 * in another process, which maps the same file without its path, and only if it is still that file.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("try")
class NamedFileMappingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long PAGE = OsProbe.PAGE;

    @TempDir
    Path dir;

    @Test
    void anotherProcessOpensTheNameAndMapsTheSameFileWithItsRealSize() throws Exception {
        String name = TestNames.unique("nfm-child");
        Path file = dir.resolve("orders.bin");
        try (SharedMemory shm = SharedMemory.mapFile(name, file, 3 * PAGE, Access.READ_WRITE,
                SegmentOption.Disposition.OPEN_OR_CREATE);
             MappedView view = shm.map()) {
            assertThat(shm.name()).map(SegmentName::value).contains(name);
            assertThat(shm.path()).contains(file.toRealPath());
            assertThat(shm.created()).isTrue();
            view.segment().set(JAVA_LONG, 0, 0x1122334455667788L);
            try (ChildJvm child = ChildJvm.start(Opener.class, name, Long.toString(3 * PAGE),
                    file.toRealPath().toString())) {
                child.assertExitCode(0, WAIT);
                assertThat(child.output()).contains("OPENED size=" + 3 * PAGE);
            }
            assertThat(view.segment().get(JAVA_LONG, 8)).as("the child's write reached our view").isEqualTo(99L);
        } finally {
            SharedMemory.remove(name);
        }
        assertThat(Files.size(file)).isEqualTo(3 * PAGE);
    }

    /** Args: name, expected size, expected path. Opens by name only, checks, writes 99 at offset 8. */
    public static final class Opener {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_WRITE);
                 MappedView view = shm.map()) {
                check(shm.byteSize() == Long.parseLong(args[1]), "size " + shm.byteSize());
                check(shm.path().orElseThrow().toString().equals(args[2]), "path " + shm.path());
                check(view.segment().get(JAVA_LONG, 0) == 0x1122334455667788L, "data");
                view.segment().set(JAVA_LONG, 8, 99L);
                System.out.println("OPENED size=" + shm.byteSize());
            }
            try (SharedMemory again = SharedMemory.openOrCreate(args[0], 1, Access.READ_ONLY)) {
                check(!again.created() && again.byteSize() == Long.parseLong(args[1]), "openOrCreate");
            }
        }

        private static void check(boolean ok, String what) {
            if (!ok) {
                System.out.println("FAILED " + what);
                System.exit(2);
            }
        }
    }

    @Test
    void theNameSharesTheNamespaceOfMemoryOnlyObjects() throws Exception {
        String name = TestNames.unique("nfm-namespace");
        Path file = dir.resolve("a.bin");
        Files.write(file, new byte[100]);
        try (SharedMemory mapping = SharedMemory.mapFile(name, file, 0, Access.READ_WRITE)) {
            assertThat(SharedMemory.exists(name)).isTrue();
            assertThatThrownBy(() -> SharedMemory.create(name, 4096)).isInstanceOf(FileAlreadyExistsException.class);
            assertThatThrownBy(() -> SharedMemory.mapFile(name, dir.resolve("b.bin"), 4096, Access.READ_WRITE,
                    SegmentOption.Disposition.CREATE_NEW))
                    .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("name=" + name);
            assertThat(dir.resolve("b.bin")).as("the refused call left no file").doesNotExist();
            // openOrCreate on the name opens the file mapping: the existing object and its size win.
            try (SharedMemory shm = SharedMemory.openOrCreate(name, 8192)) {
                assertThat(shm.created()).isFalse();
                assertThat(shm.byteSize()).isEqualTo(100);
                assertThat(shm.path()).contains(file.toRealPath());
            }
        } finally {
            SharedMemory.remove(name);
        }
        String segment = TestNames.unique("nfm-segment");
        try (SharedMemory shm = SharedMemory.create(segment, 4096)) {
            Path grown = dir.resolve("grown.bin");
            Files.write(grown, new byte[10]);
            assertThatThrownBy(() -> SharedMemory.mapFile(segment, grown, 4096, Access.READ_WRITE))
                    .isInstanceOf(FileAlreadyExistsException.class);
            assertThat(Files.size(grown)).as("the file was not grown").isEqualTo(10);
        } finally {
            SharedMemory.remove(segment);
        }
    }

    @Test
    void ofManyRacingNamersExactlyOneGetsTheName() throws Exception {
        String name = TestNames.unique("nfm-race");
        int racers = 8;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(racers);
        List<java.util.concurrent.Future<SharedMemory>> results = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(racers)) {
            for (int i = 0; i < racers; i++) {
                Path file = dir.resolve("race-" + i + ".bin");
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return SharedMemory.mapFile(name, file, PAGE, Access.READ_WRITE,
                            SegmentOption.Disposition.CREATE_NEW);
                }));
            }
        }
        List<SharedMemory> winners = new java.util.ArrayList<>();
        int refused = 0;
        try {
            for (var r : results) {
                try {
                    winners.add(r.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(FileAlreadyExistsException.class);
                    refused++;
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(refused).isEqualTo(racers - 1);
            // The name maps the winner's file; every loser's created file was removed again.
            try (SharedMemory opened = SharedMemory.open(name, Access.READ_ONLY)) {
                assertThat(opened.path()).isEqualTo(winners.get(0).path());
            }
            try (var files = Files.list(dir)) {
                assertThat(files.toList()).hasSize(1);
            }
        } finally {
            winners.forEach(SharedMemory::close);
            SharedMemory.remove(name);
        }
    }

    @Test
    void removeTakesTheNameAndLeavesTheFile() throws Exception {
        String name = TestNames.unique("nfm-remove");
        Path file = dir.resolve("keep.bin");
        try (SharedMemory shm = SharedMemory.mapFile(name, file, PAGE, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW)) {
            assertThat(SharedMemory.remove(name)).isTrue();
            assertThat(SharedMemory.exists(name)).isFalse();
            assertThat(file).exists();
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY)).isInstanceOf(NoSuchFileException.class);
        }
        assertThat(file).exists();
    }

    @Test
    void aReplacedMovedDeletedOrChangedFileIsRefusedNamingBoth() throws Exception {
        String name = TestNames.unique("nfm-stale");
        Path file = dir.resolve("data.bin");
        Files.write(file, new byte[(int) PAGE]);
        String real = file.toRealPath().toString();
        try (SharedMemory shm = SharedMemory.mapFile(name, file, 0, Access.READ_WRITE)) {
            // Replaced: another file renamed over the path.
            Path other = dir.resolve("other.bin");
            Files.write(other, new byte[(int) PAGE]);
            Files.move(file, dir.resolve("moved.bin"));
            Files.move(other, file);
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(StaleFileMappingException.class)
                    .hasMessageContaining("name=" + name).hasMessageContaining("file=" + real)
                    .hasMessageContaining("recorded=").hasMessageContaining("found=")
                    .satisfies(e -> {
                        assertThat(((StaleFileMappingException) e).name()).isEqualTo(name);
                        assertThat(((StaleFileMappingException) e).file()).isEqualTo(real);
                    });
            // Moved away (nothing at the path).
            Files.delete(file);
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(StaleFileMappingException.class).hasMessageContaining("deleted or moved")
                    .hasMessageContaining("found=nothing");
            // A symbolic link planted at the path, even one to the right file, is never followed.
            Files.createSymbolicLink(file, dir.resolve("moved.bin"));
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(StaleFileMappingException.class).hasMessageContaining("no longer a regular file");
            // Back in place: it opens again; then a chmod makes it a changed file.
            Files.delete(file);
            Files.move(dir.resolve("moved.bin"), file);
            SharedMemory.open(name, Access.READ_ONLY).close();
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(StaleFileMappingException.class).hasMessageContaining("changed file");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aFileGivenToAnotherOwnerIsRefused() throws Exception {
        assumeTrue(OsProbe.isRoot(), "chown needs root");
        String name = TestNames.unique("nfm-foreign");
        Path file = dir.resolve("owned.bin");
        Files.write(file, new byte[(int) PAGE]);
        try (SharedMemory shm = SharedMemory.mapFile(name, file, 0, Access.READ_WRITE)) {
            Files.setAttribute(file, "unix:uid", 65534);
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(StaleFileMappingException.class).hasMessageContaining("uid=65534");
        } finally {
            SharedMemory.remove(name);
        }
    }

    /**
     * A record someone else wrote may only name that someone's files: otherwise whoever can write a
     * name could point this process at any file it may open. (Root's records may name any file.)
     */
    @Test
    void aRecordMayOnlyNameAFileOfItsOwnOwner() throws Exception {
        assumeTrue(OsProbe.isRoot(), "chown needs root");
        String name = TestNames.unique("nfm-record-owner");
        Path file = dir.resolve("victim.bin");
        Files.write(file, new byte[(int) PAGE]);
        Path record = Path.of("/dev/shm", name);
        try (SharedMemory shm = SharedMemory.mapFile(name, file, 0, Access.READ_WRITE)) {
            // The record now belongs to another user; the file is still root's.
            Files.setAttribute(record, "unix:uid", 65534);
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY, SegmentOption.Flag.ALLOW_FOREIGN_OWNER))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("record's owner does not own").hasMessageContaining("recordOwnerUid=65534");
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(ForeignOwnerException.class);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void openersGetNoMoreThanTheCreatorsAccess() throws Exception {
        String name = TestNames.unique("nfm-access");
        Path file = dir.resolve("ro.bin");
        Files.write(file, new byte[(int) PAGE]);
        try (SharedMemory shm = SharedMemory.mapFile(name, file, 0, Access.READ_ONLY)) {
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_WRITE))
                    .isInstanceOf(AccessDeniedException.class).hasMessageContaining("mappingAccess=READ_ONLY");
            try (SharedMemory cow = SharedMemory.open(name, Access.COPY_ON_WRITE); MappedView v = cow.map()) {
                v.segment().set(JAVA_BYTE, 0, (byte) 9);
            }
            assertThat(Files.readAllBytes(file)[0]).isZero();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aReferenceCountedNameGoesWithTheLastHandleAndTheFileStays() throws Exception {
        String name = TestNames.unique("nfm-refcount");
        Path file = dir.resolve("rc.bin");
        try {
            SharedMemory first = SharedMemory.mapFile(name, file, PAGE, Access.READ_WRITE,
                    SegmentOption.Disposition.CREATE_NEW, Lifetime.REFERENCE_COUNTED);
            assertThat(first.lifetime()).isEqualTo(Lifetime.REFERENCE_COUNTED);
            MappedView view;
            try (SharedMemory second = SharedMemory.open(name, Access.READ_ONLY)) {
                assertThat(second.lifetime()).isEqualTo(Lifetime.REFERENCE_COUNTED);
                first.close();
                assertThat(SharedMemory.exists(name)).as("second still holds it").isTrue();
                view = second.map();
            }
            assertThat(SharedMemory.exists(name)).as("the view still holds it").isTrue();
            view.close();
            assertThat(SharedMemory.exists(name)).isFalse();
            assertThat(file).exists().hasSize(PAGE);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aKilledHoldersReferenceCountedNameIsAnOrphanAndTheFileStays() throws Exception {
        String name = TestNames.unique("nfm-orphan");
        Path file = dir.resolve("orphan.bin");
        Files.write(file, new byte[(int) PAGE]);
        try {
            try (ChildJvm child = ChildJvm.start(Holder.class, name, file.toString())) {
                child.awaitOutput("HOLDING", WAIT);
                child.kill();
            }
            assertThat(SegmentInfo.of(SegmentName.of(name)).attachState())
                    .isEqualTo(SegmentInfo.AttachState.ORPHAN_REMOVED);
            assertThat(SharedMemory.exists(name)).isFalse();
            assertThat(Path.of("/dev/shm", name)).doesNotExist();
            assertThat(file).exists();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Args: name, file. Maps the file under a reference-counted name and waits to be killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            SharedMemory shm = SharedMemory.mapFile(args[0], Path.of(args[1]), 0, Access.READ_WRITE,
                    Lifetime.REFERENCE_COUNTED);
            shm.map();
            System.out.println("HOLDING");
            Thread.sleep(120_000);
            System.exit(3);
        }
    }

    @Test
    void malformedRecordsAreRefusedWithTheReason() throws Exception {
        String name = TestNames.unique("nfm-malformed");
        Path record = Path.of("/dev/shm", name);
        try {
            ByteBuffer b = ByteBuffer.allocate(FileMappingRecord.HEADER_BYTES + 4).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(0, FileMappingRecord.MAGIC).putInt(8, 2);
            Files.write(record, b.array());
            Files.setPosixFilePermissions(record, PosixFilePermissions.fromString("rw-------"));
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(SharedMemoryException.class).hasMessageContaining("unsupported version")
                    .hasMessageContaining("name=" + name);
            b.putInt(8, 1).putInt(12, 64).putInt(16, 100); // path length beyond the record
            Files.write(record, b.array());
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(SharedMemoryException.class).hasMessageContaining("path length");
            // A segment that merely starts with other bytes is a plain segment.
            b.putLong(0, 0x0102030405060708L);
            Files.write(record, b.array());
            try (SharedMemory plain = SharedMemory.open(name, Access.READ_ONLY)) {
                assertThat(plain.byteSize()).isEqualTo(FileMappingRecord.HEADER_BYTES + 4);
                assertThat(plain.path()).contains(record);
            }
        } finally {
            Files.deleteIfExists(record);
        }
    }

    @Test
    void theRecordRoundTripsAndIsReadableByPath() throws Exception {
        String name = TestNames.unique("nfm-record");
        Path file = dir.resolve("rec.bin");
        Files.write(file, new byte[123]);
        try (SharedMemory shm = SharedMemory.mapFile(name, file, 0, Access.READ_WRITE)) {
            FileMappingRecord r = FileMappingRecord.read(SegmentName.of(name)).orElseThrow();
            assertThat(r.path()).isEqualTo(file.toRealPath().toString());
            assertThat(r.inode()).isEqualTo(OsProbe.stat(file).inode());
            assertThat(r.device()).isEqualTo(OsProbe.stat(file).device());
            assertThat(r.access()).isEqualTo(Access.READ_WRITE);
            assertThat(r.byteSizeWhenNamed()).isEqualTo(123);
            byte[] raw = Files.readAllBytes(Path.of("/dev/shm", name));
            assertThat(raw).hasSize(FileMappingRecord.HEADER_BYTES + r.path().length());
            assertThat(new String(raw, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("SHM4JNFM");
            assertThat(FileMappingRecord.decode(ByteBuffer.wrap(raw), name).toString()).isEqualTo(r.toString());
        } finally {
            SharedMemory.remove(name);
        }
        String plain = TestNames.unique("nfm-plain");
        try (SharedMemory shm = SharedMemory.create(plain, 4096)) {
            assertThat(FileMappingRecord.read(SegmentName.of(plain))).isEmpty();
        } finally {
            SharedMemory.remove(plain);
        }
    }

    /** Resolves the name to its file from the documented record layout alone, checks it, reads Java's bytes. */
    private static final String PYTHON_RESOLVER = """
            import mmap, os, stat, struct, sys
            name = sys.argv[1]
            with open("/dev/shm/" + name, "rb") as f:
                rec = f.read()
            magic, version, header, path_bytes, uid, mode, major, minor, access, inode, size, reserved = \\
                struct.unpack_from("<8sIIIIIIIIQQQ", rec, 0)
            assert magic == b"SHM4JNFM" and version == 1 and header == 64, (magic, version, header)
            assert len(rec) == header + path_bytes
            path = rec[header:header + path_bytes].decode("utf-8")
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            st = os.fstat(fd)
            assert (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino, st.st_uid, st.st_mode) == \\
                (major, minor, inode, uid, mode), "not the named file"
            m = mmap.mmap(fd, st.st_size, prot=mmap.PROT_READ)
            print("PY RESOLVED", path, st.st_size, m[0:4].hex())
            """;

    @Test
    void pythonResolvesTheNameToTheFileFromTheDocumentedLayout() throws Exception {
        assumeTrue(OsProbe.command("python3") != null, "python3 not installed");
        String name = TestNames.unique("nfm-python");
        Path file = dir.resolve("py.bin");
        try (SharedMemory shm = SharedMemory.mapFile(name, file, 2 * PAGE, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW);
             MappedView view = shm.map()) {
            view.segment().set(JAVA_BYTE, 0, (byte) 0xca);
            view.segment().set(JAVA_BYTE, 1, (byte) 0xfe);
            try (ChildJvm py = ChildJvm.startCommand(List.of("python3", "-c", PYTHON_RESOLVER, name), Map.of(),
                    "python3")) {
                py.assertExitCode(0, WAIT);
                assertThat(py.output()).contains("PY RESOLVED " + file.toRealPath() + " " + 2 * PAGE + " cafe0000");
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aFileMappingWithoutANameStaysPersistentOnly() throws Exception {
        Path file = dir.resolve("plain.bin");
        Files.write(file, new byte[10]);
        assertThatThrownBy(() -> SharedMemory.mapFile(file, 0, Access.READ_WRITE, Lifetime.REFERENCE_COUNTED))
                .isInstanceOf(IllegalArgumentException.class);
        Path copy = dir.resolve("copy.bin");
        Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        try (SharedMemory shm = SharedMemory.mapFile(copy, 0, Access.READ_WRITE)) {
            assertThat(shm.name()).isEmpty();
        }
    }
}
