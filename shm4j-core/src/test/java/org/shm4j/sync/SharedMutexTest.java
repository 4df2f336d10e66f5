package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.WrongObjectKindException;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

@ExtendWith(NoLeaks.class)
@Timeout(60)
class SharedMutexTest {
    private static final Duration CHILD_WAIT = Duration.ofSeconds(30);

    @Test
    void excludesThreadsAndPublishesTheirWrites() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(128, 64);
            SharedMutex mutex = SharedMutex.create(mem);
            int threads = 4;
            int rounds = 20_000;
            List<Thread> workers = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < rounds; i++) {
                            mutex.tryLock(Duration.ofSeconds(20)).orElseThrow();
                            try {
                                long v = mem.get(ValueLayout.JAVA_LONG, 64);
                                mem.set(ValueLayout.JAVA_LONG, 64, v + 1);
                            } finally {
                                mutex.unlock();
                            }
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(mem.get(ValueLayout.JAVA_LONG, 64)).isEqualTo((long) threads * rounds);
            assertThat(mutex.holderPid()).isEmpty();
        }
    }

    @Test
    void isNotReentrantAndOnlyTheOwnerUnlocks() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedMutex mutex = SharedMutex.create(arena.allocate(64, 64));
            assertThat(mutex.lock()).isEqualTo(LockResult.ACQUIRED);
            assertThat(mutex.isHeldByCurrentThread()).isTrue();
            assertThatThrownBy(() -> mutex.tryLock(Duration.ofMillis(10))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not reentrant");
            AtomicReference<Throwable> other = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    mutex.unlock();
                } catch (Throwable e) {
                    other.set(e);
                }
            });
            t.join();
            assertThat(other.get()).isInstanceOf(IllegalMonitorStateException.class);
            mutex.unlock();
            assertThatThrownBy(mutex::unlock).isInstanceOf(IllegalMonitorStateException.class);
        }
    }

    @Test
    void timedLockNamesTheHolderAndTryLockDoesNotWait() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedMutex mutex = SharedMutex.create(arena.allocate(64, 64));
            mutex.lock();
            try {
                AtomicReference<Throwable> seen = new AtomicReference<>();
                AtomicReference<Object> tried = new AtomicReference<>();
                Thread waiter = Thread.ofPlatform().start(() -> {
                    try {
                        tried.set(mutex.tryLock());
                        long begin = System.nanoTime();
                        seen.set(new AssertionError(mutex.tryLock(Duration.ofMillis(200)) + " after "
                                + (System.nanoTime() - begin) / 1_000_000 + " ms"));
                    } catch (Throwable e) {
                        seen.set(e);
                    }
                });
                waiter.join();
                assertThat(tried.get()).isEqualTo(java.util.Optional.empty());
                assertThat(seen.get()).hasMessageStartingWith("Optional.empty after ");
                assertThat(Long.parseLong(seen.get().getMessage().replaceAll("\\D", ""))).isGreaterThanOrEqualTo(190);
                assertThat(mutex.holderPid()).hasValue(ProcessHandle.current().pid());
            } finally {
                mutex.unlock();
            }
        }
    }

    @Test
    void waitIsInterruptible() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedMutex mutex = SharedMutex.create(arena.allocate(64, 64));
            mutex.lock();
            try {
                AtomicReference<Throwable> seen = new AtomicReference<>();
                CountDownLatch started = new CountDownLatch(1);
                Thread waiter = Thread.ofPlatform().start(() -> {
                    started.countDown();
                    try {
                        mutex.lock();
                    } catch (Throwable e) {
                        seen.set(e);
                    }
                });
                started.await();
                Thread.sleep(50);
                long start = System.nanoTime();
                waiter.interrupt();
                waiter.join(5_000);
                assertThat(waiter.isAlive()).isFalse();
                assertThat(seen.get()).isInstanceOf(InterruptedException.class);
                assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
            } finally {
                mutex.unlock();
            }
        }
    }

    @Test
    void virtualThreadUnlocksAfterMovingCarriers() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            int n = 16;
            MemorySegment mem = arena.allocate(64L * n, 64);
            List<SharedMutex> mutexes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                mutexes.add(SharedMutex.create(mem.asSlice(64L * i, 64)));
            }
            AtomicInteger moved = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SharedMutex m = mutexes.get(i);
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        m.tryLock(Duration.ofSeconds(5)).orElseThrow();
                        String carrier = carrier();
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        while (carrier().equals(carrier) && System.nanoTime() < deadline) {
                            Thread.sleep(1);
                        }
                        if (!carrier().equals(carrier)) {
                            moved.incrementAndGet();
                        }
                        assertThat(m.isHeldByCurrentThread()).isTrue();
                        m.unlock();
                        assertThat(m.holderPid()).isEmpty();
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(moved.get()).as("virtual threads that changed carrier while holding").isPositive();
        }
    }

    private static String carrier() {
        // "VirtualThread[#22]/runnable@ForkJoinPool-1-worker-1"
        String s = Thread.currentThread().toString();
        return s.substring(s.indexOf('@') + 1);
    }

    @Test
    void virtualThreadsContend() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(128, 64);
            SharedMutex mutex = SharedMutex.create(mem);
            try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 50; t++) {
                    exec.submit(() -> {
                        for (int i = 0; i < 200; i++) {
                            mutex.tryLock(Duration.ofSeconds(20)).orElseThrow();
                            try {
                                mem.set(ValueLayout.JAVA_LONG, 64, mem.get(ValueLayout.JAVA_LONG, 64) + 1);
                                if (i % 50 == 0) {
                                    Thread.sleep(1);
                                }
                            } finally {
                                mutex.unlock();
                            }
                        }
                        return null;
                    });
                }
            }
            assertThat(mem.get(ValueLayout.JAVA_LONG, 64)).isEqualTo(50L * 200);
        }
    }

    @Test
    void garbageInTheLockWordIsATypedError() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(64, 64);
            SharedMutex mutex = SharedMutex.create(mem);
            for (int garbage : new int[] {0x7FFF_FFFF, SyncLayout.WAITERS, SyncLayout.OWNER_DIED, 0x0100_0001,
                    0xFFFF_FFFF}) {
                mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET, garbage);
                long start = System.nanoTime();
                assertThatThrownBy(() -> mutex.tryLock(Duration.ofSeconds(10))).isInstanceOf(CorruptStateException.class)
                        .hasMessageContaining("state=0x" + Integer.toHexString(garbage));
                assertThatThrownBy(mutex::lock).isInstanceOf(CorruptStateException.class);
                assertThatThrownBy(mutex::tryLock).isInstanceOf(CorruptStateException.class);
                assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
            }
        }
    }

    @Test
    void headerChecksRejectForeignAndHalfBuiltMemory() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(256, 64);
            assertThatThrownBy(() -> SharedMutex.open(mem)).isInstanceOf(SyncFormatException.class)
                    .hasMessageContaining("not initialized");
            SharedEvent.create(mem.asSlice(64), EventReset.MANUAL);
            assertThatThrownBy(() -> SharedMutex.open(mem.asSlice(64))).isInstanceOf(SyncFormatException.class)
                    .hasMessageContaining("expected=mutex").hasMessageContaining("found=event");
            SharedMutex.create(mem.asSlice(128));
            assertThatThrownBy(() -> SharedMutex.create(mem.asSlice(128)))
                    .isInstanceOf(FileAlreadyExistsException.class);
            MemorySegment built = mem.asSlice(128);
            built.set(ValueLayout.JAVA_SHORT, SyncLayout.VERSION_OFFSET, (short) 99);
            assertThatThrownBy(() -> SharedMutex.open(built)).isInstanceOf(SyncFormatException.class)
                    .hasMessageContaining("version=99");
            MemorySegment building = mem.asSlice(192);
            building.set(ValueLayout.JAVA_INT, 0, SyncLayout.BUILDING);
            long start = System.nanoTime();
            assertThatThrownBy(() -> SharedMutex.open(building)).isInstanceOf(SyncFormatException.class)
                    .hasMessageContaining("half-built");
            assertThat(System.nanoTime() - start).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(1500));
            assertThatThrownBy(() -> SharedMutex.create(mem.asSlice(4))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("misaligned");
            assertThatThrownBy(() -> SharedMutex.create(mem.asSlice(0, 32))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("too small");
            assertThatThrownBy(() -> SharedMutex.create(MemorySegment.ofArray(new long[8])))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void namedMutexCreateOpenAndHalfBuiltObject() throws Exception {
        String name = TestNames.unique("mutex");
        String raw = TestNames.unique("raw");
        try {
            try (SharedMutex a = SharedMutex.create(name); SharedMutex b = SharedMutex.open(name);
                    SharedMutex c = SharedMutex.openOrCreate(name)) {
                assertThat(a.created()).isTrue();
                assertThat(c.created()).isFalse();
                a.lock();
                assertThat(b.tryLock()).isEmpty();
                a.unlock();
                assertThat(b.tryLock()).contains(LockResult.ACQUIRED);
                b.unlock();
                assertThatThrownBy(() -> SharedMutex.create(name)).isInstanceOf(FileAlreadyExistsException.class);
                assertThatThrownBy(() -> SharedEvent.open(name)).isInstanceOf(WrongObjectKindException.class)
                        .hasMessageContaining("found=mutex").hasMessageContaining("expected=event");
            }
            assertThatThrownBy(() -> SharedMutex.open(TestNames.unique("absent")))
                    .isInstanceOf(NoSuchFileException.class);
            // A named object whose creator never wrote the header: refused after a bounded wait.
            try (SharedMemory shm = SharedMemory.create(raw, 64)) {
                assertThat(shm.byteSize()).isEqualTo(64);
                assertThatThrownBy(() -> SharedMutex.open(raw)).isInstanceOf(SyncFormatException.class)
                        .hasMessageContaining("half-built");
            }
        } finally {
            SharedMemory.remove(name);
            SharedMemory.remove(raw);
        }
    }

    // ---- cross-process ---------------------------------------------------------------------

    /** Child: opens the named mutex, locks it, prints LOCKED, then holds it for args[1] ms and unlocks. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            try (SharedMutex mutex = SharedMutex.open(args[0])) {
                LockResult r = mutex.tryLock(Duration.ofSeconds(20)).orElseThrow();
                System.out.println("LOCKED " + r);
                Thread.sleep(Long.parseLong(args[1]));
                mutex.unlock();
                System.out.println("UNLOCKED");
            }
        }
    }

    /** Child: args[0] name, args[1] rounds; increments the counter after the mutex under the lock. */
    public static final class Incrementer {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_WRITE); MappedView view = shm.map()) {
                SharedMutex mutex = SharedMutex.open(view.segment());
                int rounds = Integer.parseInt(args[1]);
                System.out.println("READY");
                for (int i = 0; i < rounds; i++) {
                    mutex.tryLock(Duration.ofSeconds(20)).orElseThrow();
                    long v = view.segment().get(ValueLayout.JAVA_LONG, 64);
                    view.segment().set(ValueLayout.JAVA_LONG, 64, v + 1);
                    mutex.unlock();
                }
                System.out.println("DONE");
            }
        }
    }

    @Test
    void excludesAcrossProcesses() throws Exception {
        String name = TestNames.unique("xmutex");
        int rounds = 20_000;
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            SharedMutex mutex = SharedMutex.create(view.segment());
            try (ChildJvm child = ChildJvm.start(Incrementer.class, name, Integer.toString(rounds))) {
                child.awaitOutput("READY", CHILD_WAIT);
                for (int i = 0; i < rounds; i++) {
                    mutex.tryLock(Duration.ofSeconds(20)).orElseThrow();
                    long v = view.segment().get(ValueLayout.JAVA_LONG, 64);
                    view.segment().set(ValueLayout.JAVA_LONG, 64, v + 1);
                    mutex.unlock();
                }
                child.assertExitCode(0, CHILD_WAIT);
            }
            assertThat(view.segment().get(ValueLayout.JAVA_LONG, 64)).isEqualTo(2L * rounds);
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Child: args[0] name; hammers the mutex at 0 until the flag at 128 is 2, counting at 72. */
    public static final class Hammer {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_WRITE); MappedView view = shm.map()) {
                hammer(view.segment(), SharedMutex.open(view.segment()), 72);
            }
        }
    }

    static void hammer(MemorySegment m, SharedMutex mutex, long slot) throws Exception {
        java.lang.invoke.VarHandle flag = ValueLayout.JAVA_INT.varHandle();
        while ((int) flag.getAcquire(m, 128L) == 0) {
            Thread.onSpinWait();
        }
        long n = 0;
        while ((int) flag.getOpaque(m, 128L) == 1) {
            mutex.tryLock(Duration.ofSeconds(30)).orElseThrow();
            m.set(ValueLayout.JAVA_LONG, slot, ++n);
            mutex.unlock();
        }
    }

    @Test
    @org.junit.jupiter.api.Tag("stress")
    void twoProcessesShareAContendedMutexFairlyForTenSeconds() throws Exception {
        String name = TestNames.unique("fair");
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            MemorySegment m = view.segment();
            SharedMutex mutex = SharedMutex.create(m);
            // Same compiler on both sides (ChildJvm defaults to C1 only), so shares compare the lock.
            try (ChildJvm child = ChildJvm.start(Hammer.class, java.util.Map.of(),
                    List.of("-XX:TieredStopAtLevel=4"), name)) {
                Thread.sleep(3_000); // the child maps the segment and waits for the flag
                java.lang.invoke.VarHandle flag = ValueLayout.JAVA_INT.varHandle();
                flag.setRelease(m, 128L, 1);
                Thread stopper = Thread.ofPlatform().start(() -> {
                    try {
                        Thread.sleep(10_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    flag.setRelease(m, 128L, 2);
                });
                hammer(m, mutex, 64);
                stopper.join();
                child.assertExitCode(0, CHILD_WAIT);
            }
            long parent = m.get(ValueLayout.JAVA_LONG, 64);
            long child = m.get(ValueLayout.JAVA_LONG, 72);
            double share = parent / (double) (parent + child);
            System.out.printf("fairness: parent=%d child=%d parentShare=%.3f perSecond=%d%n", parent, child, share,
                    (parent + child) / 10);
            assertThat(share).isBetween(0.30, 0.70);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void withLockRunsTheRepairOnlyAfterADeadHolderAndAFailedRepairLeavesTheMutexNotRecoverable()
            throws Exception {
        String name = TestNames.unique("withlock");
        try (SharedMutex mutex = SharedMutex.create(name)) {
            java.util.concurrent.atomic.AtomicInteger repairs = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger actions = new java.util.concurrent.atomic.AtomicInteger();
            assertThat(mutex.withLock(Duration.ofSeconds(1), actions::incrementAndGet, repairs::incrementAndGet))
                    .isTrue();
            assertThat(actions).hasValue(1);
            assertThat(repairs).hasValue(0);
            assertThat(mutex.holderPid()).isEmpty();

            try (ChildJvm child = ChildJvm.start(Holder.class, name, "600000")) {
                child.awaitOutput("LOCKED ACQUIRED", CHILD_WAIT);
                child.kill();
            }
            assertThat(mutex.withLock(Duration.ofSeconds(10), () -> {
                assertThat(mutex.isHeldByCurrentThread()).isTrue();
                actions.incrementAndGet();
            }, repairs::incrementAndGet)).isTrue();
            assertThat(repairs).hasValue(1);
            assertThat(actions).hasValue(2);
            assertThat(mutex.withLock(Duration.ofSeconds(1), actions::incrementAndGet, repairs::incrementAndGet))
                    .isTrue();
            assertThat(repairs).hasValue(1);
            assertThat(actions).hasValue(3);

            // A live holder: the timeout ends and nothing runs.
            mutex.lock();
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    if (mutex.withLock(Duration.ofMillis(50), actions::incrementAndGet, repairs::incrementAndGet)) {
                        actions.set(-1000);
                    }
                } catch (Exception e) {
                    actions.set(-2000);
                }
            });
            other.join();
            mutex.unlock();
            assertThat(actions).hasValue(3);

            // An action that throws still unlocks.
            assertThatThrownBy(() -> mutex.withLock(Duration.ofSeconds(1), () -> {
                throw new java.io.IOException("action failed");
            }, () -> { })).hasMessage("action failed");
            assertThat(mutex.holderPid()).isEmpty();

            try (ChildJvm child = ChildJvm.start(Holder.class, name, "600000")) {
                child.awaitOutput("LOCKED ACQUIRED", CHILD_WAIT);
                child.kill();
            }
            java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
            assertThatThrownBy(() -> mutex.withLock(Duration.ofSeconds(10), () -> ran.set(true), () -> {
                throw new java.io.IOException("cannot repair");
            })).hasMessage("cannot repair");
            assertThat(ran).isFalse();
            assertThat(mutex.isNotRecoverable()).isTrue();
            assertThatThrownBy(() -> mutex.withLock(Duration.ofSeconds(1), () -> { }, () -> { }))
                    .isInstanceOf(NotRecoverableException.class);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void holderKilledWithSigkillIsReportedAndMustBeMadeConsistent() throws Exception {
        String name = TestNames.unique("dead");
        try (SharedMutex mutex = SharedMutex.create(name)) {
            long pid;
            try (ChildJvm child = ChildJvm.start(Holder.class, name, "600000")) {
                child.awaitOutput("LOCKED ACQUIRED", CHILD_WAIT);
                pid = child.pid();
                assertThat(mutex.holderPid()).hasValue(pid);
                child.kill();
            }
            long start = System.nanoTime();
            assertThat(mutex.tryLock(Duration.ofSeconds(10))).contains(LockResult.OWNER_DIED);
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
            mutex.markConsistent();
            mutex.unlock();
            assertThat(mutex.tryLock(Duration.ofSeconds(1))).contains(LockResult.ACQUIRED);
            mutex.unlock();

            // Kill again, and this time the recovering holder does not repair: not recoverable.
            try (ChildJvm child = ChildJvm.start(Holder.class, name, "600000")) {
                child.awaitOutput("LOCKED ACQUIRED", CHILD_WAIT);
                child.kill();
            }
            assertThat(mutex.tryLock()).contains(LockResult.OWNER_DIED);
            mutex.unlock();
            assertThat(mutex.isNotRecoverable()).isTrue();
            assertThatThrownBy(() -> mutex.tryLock(Duration.ofSeconds(1))).isInstanceOf(NotRecoverableException.class);
            assertThatThrownBy(mutex::tryLock).isInstanceOf(NotRecoverableException.class);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void sleepingWaiterNoticesDeathOfHolder() throws Exception {
        String name = TestNames.unique("deadwait");
        try (SharedMutex mutex = SharedMutex.create(name)) {
            try (ChildJvm child = ChildJvm.start(Holder.class, name, "600000")) {
                child.awaitOutput("LOCKED ACQUIRED", CHILD_WAIT);
                AtomicReference<Object> result = new AtomicReference<>();
                Thread waiter = Thread.ofPlatform().start(() -> {
                    try {
                        result.set(mutex.tryLock(Duration.ofSeconds(20)).orElseThrow());
                        mutex.markConsistent();
                        mutex.unlock();
                    } catch (Throwable e) {
                        result.set(e);
                    }
                });
                Thread.sleep(200); // the waiter is asleep in futex now
                child.kill();
                waiter.join(10_000);
                assertThat(result.get()).isEqualTo(LockResult.OWNER_DIED);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void liveButStoppedHolderIsNeverRobbed() throws Exception {
        String name = TestNames.unique("stopped");
        try (SharedMutex mutex = SharedMutex.create(name)) {
            try (ChildJvm child = ChildJvm.start(Holder.class, name, "1500")) {
                child.awaitOutput("LOCKED ACQUIRED", CHILD_WAIT);
                long pid = child.pid();
                signal("STOP", pid);
                try {
                    Thread.sleep(100);
                    assertThat(mutex.tryLock(Duration.ofMillis(500))).isEmpty();
                    assertThat(mutex.holderPid()).hasValue(pid);
                    assertThat(mutex.tryLock()).isEmpty();
                } finally {
                    signal("CONT", pid);
                }
                assertThat(mutex.tryLock(Duration.ofSeconds(20))).contains(LockResult.ACQUIRED);
                mutex.unlock();
                child.assertExitCode(0, CHILD_WAIT);
                assertThat(child.output()).contains("UNLOCKED");
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Signals our own child process (a PID we started, never one read from shared memory). */
    static void signal(String signal, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void deadHolderIsDetectedEvenWhenItsPidWasReused() throws Exception {
        boolean root = ((Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid")) == 0;
        org.junit.jupiter.api.Assumptions.assumeTrue(root, "needs root to write /proc/sys/kernel/ns_last_pid");
        String name = TestNames.unique("reuse");
        try (SharedMutex mutex = SharedMutex.create(name)) {
            long deadPid;
            try (ChildJvm child = ChildJvm.start(Holder.class, name, "600000")) {
                child.awaitOutput("LOCKED ACQUIRED", CHILD_WAIT);
                deadPid = child.pid();
                child.kill();
            }
            Process impostor = PidReuse.spawnWithPid(deadPid, List.of("sleep", "60"));
            org.junit.jupiter.api.Assumptions.assumeTrue(impostor != null,
                    "could not get the dead holder's PID back (other processes are forking)");
            try {
                assertThat(impostor.pid()).isEqualTo(deadPid);
                assertThat(mutex.holderPid()).hasValue(deadPid);
                assertThat(mutex.tryLock(Duration.ofSeconds(10))).contains(LockResult.OWNER_DIED);
                mutex.markConsistent();
                mutex.unlock();
            } finally {
                impostor.destroyForcibly();
                impostor.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }
}
