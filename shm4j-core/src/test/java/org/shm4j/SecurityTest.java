package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** SECURITY_ATTRIBUTES and friends: modes, planted links and files, foreign owners, recycled names. */
@ExtendWith(NoLeaks.class)
class SecurityTest {
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;

    @Test
    void theDefaultModeIsOwnerReadWriteOnly() throws Exception {
        String created = TestNames.unique("mode-default");
        String openedOrCreated = TestNames.unique("mode-default-ooc");
        try {
            SharedMemory.create(created, 4096).close();
            SharedMemory.openOrCreate(openedOrCreated, 4096).close();
            assertThat(OsProbe.mode(Path.of("/dev/shm", created))).isEqualTo(0600);
            assertThat(OsProbe.mode(Path.of("/dev/shm", openedOrCreated))).isEqualTo(0600);
        } finally {
            SharedMemory.remove(created);
            SharedMemory.remove(openedOrCreated);
        }
    }

    @Test
    void anExplicitModeIsAppliedExactly() throws Exception {
        String a = TestNames.unique("mode-640");
        String b = TestNames.unique("mode-sym");
        String c = TestNames.unique("mode-0");
        try {
            SharedMemory.create(a, 4096, new SegmentOption.Mode(0640)).close();
            SharedMemory.openOrCreate(b, 4096, SegmentOption.Mode.of("rw-rw-r--")).close();
            SharedMemory.create(c, 4096, SegmentOption.Mode.of("0400")).close();
            assertThat(OsProbe.mode(Path.of("/dev/shm", a))).isEqualTo(0640);
            assertThat(OsProbe.mode(Path.of("/dev/shm", b))).isEqualTo(0664);
            assertThat(OsProbe.mode(Path.of("/dev/shm", c))).isEqualTo(0400);
        } finally {
            SharedMemory.remove(a);
            SharedMemory.remove(b);
            SharedMemory.remove(c);
        }
        assertThatThrownBy(() -> new SegmentOption.Mode(01777)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SegmentOption.Mode.of("rwx")).isInstanceOf(IllegalArgumentException.class);
    }

    /** A child with umask 077 creates with mode 0666 and gets 0666: the umask does not interfere. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theModeIsAppliedWhateverTheUmask() throws Exception {
        String name = TestNames.unique("umask");
        List<String> prefix = List.of("sh", "-c", "umask 077; exec \"$@\"", "sh");
        try (ChildJvm child = ChildJvm.start(prefix, CreateWithMode.class, Map.of(), List.of(), name, "666")) {
            child.assertExitCode(0, Duration.ofSeconds(60));
            assertThat(child.output()).contains("UMASK 0077");
            assertThat(OsProbe.mode(Path.of("/dev/shm", name))).isEqualTo(0666);
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Args: name, octal mode. Prints the umask it runs under, then creates. */
    public static final class CreateWithMode {
        public static void main(String[] args) throws Exception {
            String status = Files.readString(Path.of("/proc/self/status"));
            status.lines().filter(l -> l.startsWith("Umask:")).forEach(l -> System.out.println("UMASK " + l.substring(6).trim()));
            SharedMemory.create(args[0], 4096, new SegmentOption.Mode(Integer.parseInt(args[1], 8))).close();
        }
    }

    @Test
    void createNeverFollowsAPlantedSymlinkAndOpenRefusesIt() throws Exception {
        String name = TestNames.unique("planted-link");
        Path target = dir.resolve("victim.txt");
        Files.writeString(target, "precious");
        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path link = Path.of("/dev/shm", name);
        Files.createSymbolicLink(link, target);
        try {
            assertThatThrownBy(() -> SharedMemory.create(name, 1 << 20)).isInstanceOf(FileAlreadyExistsException.class);
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_WRITE))
                    .isInstanceOf(UnexpectedFileTypeException.class)
                    .hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> SharedMemory.openOrCreate(name, 1 << 20))
                    .isInstanceOf(UnexpectedFileTypeException.class);
            assertThatThrownBy(() -> SharedMemory.remove(name)).isInstanceOf(UnexpectedFileTypeException.class);
            assertThat(SharedMemory.exists(name)).isFalse();
            assertThat(Files.readString(target)).isEqualTo("precious");
            assertThat(OsProbe.mode(target)).as("no fchmod through the link").isEqualTo(0644);
            assertThat(Files.isSymbolicLink(link)).as("the link itself is left alone").isTrue();
        } finally {
            Files.deleteIfExists(link);
        }
    }

    @Test
    void createThroughADanglingSymlinkNeverCreatesItsTarget() throws Exception {
        String name = TestNames.unique("dangling-link");
        Path target = dir.resolve("would-be-created");
        Path link = Files.createSymbolicLink(Path.of("/dev/shm", name), target);
        try {
            assertThatThrownBy(() -> SharedMemory.create(name, 4096)).isInstanceOf(FileAlreadyExistsException.class);
            assertThatThrownBy(() -> SharedMemory.openOrCreate(name, 4096))
                    .isInstanceOf(UnexpectedFileTypeException.class);
            assertThat(target).doesNotExist();
        } finally {
            Files.deleteIfExists(link);
        }
    }

    enum Planted { FIFO, DIRECTORY }

    @ParameterizedTest
    @EnumSource(Planted.class)
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void openRefusesWhatIsNotARegularFileWithoutBlocking(Planted kind) throws Exception {
        String name = TestNames.unique("planted-" + kind.name().toLowerCase());
        Path path = Path.of("/dev/shm", name);
        try {
            if (kind == Planted.FIFO) {
                Process p = new ProcessBuilder("mkfifo", path.toString()).start();
                assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
            } else {
                Files.createDirectory(path);
            }
            for (Access access : Access.values()) {
                assertThatThrownBy(() -> SharedMemory.open(name, access))
                        .isInstanceOf(UnexpectedFileTypeException.class)
                        .hasMessageContaining(kind == Planted.FIFO ? "type=fifo" : "type=directory");
            }
            assertThatThrownBy(() -> SharedMemory.create(name, 4096)).isInstanceOf(FileAlreadyExistsException.class);
            assertThatThrownBy(() -> SharedMemory.remove(name)).isInstanceOf(UnexpectedFileTypeException.class);
            assertThat(Files.exists(path, LinkOption.NOFOLLOW_LINKS)).isTrue();
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void openRefusesAnObjectOwnedByAnotherUserUnlessAllowed() throws Exception {
        assumeTrue(OsProbe.isRoot(), "changing the owner needs root");
        String name = TestNames.unique("foreign");
        try {
            try (SharedMemory shm = SharedMemory.create(name, 4096, new SegmentOption.Mode(0666));
                 MappedView view = shm.map()) {
                view.segment().set(JAVA_BYTE, 0, (byte) 42);
            }
            Files.setAttribute(Path.of("/dev/shm", name), "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);

            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOfSatisfying(ForeignOwnerException.class, e -> {
                        assertThat(e.ownerUid()).isEqualTo(NOBODY);
                        assertThat(e.getMessage()).contains("ownerUid=" + NOBODY).contains("name=" + name)
                                .contains("ALLOW_FOREIGN_OWNER");
                    });
            assertThatThrownBy(() -> SharedMemory.openOrCreate(name, 4096))
                    .isInstanceOf(ForeignOwnerException.class);
            try (SharedMemory shm = SharedMemory.open(name, Access.READ_ONLY, SegmentOption.Flag.ALLOW_FOREIGN_OWNER);
                 MappedView view = shm.map()) {
                assertThat(view.segment().get(JAVA_BYTE, 0)).isEqualTo((byte) 42);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(Commit.class)
    void aRemovedAndRecreatedNameReadsAsZeros(Commit commit) throws Exception {
        String name = TestNames.unique("recycled");
        try (SharedMemory old = SharedMemory.create(name, 64 * 1024, commit);
             MappedView oldView = old.map()) {
            oldView.segment().fill((byte) 0xFF);
            SharedMemory.remove(name);
            try (SharedMemory fresh = SharedMemory.create(name, 64 * 1024, commit);
                 MappedView freshView = fresh.map()) {
                assertThat(freshView.segment().toArray(JAVA_BYTE)).containsOnly((byte) 0);
            }
            assertThat(oldView.segment().get(JAVA_BYTE, 1000)).isEqualTo((byte) 0xFF);
        } finally {
            SharedMemory.remove(name);
        }
    }
}
