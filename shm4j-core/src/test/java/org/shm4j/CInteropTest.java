package org.shm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Interop with C: src/test/c/shm_peer.c, compiled with gcc when the tests run, opens the same name
 * with shm_open + mmap. Both directions: C reads what Java wrote and Java reads what C wrote; C
 * creates and Java opens.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CInteropTest {
    private static final long SIZE = 128 * 1024 + 6;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path build;

    private static Path peer;

    @BeforeAll
    static void compilePeer() throws Exception {
        assumeTrue(OsProbe.command("gcc") != null, "gcc not installed");
        Path source = Interop.moduleDirectory().resolve("src/test/c/shm_peer.c");
        assertThat(source).exists();
        peer = build.resolve("shm_peer");
        try (ChildJvm gcc = ChildJvm.startCommand(List.of("gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror",
                "-o", peer.toString(), source.toString(), "-lrt"), Map.of(), "gcc")) {
            gcc.assertExitCode(0, WAIT);
        }
    }

    private static ChildJvm runPeer(String mode, String name) {
        return ChildJvm.startCommand(List.of(peer.toString(), mode, name, Long.toString(SIZE)), Map.of(), "shm_peer");
    }

    @Test
    void cReadsWhatJavaWroteAndJavaReadsTheReply() throws Exception {
        String name = TestNames.unique("c-interop");
        try (SharedMemory shm = SharedMemory.create(name, SIZE);
             MappedView view = shm.map()) {
            Interop.writeJavaPattern(view.segment(), 0, SIZE / 2);
            try (ChildJvm c = runPeer("reply", name)) {
                c.assertExitCode(0, WAIT);
                assertThat(c.output()).contains("C SAW " + SIZE / 2 + " bytes from Java");
            }
            assertThat(Interop.firstPeerMismatch(view.segment(), SIZE / 2, SIZE)).isEqualTo(-1);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void javaOpensWhatCCreatedByTheSameName() throws Exception {
        String name = TestNames.unique("c-created");
        try {
            try (ChildJvm c = runPeer("create", name)) {
                c.assertExitCode(0, WAIT);
            }
            for (String asJavaNamesIt : List.of(name, "/" + name, "Local\\" + name)) {
                try (SharedMemory shm = SharedMemory.open(asJavaNamesIt, Access.READ_ONLY);
                     MappedView view = shm.map()) {
                    assertThat(shm.byteSize()).isEqualTo(SIZE);
                    assertThat(Interop.firstPeerMismatch(view.segment(), SIZE / 2, SIZE)).isEqualTo(-1);
                }
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void cSeesNoHeaderBeforeByteZero() throws Exception {
        String name = TestNames.unique("c-no-header");
        try (SharedMemory shm = SharedMemory.create(name, SIZE, Lifetime.REFERENCE_COUNTED)) {
            try (MappedView view = shm.map()) {
                Interop.writeJavaPattern(view.segment(), 0, SIZE / 2);
            }
            assertThat(Files.size(Path.of("/dev/shm", name))).isEqualTo(SIZE);
            try (ChildJvm c = runPeer("reply", name)) {
                c.assertExitCode(0, WAIT);
            }
        }
        assertThat(SharedMemory.exists(name)).isFalse();
    }
}
