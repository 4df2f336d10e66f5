package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.NoLeaks;

@ExtendWith(NoLeaks.class)
@Timeout(60)
class SyncWaitTest {
    @Test
    void returnsTheFirstSignaledObjectAndTakesOnlyIt() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(256, 64);
            SharedEvent auto = SharedEvent.create(mem, EventReset.AUTO);
            SharedSemaphore sem = SharedSemaphore.create(mem.asSlice(64), 0, 5);
            SharedEvent manual = SharedEvent.create(mem.asSlice(128), EventReset.MANUAL);
            long start = System.nanoTime();
            assertThat(SyncWait.awaitAny(Duration.ofMillis(100), auto, sem, manual)).isEmpty();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));

            sem.release(2);
            auto.set();
            assertThat(SyncWait.awaitAny(Duration.ZERO, auto, sem, manual)).isEqualTo(OptionalInt.of(0));
            assertThat(auto.isSet()).isFalse();
            assertThat(SyncWait.awaitAny(Duration.ZERO, auto, sem, manual)).isEqualTo(OptionalInt.of(1));
            assertThat(sem.available()).isEqualTo(1);
            assertThatThrownBy(() -> SyncWait.awaitAny(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void futexWaitvReportsTheWokenWord() throws Exception {
        String[] release = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(release[0]);
        int minor = Integer.parseInt(release[1]);
        org.junit.jupiter.api.Assumptions.assumeTrue(major > 5 || (major == 5 && minor >= 16), "futex_waitv needs 5.16");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(64, 64);
            MemorySegment[] words = {mem.asSlice(0, 4), mem.asSlice(32, 4)};
            assertThat(org.shm4j.internal.os.FutexWaitv.await(words, new int[] {0, 0}, 10_000_000L))
                    .isEqualTo(org.shm4j.internal.os.FutexWaitv.TIMED_OUT);
            assertThat(org.shm4j.internal.os.FutexWaitv.await(words, new int[] {0, 7}, 10_000_000L))
                    .isEqualTo(org.shm4j.internal.os.FutexWaitv.VALUE_CHANGED);
            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                org.shm4j.internal.os.Futex.wake(words[1], 1);
            });
            assertThat(org.shm4j.internal.os.FutexWaitv.await(words, new int[] {0, 0}, 10_000_000_000L)).isEqualTo(1);
            waker.join();
        }
    }

    @Test
    void sleepingWaiterWakesForWhicheverIsSignaled() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(256, 64);
            SharedEvent a = SharedEvent.create(mem, EventReset.AUTO);
            SharedSemaphore b = SharedSemaphore.create(mem.asSlice(64), 0, 5);
            for (int round = 0; round < 2; round++) {
                for (boolean virtual : new boolean[] {false, true}) {
                    AtomicReference<Object> got = new AtomicReference<>();
                    Thread t = (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                        try {
                            got.set(SyncWait.awaitAny(Duration.ofSeconds(20), a, b));
                        } catch (Throwable e) {
                            got.set(e);
                        }
                    });
                    Thread.sleep(150);
                    long start = System.nanoTime();
                    if (round == 0) {
                        b.release();
                    } else {
                        a.set();
                    }
                    t.join(10_000);
                    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
                    assertThat(got.get()).isEqualTo(OptionalInt.of(round == 0 ? 1 : 0));
                }
            }
            assertThat(b.available()).isZero();
            assertThat(a.isSet()).isFalse();
        }
    }
}
