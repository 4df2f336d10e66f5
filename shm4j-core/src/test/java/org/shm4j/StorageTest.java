package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Storage: SEC_COMMIT (reserved at creation, a full file system is a typed error at once) and
 * SEC_RESERVE (sparse), pre-faulting, locking and huge pages. Full file systems are small tmpfs
 * mounts the test makes itself (root only), one for files and one private /dev/shm for a child.
 */
@ExtendWith(NoLeaks.class)
class StorageTest {
    private static final long MIB = 1 << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void commitNowReservesEveryByteAtCreation() throws Exception {
        String name = TestNames.unique("commit-now");
        try (SharedMemory _ = SharedMemory.create(name, 8 * MIB)) {
            assertThat(OsProbe.stat(Path.of("/dev/shm", name)).allocatedBytes()).isGreaterThanOrEqualTo(8 * MIB);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void commitLazyReservesNothingUntilTouched() throws Exception {
        String name = TestNames.unique("commit-lazy");
        try (SharedMemory shm = SharedMemory.create(name, 8 * MIB, Commit.LAZY)) {
            Path path = Path.of("/dev/shm", name);
            assertThat(OsProbe.stat(path).allocatedBytes()).isZero();
            try (MappedView view = shm.map()) {
                view.segment().set(JAVA_BYTE, 5 * MIB, (byte) 1);
            }
            assertThat(OsProbe.stat(path).allocatedBytes()).isPositive().isLessThan(MIB);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void growingAFileReservesItsStorageUnlessLazy() throws Exception {
        Path now = dir.resolve("now.bin");
        Path lazy = dir.resolve("lazy.bin");
        SharedMemory.mapFile(now, 4 * MIB, Access.READ_WRITE, SegmentOption.Disposition.CREATE_NEW).close();
        SharedMemory.mapFile(lazy, 4 * MIB, Access.READ_WRITE, SegmentOption.Disposition.CREATE_NEW, Commit.LAZY)
                .close();
        assertThat(OsProbe.stat(now).allocatedBytes()).isGreaterThanOrEqualTo(4 * MIB);
        assertThat(OsProbe.stat(lazy).allocatedBytes()).isLessThan(MIB);
        assertThat(Files.size(lazy)).isEqualTo(4 * MIB);
    }

    /** Mounts a 1 MiB tmpfs at {@code dir/small}, runs {@code body}, unmounts. Root only. */
    private void withSmallTmpfs(ThrowingConsumer body) throws Exception {
        assumeTrue(OsProbe.isRoot(), "mounting a tmpfs needs root");
        Path mount = Files.createDirectory(dir.resolve("small"));
        run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()));
        try {
            body.accept(mount);
        } finally {
            run(List.of("umount", mount.toString()));
        }
    }

    @FunctionalInterface
    private interface ThrowingConsumer {
        void accept(Path path) throws Exception;
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFullFileSystemIsAnInsufficientSpaceExceptionNamingRequiredAndFree() throws Exception {
        withSmallTmpfs(mount -> {
            Path file = mount.resolve("big.bin");
            assertThatThrownBy(() -> SharedMemory.mapFile(file, 4 * MIB, Access.READ_WRITE,
                    SegmentOption.Disposition.CREATE_NEW))
                    .isInstanceOfSatisfying(InsufficientSpaceException.class, e -> {
                        assertThat(e.requiredBytes()).isEqualTo(4 * MIB);
                        assertThat(e.freeBytes()).isBetween(0L, MIB);
                        assertThat(e.getMessage()).contains("required=" + 4 * MIB)
                                .contains("free=" + e.freeBytes()).contains("name=" + file)
                                .contains("directory=" + mount);
                        assertThat(e.errno()).contains("ENOSPC");
                    });
            assertThat(file).as("the file it created is removed").doesNotExist();
        });
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void growingAnExistingFileBeyondTheSpaceLeavesItsSize() throws Exception {
        withSmallTmpfs(mount -> {
            Path file = mount.resolve("small.bin");
            Files.write(file, new byte[4096]);
            assertThatThrownBy(() -> SharedMemory.mapFile(file, 4 * MIB, Access.READ_WRITE))
                    .isInstanceOf(InsufficientSpaceException.class);
            assertThat(Files.size(file)).isEqualTo(4096);
        });
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLazyMappingOfAFullFileSystemFaultsOnlyWhenTouched() throws Exception {
        withSmallTmpfs(mount -> {
            Path file = mount.resolve("lazy.bin");
            try (SharedMemory shm = SharedMemory.mapFile(file, 4 * MIB, Access.READ_WRITE,
                    SegmentOption.Disposition.CREATE_NEW, Commit.LAZY);
                 MappedView view = shm.map()) {
                view.segment().set(JAVA_BYTE, 0, (byte) 1);
                assertThatThrownBy(() -> view.access(s -> s.fill((byte) 1)))
                        .isInstanceOf(SegmentFaultException.class)
                        .hasMessageContaining(file.toString());
            }
        });
    }

    /**
     * A child JVM in its own mount namespace, with a 1 MiB tmpfs over /dev/shm, creates named
     * objects: NOW fails at once with the sizes, LAZY succeeds, and nothing is left behind.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFullDevShmIsAnInsufficientSpaceExceptionAtCreate() {
        assumeTrue(OsProbe.isRoot(), "unshare -m needs root");
        assumeTrue(OsProbe.command("unshare") != null, "unshare not installed");
        List<String> prefix = List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=1m tmpfs /dev/shm && exec \"$@\"", "sh");
        try (ChildJvm child = ChildJvm.start(prefix, FullDevShm.class, Map.of(), List.of())) {
            child.assertExitCode(0, WAIT);
            String out = child.output();
            assertThat(out).contains("CREATE InsufficientSpaceException required=4194304")
                    .contains("OPEN_OR_CREATE InsufficientSpaceException required=4194304")
                    .contains("LAZY created")
                    .contains("ENTRIES []");
            assertThat(out).containsPattern("free=[0-9]+ message=not enough space for segment: name=orders-[0-9]+, "
                    + "required=4194304, free=[0-9]+, directory=/dev/shm, errno=ENOSPC");
        }
    }

    public static final class FullDevShm {
        public static void main(String[] args) throws Exception {
            String name = "orders-" + ProcessHandle.current().pid();
            try {
                SharedMemory.create(name, 4 * MIB).close();
                System.out.println("CREATE succeeded");
            } catch (InsufficientSpaceException e) {
                System.out.println("CREATE InsufficientSpaceException required=" + e.requiredBytes() + " free="
                        + e.freeBytes() + " message=" + e.getMessage());
            }
            try {
                SharedMemory.openOrCreate(name, 4 * MIB).close();
                System.out.println("OPEN_OR_CREATE succeeded");
            } catch (InsufficientSpaceException e) {
                System.out.println("OPEN_OR_CREATE InsufficientSpaceException required=" + e.requiredBytes());
            }
            System.out.println("ENTRIES " + entries());
            try (SharedMemory lazy = SharedMemory.create(name, 4 * MIB, Commit.LAZY)) {
                System.out.println("LAZY created " + lazy.byteSize());
            } finally {
                SharedMemory.remove(name);
            }
        }

        private static List<String> entries() throws IOException {
            try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
                return s.map(p -> p.getFileName().toString()).toList();
            }
        }
    }

    @Test
    void populatePrefaultsEveryPage() throws Exception {
        String name = TestNames.unique("populate");
        try (SharedMemory shm = SharedMemory.create(name, 64 * 1024);
             MappedView plain = shm.map(Access.READ_WRITE, 0, 0);
             MappedView populated = shm.map(Access.READ_WRITE, 0, 0, MapOption.Flag.POPULATE)) {
            assertThat(OsProbe.smapsBytes(plain.segment().address(), "Rss")).isZero();
            assertThat(OsProbe.smapsBytes(populated.segment().address(), "Rss")).isEqualTo(64 * 1024);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void lockKeepsASmallViewInMemory() throws Exception {
        String name = TestNames.unique("lock");
        try (SharedMemory shm = SharedMemory.create(name, 16 * 1024);
             MappedView plain = shm.map();
             MappedView locked = shm.map(Access.READ_WRITE, 0, 0, MapOption.Flag.LOCK)) {
            assertThat(OsProbe.smapsBytes(locked.segment().address(), "Locked")).isEqualTo(16 * 1024);
            assertThat(OsProbe.smapsBytes(plain.segment().address(), "Locked")).isZero();
            locked.segment().set(JAVA_BYTE, 0, (byte) 1);
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** A child limited to 64 KiB of locked memory (and, as root, without CAP_IPC_LOCK) locks 1 MiB. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void lockBeyondTheMemlockLimitIsAResourceLimitException() {
        assumeTrue(OsProbe.command("prlimit") != null, "prlimit not installed");
        List<String> prefix = new ArrayList<>();
        if (OsProbe.isRoot()) {
            assumeTrue(OsProbe.command("setpriv") != null, "setpriv not installed");
            prefix.addAll(List.of("setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock", "--"));
        }
        prefix.addAll(List.of("prlimit", "--memlock=65536:65536"));
        String name = TestNames.unique("memlock");
        try (ChildJvm child = ChildJvm.start(prefix, LockBeyondLimit.class, Map.of(), List.of(), name)) {
            child.assertExitCode(0, WAIT);
            assertThat(child.output()).contains("SMALL locked")
                    .containsPattern("BIG ResourceLimitException errno=(ENOMEM|EPERM|EAGAIN) message=cannot lock view "
                            + "in memory: over RLIMIT_MEMLOCK.*name=" + name + ", length=1048576");
        } finally {
            try {
                SharedMemory.remove(name);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    public static final class LockBeyondLimit {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.create(args[0], MIB)) {
                try (MappedView small = shm.map(Access.READ_WRITE, 0, 4096, MapOption.Flag.LOCK)) {
                    System.out.println("SMALL locked " + small.byteSize());
                }
                try (MappedView big = shm.map(Access.READ_WRITE, 0, 0, MapOption.Flag.LOCK)) {
                    System.out.println("BIG locked " + big.byteSize());
                } catch (ResourceLimitException e) {
                    System.out.println("BIG ResourceLimitException errno=" + e.errno().orElse("?") + " message="
                            + e.getMessage());
                }
                // The failed view was unmapped: the handle maps on.
                try (MappedView after = shm.map()) {
                    after.segment().set(JAVA_BYTE, 0, (byte) 1);
                }
            } finally {
                SharedMemory.remove(args[0]);
            }
        }
    }

    @Test
    void hugePagesForAViewWorkOrNameTheReasonTheyWereRefused() throws Exception {
        String name = TestNames.unique("huge-view");
        try (SharedMemory shm = SharedMemory.create(name, 4 * MIB)) {
            try (MappedView view = shm.map(Access.READ_WRITE, 0, 0, MapOption.Flag.HUGE_PAGES)) {
                view.segment().set(JAVA_BYTE, 0, (byte) 1);
            } catch (ResourceLimitException e) {
                assertThat(e.getMessage()).startsWith("huge pages refused").contains("name=" + name)
                        .containsPattern("shmem_enabled=|errno=");
            }
            try (MappedView after = shm.map()) {
                assertThat(after.byteSize()).isEqualTo(4 * MIB);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void hugePagesOnThisMachineAreRefusedWithTheSetting() throws Exception {
        String shmem = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
        assumeTrue(shmem.contains("[never]") || shmem.contains("[deny]"), "transparent huge pages for shmem enabled");
        String name = TestNames.unique("huge-never");
        try (SharedMemory shm = SharedMemory.create(name, 4 * MIB)) {
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 0, 0, MapOption.Flag.HUGE_PAGES))
                    .isInstanceOf(ResourceLimitException.class)
                    .hasMessageContaining("shmem_enabled=")
                    .hasMessageContaining(shmem.contains("[never]") ? "[never]" : "[deny]")
                    .hasMessageContaining("transparent_hugepage/shmem_enabled");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void hugePagesForANamedObjectAreRefusedBeforeAnythingIsCreatedWhenDisabled() throws Exception {
        String shmem = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
        String name = TestNames.unique("huge-named");
        try {
            if (shmem.contains("[never]") || shmem.contains("[deny]")) {
                assertThatThrownBy(() -> SharedMemory.create(name, 4 * MIB, SegmentOption.Flag.HUGE_PAGES))
                        .isInstanceOf(ResourceLimitException.class)
                        .hasMessageContaining("name=" + name)
                        .hasMessageContaining("shmem_enabled=");
                assertThat(SharedMemory.exists(name)).isFalse();
            } else {
                try (SharedMemory shm = SharedMemory.create(name, 4 * MIB, SegmentOption.Flag.HUGE_PAGES);
                     MappedView view = shm.map()) {
                    view.segment().set(JAVA_BYTE, 0, (byte) 1);
                    // Every view of the handle carries the advice: smaps shows the hg flag.
                    assertThat(Files.readString(Path.of("/proc/self/smaps"))).contains(" hg");
                }
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void anonymousHugePagesWorkOrNameTheReasonTheyWereRefused() throws Exception {
        long hugePagesFree = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("HugePages_Free:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0);
        try (SharedMemory shm = SharedMemory.createAnonymous("huge", 2 * MIB, SegmentOption.Flag.HUGE_PAGES);
             MappedView view = shm.map()) {
            view.segment().set(JAVA_BYTE, 0, (byte) 1);
            assertThat(hugePagesFree).isPositive();
        } catch (ResourceLimitException e) {
            assertThat(hugePagesFree).as("refused although huge pages are free").isLessThan(1);
            assertThat(e.getMessage()).startsWith("huge pages refused").contains("name=memfd:huge")
                    .contains("vm.nr_hugepages");
        }
    }
}
