package org.shm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
import org.shm4j.testkit.ProcSelf;
import org.shm4j.testkit.TestNames;

/** Anonymous (memfd) objects handed to other processes: by inheritance and over a UNIX socket. */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class AnonymousHandoffTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void childStartedWithASegmentSharesItBothWays() throws Exception {
        try (SharedMemory shm = SharedMemory.createAnonymous(TestNames.unique("inherit"), 8192);
             MappedView view = shm.map()) {
            writeString(view.segment(), 0, "from parent");
            ProcessBuilder pb = new ProcessBuilder(ChildJvm.javaCommand(InheritingChild.class, List.of()));
            pb.redirectErrorStream(true);
            Process child = SharedMemoryProcessBuilder.of(pb).share("WORK", shm, Access.READ_WRITE).start();
            try {
                String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
                assertThat(child.exitValue()).as(out).isZero();
                assertThat(out).contains("child read: from parent");
                assertThat(readString(view.segment(), 4096)).isEqualTo("from child");
            } finally {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void segmentOutlivesTheParentHandleUntilTheChildExits() throws Exception {
        SharedMemory shm = SharedMemory.createAnonymous(TestNames.unique("outlive"), 4096);
        try (MappedView view = shm.map()) {
            writeString(view.segment(), 0, "kept alive");
        }
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.javaCommand(InheritingChild.class, List.of("-Dshm4j.test.readOnly=true")));
        pb.redirectErrorStream(true);
        Process p = SharedMemoryProcessBuilder.of(pb).share("WORK", shm, Access.READ_ONLY).start();
        shm.close(); // the child still gets the object: the builder holds a reference until it exits
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
            assertThat(out).contains("child read: kept alive");
            assertThat(p.exitValue()).as(out).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void sharingMoreAccessThanTheHandleHasIsRefused() throws Exception {
        Path file = java.nio.file.Files.createTempFile("shm4j-ro", ".bin");
        try {
            java.nio.file.Files.write(file, new byte[4096]);
            try (SharedMemory ro = SharedMemory.mapFile(file, 0, Access.READ_ONLY)) {
                assertThatThrownBy(() -> SharedMemoryProcessBuilder.of(new ProcessBuilder("true"))
                        .share("X", ro, Access.READ_WRITE))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("handleAccess=READ_ONLY");
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void openInheritedWithoutAShareIsNoSuchFile() {
        assertThatThrownBy(() -> SharedMemory.openInherited("NOT_GIVEN"))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("key=NOT_GIVEN");
        assertThatThrownBy(() -> SharedMemory.openInherited("bad key"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pythonPeerMapsASegmentSentOverAUnixSocket(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("s.sock");
        try (SharedMemory shm = SharedMemory.createAnonymous(TestNames.unique("sock"), 4096);
             MappedView view = shm.map();
             SegmentChannel.Listener listener = SegmentChannel.listen(socket)) {
            writeString(view.segment(), 0, "hello python");
            String script = """
                    import mmap, socket, sys
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(sys.argv[1])
                    msg, fds, flags, addr = socket.recv_fds(s, 1024, 1)
                    fields = dict(f.split('=', 1) for f in msg.decode().split()[2:])
                    m = mmap.mmap(fds[0], int(fields['size']))
                    text = m[:64].split(b'\\0')[0].decode()
                    print('python read: ' + text)
                    m[4096 - 64:4096 - 64 + 12] = b'from python\\0'
                    m.close()
                    """;
            try (ChildJvm python = ChildJvm.startCommand(List.of("python3", "-c", script, socket.toString()), Map.of(),
                    "python peer");
                 SegmentChannel peer = listener.accept(WAIT)) {
                peer.send(shm, Access.READ_WRITE);
                python.assertExitCode(0, WAIT);
                assertThat(python.output()).contains("python read: hello python");
                assertThat(readString(view.segment(), 4096 - 64)).isEqualTo("from python");
            }
        }
    }

    @Test
    void javaReceivesAMemfdThatPythonSends(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("p.sock");
        String script = """
                import os, mmap, socket, sys, time
                srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                srv.bind(sys.argv[1]); srv.listen(1)
                print('LISTENING', flush=True)
                conn, _ = srv.accept()
                fd = os.memfd_create('py-peer')
                os.ftruncate(fd, 8192)
                m = mmap.mmap(fd, 8192)
                m[:13] = b'from python!\\0'
                socket.send_fds(conn, [b'shm4j-segment v1 size=8192 access=READ_WRITE name=py-peer\\n'], [fd])
                conn.recv(1)
                print('python sees: ' + m[100:120].split(b'\\0')[0].decode(), flush=True)
                """;
        try (ChildJvm python = ChildJvm.startCommand(List.of("python3", "-c", script, socket.toString()), Map.of(),
                "python sender")) {
            python.awaitOutput("LISTENING", WAIT);
            SegmentChannel channel = SegmentChannel.connect(socket);
            try (SharedMemory shm = channel.receive(WAIT); MappedView view = shm.map()) {
                assertThat(shm.byteSize()).isEqualTo(8192);
                assertThat(shm.lifetime()).isEqualTo(Lifetime.ANONYMOUS);
                assertThat(readString(view.segment(), 0)).isEqualTo("from python!");
                writeString(view.segment(), 100, "java wrote this");
            } finally {
                // Closing our end makes the peer's recv(1) return: its cue to look at the memory.
                channel.close();
            }
            python.assertExitCode(0, WAIT);
            assertThat(python.output()).contains("python sees: java wrote this");
        }
    }

    @Test
    void malformedPeerMessageIsATypedErrorAndLeaksNoDescriptor(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("m.sock");
        String script = """
                import os, socket, sys
                srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                srv.bind(sys.argv[1]); srv.listen(1)
                print('LISTENING', flush=True)
                conn, _ = srv.accept()
                fd = os.memfd_create('evil')
                os.ftruncate(fd, 4096)
                socket.send_fds(conn, [b'shm4j-segment v1 size=99999999 access=READ_WRITE name=evil\\n'], [fd])
                conn.recv(1)
                """;
        int fdsBefore = ProcSelf.openDescriptors();
        try (ChildJvm python = ChildJvm.startCommand(List.of("python3", "-c", script, socket.toString()), Map.of(),
                "hostile sender")) {
            python.awaitOutput("LISTENING", WAIT);
            try (SegmentChannel channel = SegmentChannel.connect(socket)) {
                assertThatThrownBy(() -> channel.receive(WAIT))
                        .isInstanceOf(SharedMemoryException.class)
                        .hasMessageContaining("announced=99999999")
                        .hasMessageContaining("byteSize=4096");
            }
        }
        assertThat(ProcSelf.openDescriptors()).isLessThanOrEqualTo(fdsBefore);
    }

    /** Child main: opens the inherited object, prints what the parent wrote, answers. */
    public static final class InheritingChild {
        public static void main(String[] args) throws Exception {
            boolean readOnly = Boolean.getBoolean("shm4j.test.readOnly");
            try (SharedMemory shm = SharedMemory.openInherited("WORK");
                 MappedView view = shm.map(readOnly ? Access.READ_ONLY : Access.READ_WRITE, 0, 0)) {
                System.out.println("child read: " + readString(view.segment(), 0));
                if (!readOnly) {
                    writeString(view.segment(), 4096, "from child");
                }
            }
        }
    }

    static void writeString(MemorySegment segment, long offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, offset, bytes.length);
        segment.set(ValueLayout.JAVA_BYTE, offset + bytes.length, (byte) 0);
    }

    static String readString(MemorySegment segment, long offset) {
        return segment.asSlice(offset).getString(0, StandardCharsets.UTF_8);
    }
}
