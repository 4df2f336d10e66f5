package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Entries planted in /dev/shm that are not segments, or are segments built to hurt: every command
 * about them fails with one line and exit 1, nothing hangs (FIFOs are never opened), nothing
 * crashes, and ls still lists everything.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileEntriesTest {
    private static final Path SHM = Path.of("/dev/shm");
    private final List<Path> made = new ArrayList<>();

    @AfterEach
    void removeEntries() throws IOException {
        for (Path p : made) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try (var s = Files.list(p)) {
                    for (Path c : s.toList()) {
                        Files.deleteIfExists(c);
                    }
                }
            }
            Files.deleteIfExists(p);
        }
    }

    private Path entry(String label) {
        Path p = SHM.resolve(TestNames.unique(label));
        made.add(p);
        return p;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }

    /** Every data command fails with exit 1 and a single line naming the entry's type; ls lists it. */
    private static void assertRefusedEverywhere(Path p, String type) {
        String name = p.getFileName().toString();
        Cli.Result ls = cli().run("ls", "--match", name);
        assertThat(ls.code()).as(ls.toString()).isZero();
        assertThat(ls.out()).contains(name).contains(type);
        for (String[] args : new String[][] {{"info", name}, {"dump", name}, {"cat", name}, {"put", name},
            {"watch", name, "--count", "1"}, {"rm", name}}) {
            Cli.Result r = cli().stdin(new byte[] {1, 2, 3}).run(args);
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(1);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("shm4j: ").doesNotContain("\tat ")
                    .doesNotContain("internal error");
        }
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).as("rm must not remove a " + type).isTrue();
    }

    @Test
    void fifoIsListedButNeverOpened() throws Exception {
        Path fifo = entry("fifo");
        run("mkfifo", fifo.toString());
        assertRefusedEverywhere(fifo, "fifo");
        Cli.Result info = cli().run("info", fifo.getFileName().toString());
        assertThat(info.err()).contains("not a shared-memory object", "type=fifo");
    }

    @Test
    void socketSymlinkAndDirectoryAreRefused() throws Exception {
        Path socket = entry("socket");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertRefusedEverywhere(socket, "socket");
        }
        Path link = entry("link");
        Files.createSymbolicLink(link, Path.of("/etc/passwd"));
        assertRefusedEverywhere(link, "symlink");
        Path dir = entry("dir");
        Files.createDirectory(dir);
        assertRefusedEverywhere(dir, "dir");
    }

    @Test
    void deviceNodesAreNeverOpened() throws Exception {
        Assumptions.assumeTrue(isRoot(), "mknod needs root");
        Path zero = entry("chardev");
        run("mknod", zero.toString(), "c", "1", "5"); // like /dev/zero: reading would never end
        assertRefusedEverywhere(zero, "chardev");
    }

    @Test
    void garbageFilesAreForeignAndReadable() throws Exception {
        Path garbage = entry("garbage");
        byte[] bytes = new byte[12345];
        new Random(7).nextBytes(bytes);
        Files.write(garbage, bytes);
        String name = garbage.getFileName().toString();
        assertThat(cli().run("ls", "--match", name).out()).contains("foreign");
        Cli.Result info = cli().run("info", name);
        assertThat(info.code()).as(info.toString()).isZero();
        assertThat(info.out()).contains("unknown (not created by shm4j)");
        assertThat(cli().run("cat", name).outBytes()).isEqualTo(bytes);
        assertThat(cli().run("dump", name).code()).isZero();
    }

    @Test
    void hugeSparseFilesAreDescribedAndReadInPlaces() throws Exception {
        Path sparse = entry("sparse");
        long size = 1L << 40;
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(size);
            f.seek(size - 1);
            f.write(0x41);
        }
        String name = sparse.getFileName().toString();
        Cli.Result ls = cli().run("ls", "--match", name);
        assertThat(ls.out()).contains("1.0 TiB");
        assertThat(cli().run("info", name).out()).contains("sparse");
        Cli.Result tail = cli().run("dump", name, "--offset", Long.toString(size - 16));
        assertThat(tail.code()).as(tail.toString()).isZero();
        assertThat(tail.out()).isEqualTo("fffffffff0: 0000 0000 0000 0000 0000 0000 0000 0041  ...............A\n");
        Cli.Result head = cli().run("cat", name, "--length", "1M");
        assertThat(head.outBytes()).hasSize(1 << 20);
    }

    @Test
    void aSegmentTruncatedWhileBeingReadEndsWithAnError() throws Exception {
        Path victim = entry("truncated");
        Files.write(victim, new byte[8 << 20]);
        String name = victim.getFileName().toString();
        OutputStream truncateOnFirstWrite = new OutputStream() {
            private boolean done;

            @Override
            public void write(int b) {}

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!done) {
                    done = true;
                    try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
                        f.setLength(4096);
                    }
                }
            }
        };
        Cli.Result cat = cli().out(truncateOnFirstWrite).run("cat", name);
        assertThat(cat.code()).as(cat.toString()).isEqualTo(1);
        assertThat(cat.err()).contains("segment shrank while being read", "expectedEnd=8388608").doesNotContain("\tat ");

        Files.write(victim, new byte[8 << 20]);
        Cli.Result dump = cli().out(truncateOnFirstWrite(victim)).run("dump", name, "--no-squeeze");
        assertThat(dump.code()).as(dump.err()).isEqualTo(1);
        assertThat(dump.err()).contains("segment shrank while being read");
    }

    private static OutputStream truncateOnFirstWrite(Path victim) {
        return new OutputStream() {
            private boolean done;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!done) {
                    done = true;
                    try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
                        f.setLength(4096);
                    }
                }
            }
        };
    }

    @Test
    void segmentsOfOtherUsersAreShownButNotWrittenTo() throws Exception {
        Assumptions.assumeTrue(isRoot(), "chown needs root");
        Path theirs = entry("theirs");
        Files.write(theirs, new byte[4096]);
        run("chown", "65534:65534", theirs.toString());
        String name = theirs.getFileName().toString();
        Cli.Result ls = cli().run("ls", "--match", name, "--user", "65534");
        assertThat(ls.out()).contains(name);
        assertThat(cli().run("ls", "--match", name, "--user", "root").out()).doesNotContain(name);
        Cli.Result put = cli().stdin(new byte[] {1}).run("put", name);
        assertThat(put.code()).isEqualTo(1);
        assertThat(put.err()).contains("owned by another user", "--allow-foreign-owner");
        assertThat(cli().stdin(new byte[] {1}).run("put", name, "--allow-foreign-owner").code()).isZero();
    }
}
