package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** A C process (interop/c/shm4j_mutex.h, the published header) and Java contend for one mutex. Skipped without gcc. */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class SharedMutexCInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Path peer;

    @BeforeAll
    static void compile() throws Exception {
        Path source = Path.of("..", "interop", "c", "shm4j_mutex_peer.c").toAbsolutePath().normalize();
        peer = dir.resolve("shm4j_mutex_peer");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", peer.toString(),
                    source.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("gcc is not installed: " + e.getMessage());
            return;
        }
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(gcc.getInputStream().readAllBytes());
        assertThat(gcc.exitValue()).as("gcc output: %s", out).isZero();
        assertThat(Files.isExecutable(peer)).isTrue();
    }

    @Test
    void cAndJavaExcludeEachOther() throws Exception {
        String name = TestNames.unique("cmutex");
        int rounds = 50_000;
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            SharedMutex mutex = SharedMutex.create(view.segment());
            try (ChildJvm c = ChildJvm.startCommand(List.of(peer.toString(), name, Integer.toString(rounds)), Map.of(),
                    "c-peer")) {
                c.awaitOutput("READY", WAIT);
                for (int i = 0; i < rounds; i++) {
                    assertThat(mutex.tryLock(Duration.ofSeconds(20))).contains(LockResult.ACQUIRED);
                    long v = view.segment().get(ValueLayout.JAVA_LONG, 64);
                    view.segment().set(ValueLayout.JAVA_LONG, 64, v + 1);
                    mutex.unlock();
                }
                c.assertExitCode(0, WAIT);
                assertThat(c.output()).contains("DONE died=0");
            }
            assertThat(view.segment().get(ValueLayout.JAVA_LONG, 64)).isEqualTo(2L * rounds);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void javaRecoversFromADeadCHolderAndCFromADeadJavaHolder() throws Exception {
        String name = TestNames.unique("cdead");
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            SharedMutex mutex = SharedMutex.create(view.segment());
            try (ChildJvm c = ChildJvm.startCommand(List.of(peer.toString(), name, "hold"), Map.of(), "c-holder")) {
                c.awaitOutput("LOCKED 0", WAIT);
                assertThat(mutex.holderPid()).hasValue(c.pid());
                c.kill();
            }
            assertThat(mutex.tryLock(Duration.ofSeconds(10))).contains(LockResult.OWNER_DIED);
            mutex.markConsistent();
            mutex.unlock();

            try (ChildJvm java = ChildJvm.start(JavaHolder.class, name)) {
                java.awaitOutput("LOCKED", WAIT);
                java.kill();
            }
            try (ChildJvm c = ChildJvm.startCommand(List.of(peer.toString(), name, "1"), Map.of(), "c-recoverer")) {
                c.assertExitCode(0, WAIT);
                assertThat(c.output()).contains("DONE died=1");
            }
            assertThat(mutex.tryLock(Duration.ofSeconds(1))).contains(LockResult.ACQUIRED);
            mutex.unlock();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Child: locks the mutex at offset 0 of the named segment and holds it. */
    public static final class JavaHolder {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], org.shm4j.Access.READ_WRITE);
                    MappedView view = shm.map()) {
                SharedMutex mutex = SharedMutex.open(view.segment());
                mutex.tryLock(Duration.ofSeconds(20)).orElseThrow();
                System.out.println("LOCKED");
                Thread.sleep(600_000);
            }
        }
    }
}
