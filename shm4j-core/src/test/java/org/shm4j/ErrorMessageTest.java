package org.shm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Every failure is a typed exception whose shm4j message has the shape
 * {@code what failed: key=value, key=value}. For {@link FileSystemException}s the JDK prefixes
 * {@code getMessage()} with the file; shm4j's message is then {@code getReason()}.
 */
@ExtendWith(NoLeaks.class)
class ErrorMessageTest {
    /** "what" (lower case, no '='), ": ", then key=value pairs separated by ", ". */
    private static final Pattern SHAPE = Pattern.compile("(?<what>[a-z][^=]*?): (?<pairs>[a-zA-Z]+=.*)");
    private static final Pattern PAIR_SEPARATOR = Pattern.compile(", (?=[a-zA-Z]+=)");

    @TempDir
    Path dir;

    /** The shm4j message of {@code t}. */
    private static String shm4jMessage(Throwable t) {
        return t instanceof FileSystemException f && f.getReason() != null ? f.getReason() : t.getMessage();
    }

    /** Asserts the type and shape, and that the message contains every {@code expected} key=value. */
    private static Throwable assertShaped(Throwable t, Class<? extends Throwable> type, String... expected) {
        assertThat(t).isInstanceOf(type);
        String message = shm4jMessage(t);
        Matcher m = SHAPE.matcher(message);
        assertThat(m.matches()).as("message shape: %s", message).isTrue();
        for (String pair : PAIR_SEPARATOR.split(m.group("pairs"))) {
            assertThat(pair).as("pair in %s", message).matches("[a-zA-Z]+=\\S.*|[a-zA-Z]+=\"\"");
        }
        assertThat(message).contains(expected);
        if (t instanceof FileSystemException f && f.getFile() != null) {
            // The JDK's form, "<file>: <reason>"; ForeignOwnerException gives the reason alone.
            assertThat(f.getMessage()).isIn(f.getFile() + ": " + message, message);
        }
        return t;
    }

    private static Throwable thrown(ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected a failure").isNotNull();
        return t;
    }

    @Test
    void namedObjectFailures() throws Exception {
        String name = TestNames.unique("errors");
        assertShaped(thrown(() -> SegmentName.of("a/b")), InvalidNameException.class,
                "name=\"a/b\"", "reason=");
        // Errors about a named object name it, never by its path in /dev/shm.
        assertThat(shm4jMessage(assertShaped(thrown(() -> SharedMemory.open(name, Access.READ_ONLY)),
                NoSuchFileException.class, "no such segment", "name=" + name))).doesNotContain("path=");
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            assertThat(shm4jMessage(assertShaped(thrown(() -> SharedMemory.create(name, 4096)),
                    FileAlreadyExistsException.class, "segment already exists", "name=" + name)))
                    .doesNotContain("path=");
            assertShaped(thrown(() -> shm.map(Access.READ_WRITE, 4000, 200)), IndexOutOfBoundsException.class,
                    "offset=4000", "length=200", "byteSize=4096");
            try (SharedMemory ro = SharedMemory.open(name, Access.READ_ONLY)) {
                assertShaped(thrown(() -> ro.map(Access.READ_WRITE, 0, 0)), IllegalArgumentException.class,
                        "viewAccess=READ_WRITE");
            }
            try (MappedView occupant = shm.map()) {
                assertShaped(thrown(() -> shm.map(Access.READ_WRITE, 0, 4096,
                        MapOption.at(occupant.segment().address()))), AddressInUseException.class, "address=0x");
            }
        } finally {
            SharedMemory.remove(name);
        }
        assertShaped(thrown(() -> SharedMemory.create(name, -5)), IllegalArgumentException.class, "byteSize=-5");
        SharedMemory closed = SharedMemory.create(name, 4096);
        closed.close();
        try {
            assertShaped(thrown(closed::map), IllegalStateException.class, "name=" + name);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void systemCallFailuresOnANamedObjectNameItNotItsPath() {
        String message = org.shm4j.internal.os.Errno.exception(org.shm4j.internal.os.Errno.EACCES, "open",
                "/dev/shm/orders", "flags", "02").getMessage();
        assertThat(message).contains("open failed: name=orders, flags=02, errno=EACCES").doesNotContain("path=");
        assertThat(org.shm4j.internal.os.Errno.exception(org.shm4j.internal.os.Errno.EIO, "fsync", "/data/x.bin")
                .getMessage()).contains("fsync failed: path=/data/x.bin, errno=EIO");
    }

    @Test
    void fileTypeAndOwnerFailures() throws Exception {
        String name = TestNames.unique("errors-type");
        Path path = Path.of("/dev/shm", name);
        Files.createDirectory(path);
        try {
            assertShaped(thrown(() -> SharedMemory.open(name, Access.READ_ONLY)), UnexpectedFileTypeException.class,
                    "not a regular file", "name=" + name, "type=directory");
        } finally {
            Files.delete(path);
        }
        if (OsProbe.isRoot()) {
            try {
                SharedMemory.create(name, 4096).close();
                Files.setAttribute(path, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
                Throwable t = assertShaped(thrown(() -> SharedMemory.open(name, Access.READ_ONLY)),
                        ForeignOwnerException.class, "name=" + name, "ownerUid=65534", "uid=0");
                assertThat(t).isInstanceOf(AccessDeniedException.class);
            } finally {
                SharedMemory.remove(name);
            }
        }
    }

    @Test
    void fileFailures() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty"));
        Throwable t = assertShaped(thrown(() -> SharedMemory.mapFile(empty, 0, Access.READ_WRITE)),
                SharedMemoryException.class, "path=" + empty, "fileSize=0");
        assertThat(t.getClass()).isEqualTo(SharedMemoryException.class);

        Path readOnly = dir.resolve("ro");
        Files.write(readOnly, new byte[10]);
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r--r--r--"));
        assertShaped(thrown(() -> SharedMemory.mapFile(readOnly, 0, Access.READ_WRITE)), AccessDeniedException.class,
                "path=" + readOnly);

        assertShaped(thrown(() -> SharedMemory.mapFile(dir.resolve("missing"), 0, Access.READ_ONLY)),
                NoSuchFileException.class, "errno=ENOENT");
        assertShaped(thrown(() -> SharedMemory.mapFile(empty, 10, Access.READ_WRITE,
                SegmentOption.Disposition.CREATE_NEW)), FileAlreadyExistsException.class, "errno=EEXIST");
    }

    @Test
    void insufficientSpaceNamesRequiredAndFree() throws Exception {
        assumeTrue(OsProbe.isRoot(), "mounting a tmpfs needs root");
        Path mount = Files.createDirectory(dir.resolve("full"));
        exec(List.of("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString()));
        try {
            Throwable t = assertShaped(thrown(() -> SharedMemory.mapFile(mount.resolve("f"), 1 << 20,
                    Access.READ_WRITE, SegmentOption.Disposition.CREATE_NEW)), InsufficientSpaceException.class,
                    "not enough space", "required=1048576", "free=", "errno=ENOSPC");
            assertThat(((SharedMemoryException) t).errno()).contains("ENOSPC");
        } finally {
            exec(List.of("umount", mount.toString()));
        }
    }

    @Test
    void resourceLimitAndFaultFailures() throws Exception {
        String name = TestNames.unique("errors-limits");
        try (SharedMemory shm = SharedMemory.create(name, 8192);
             MappedView view = shm.map()) {
            String shmem = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
            if (shmem.contains("[never]") || shmem.contains("[deny]")) {
                assertShaped(thrown(() -> shm.map(Access.READ_WRITE, 0, 0, MapOption.Flag.HUGE_PAGES)),
                        ResourceLimitException.class, "huge pages refused", "shmem_enabled=");
            }
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(Path.of("/dev/shm", name).toFile(), "rw")) {
                f.setLength(0);
            }
            assertShaped(thrown(() -> view.access(s -> s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0))),
                    SegmentFaultException.class, "name=" + name, "objectSize=0");
        } finally {
            SharedMemory.remove(name);
        }
    }

    private static void exec(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, new String(p.getInputStream().readAllBytes())).isZero();
    }
}
