package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

@ExtendWith(NoLeaks.class)
@Timeout(60)
class SharedReadWriteLockTest {
    private static final Duration CHILD_WAIT = Duration.ofSeconds(30);

    @Test
    void readersShareWritersExclude() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedReadWriteLock rw = SharedReadWriteLock.create(arena.allocate(64, 64));
            rw.lockRead();
            assertThat(rw.tryLockRead()).isTrue();
            assertThat(rw.readers()).isEqualTo(2);
            assertThat(rw.tryLockWrite(Duration.ofMillis(50))).isEmpty();
            assertThat(rw.readers()).isEqualTo(2);
            assertThat(rw.holderPid()).isEmpty();
            // The writer gave up: its preference must not keep new readers out.
            assertThat(rw.tryLockRead()).isTrue();
            rw.unlockRead();
            rw.unlockRead();
            rw.unlockRead();
            assertThatThrownBy(rw::unlockRead).isInstanceOf(IllegalMonitorStateException.class);
            assertThat(rw.lockWrite()).isEqualTo(LockResult.ACQUIRED);
            assertThat(rw.tryLockRead()).isFalse();
            assertThatThrownBy(() -> rw.tryLockWrite(Duration.ofMillis(10))).isInstanceOf(IllegalStateException.class);
            rw.unlockWrite();
            assertThatThrownBy(rw::unlockWrite).isInstanceOf(IllegalMonitorStateException.class);
        }
    }

    @Test
    void waitingWriterHoldsBackNewReaders() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedReadWriteLock rw = SharedReadWriteLock.create(arena.allocate(64, 64));
            rw.lockRead();
            AtomicReference<Object> writer = new AtomicReference<>();
            Thread w = Thread.ofPlatform().start(() -> {
                try {
                    writer.set(rw.tryLockWrite(Duration.ofSeconds(20)).orElseThrow());
                    rw.unlockWrite();
                } catch (Throwable e) {
                    writer.set(e);
                }
            });
            Thread.sleep(100);
            assertThat(rw.tryLockRead()).as("a writer waits").isFalse();
            rw.unlockRead();
            w.join(10_000);
            assertThat(writer.get()).isEqualTo(LockResult.ACQUIRED);
            assertThat(rw.tryLockRead()).isTrue();
            rw.unlockRead();
        }
    }

    @Test
    void readersSeeWritersUpdatesWhole() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(128, 64);
            SharedReadWriteLock rw = SharedReadWriteLock.create(mem);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean writer = t < 2;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 5_000; i++) {
                            if (writer) {
                                rw.tryLockWrite(Duration.ofSeconds(20)).orElseThrow();
                                long v = mem.get(ValueLayout.JAVA_LONG, 64);
                                mem.set(ValueLayout.JAVA_LONG, 64, v + 1);
                                mem.set(ValueLayout.JAVA_LONG, 72, v + 1);
                                rw.unlockWrite();
                            } else {
                                assertThat(rw.tryLockRead(Duration.ofSeconds(20))).isTrue();
                                long a = mem.get(ValueLayout.JAVA_LONG, 64);
                                long b = mem.get(ValueLayout.JAVA_LONG, 72);
                                rw.unlockRead();
                                assertThat(a).isEqualTo(b);
                            }
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertThat(failure.get()).isNull();
            assertThat(mem.get(ValueLayout.JAVA_LONG, 64)).isEqualTo(10_000L);
        }
    }

    @Test
    void garbageIsTyped() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(64, 64);
            SharedReadWriteLock rw = SharedReadWriteLock.create(mem);
            for (int garbage : new int[] {SyncLayout.WRITE_LOCKED, SyncLayout.OWNER_DIED | 1, 0x0400_0000}) {
                mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET, garbage);
                assertThatThrownBy(() -> rw.tryLockRead(Duration.ofSeconds(5))).isInstanceOf(CorruptStateException.class);
                assertThatThrownBy(() -> rw.tryLockWrite(Duration.ofSeconds(5))).isInstanceOf(CorruptStateException.class);
            }
        }
    }

    /** Child: takes the write lock of the named lock, prints LOCKED, holds it for args[1] ms. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (SharedReadWriteLock rw = SharedReadWriteLock.open(args[0])) {
                rw.tryLockWrite(Duration.ofSeconds(20)).orElseThrow();
                System.out.println("LOCKED");
                Thread.sleep(Long.parseLong(args[1]));
                rw.unlockWrite();
            }
        }
    }

    @Test
    void deadWriterIsRecoveredByTheNextWriterNotByReaders() throws Exception {
        String name = TestNames.unique("rwdead");
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(name)) {
            try (ChildJvm child = ChildJvm.start(Writer.class, name, "600000")) {
                child.awaitOutput("LOCKED", CHILD_WAIT);
                long pid = child.pid();
                child.kill();
                assertThat(rw.tryLockRead(Duration.ofMillis(200))).isFalse();
                assertThat(rw.holderPid()).hasValue(pid);
            }
            assertThat(rw.tryLockWrite(Duration.ofSeconds(10))).contains(LockResult.OWNER_DIED);
            rw.markConsistent();
            rw.unlockWrite();
            assertThat(rw.tryLockRead(Duration.ofSeconds(1))).isTrue();
            rw.unlockRead();

            try (ChildJvm child = ChildJvm.start(Writer.class, name, "600000")) {
                child.awaitOutput("LOCKED", CHILD_WAIT);
                child.kill();
            }
            assertThat(rw.tryLockWrite(Duration.ofSeconds(10))).contains(LockResult.OWNER_DIED);
            rw.unlockWrite();
            assertThatThrownBy(() -> rw.tryLockRead(Duration.ofSeconds(1))).isInstanceOf(NotRecoverableException.class);
            assertThatThrownBy(() -> rw.tryLockWrite(Duration.ofSeconds(1))).isInstanceOf(NotRecoverableException.class);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void stoppedWriterIsNeverRobbed() throws Exception {
        String name = TestNames.unique("rwstop");
        try (SharedReadWriteLock rw = SharedReadWriteLock.create(name)) {
            try (ChildJvm child = ChildJvm.start(Writer.class, name, "1500")) {
                child.awaitOutput("LOCKED", CHILD_WAIT);
                SharedMutexTest.signal("STOP", child.pid());
                try {
                    assertThat(rw.tryLockWrite(Duration.ofMillis(400))).isEmpty();
                    assertThat(rw.holderPid()).hasValue(child.pid());
                } finally {
                    SharedMutexTest.signal("CONT", child.pid());
                }
                assertThat(rw.tryLockWrite(Duration.ofSeconds(20))).contains(LockResult.ACQUIRED);
                rw.unlockWrite();
                child.assertExitCode(0, CHILD_WAIT);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void withWriteLockRunsTheActionHoldingTheWriteLockAndUnlocksAfterwards() throws Exception {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            SharedReadWriteLock lock = SharedReadWriteLock.create(arena.allocate(64, 64));
            AtomicReference<Boolean> held = new AtomicReference<>();
            boolean ran = lock.withWriteLock(Duration.ofSeconds(1), () -> held.set(lock.isWriteHeldByCurrentThread()),
                    () -> {
                        throw new AssertionError("no holder died");
                    });
            assertThat(ran).isTrue();
            assertThat(held.get()).isTrue();
            assertThat(lock.tryLockRead()).isTrue();
            assertThat(lock.withWriteLock(Duration.ofMillis(50), () -> held.set(false), () -> { })).isFalse();
            assertThat(held.get()).isTrue();
            lock.unlockRead();
            assertThat(lock.holderPid()).isEmpty();
            assertThat(lock.tryLockRead()).isTrue();
            lock.unlockRead();
        }
    }
}
