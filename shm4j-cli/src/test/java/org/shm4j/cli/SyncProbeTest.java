package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;
import org.shm4j.sync.SharedMutex;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** ls, info and watch show named locks and events: state, holder, liveness, waiters. */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class SyncProbeTest {

    @Test
    void infoShowsAMutexHolderAndThatItIsAlive() throws Exception {
        String name = TestNames.unique("mutex");
        try (SharedMutex mutex = SharedMutex.create(name)) {
            mutex.tryLock(Duration.ofSeconds(5)).orElseThrow();
            try {
                Cli.Result info = cli().run("info", name);
                assertThat(info.code()).as(info.toString()).isZero();
                assertThat(info.out()).contains("lock", "mutex", "held",
                        "holderPid:", Long.toString(ProcessHandle.current().pid()), "holderAlive:", "true");
                Cli.Result ls = cli().run("ls", "--type", "lock", "--match", TestNames.prefix() + "*");
                assertThat(ls.out()).contains(name);
            } finally {
                mutex.unlock();
            }
            assertThat(cli().run("info", name).out()).contains("free");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void infoShowsAnEventState() throws Exception {
        String name = TestNames.unique("event");
        try (SharedEvent event = SharedEvent.create(name, EventReset.MANUAL)) {
            assertThat(cli().run("info", name).out()).contains("event", "not signaled", "manual");
            event.set();
            assertThat(cli().run("info", name).out()).contains("signaled");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aCorruptLockWordIsShownAsCorruptNotActedOn() throws Exception {
        String name = TestNames.unique("corrupt");
        try (SharedMutex _ = SharedMutex.create(name)) {
            Path p = Path.of("/dev/shm", name);
            byte[] bytes = Files.readAllBytes(p);
            bytes[32] = (byte) 0xff; // state word: bits the protocol never writes
            bytes[35] = (byte) 0x0f;
            Files.write(p, bytes);
            Cli.Result info = cli().run("info", name);
            assertThat(info.code()).as(info.toString()).isZero();
            assertThat(info.out()).contains("corrupt");
        } finally {
            SharedMemory.remove(name);
        }
    }
}
