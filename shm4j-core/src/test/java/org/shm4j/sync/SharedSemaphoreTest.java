package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

@ExtendWith(NoLeaks.class)
@Timeout(60)
class SharedSemaphoreTest {
    private static final Duration CHILD_WAIT = Duration.ofSeconds(30);

    @Test
    void countsUpToItsMaximum() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedSemaphore sem = SharedSemaphore.create(arena.allocate(64, 64), 1, 3);
            assertThat(sem.maximum()).isEqualTo(3);
            assertThat(sem.tryAcquire()).isTrue();
            assertThat(sem.tryAcquire()).isFalse();
            assertThat(sem.tryAcquire(Duration.ofMillis(50))).isFalse();
            assertThat(sem.release(3)).isTrue();
            assertThat(sem.release()).as("past the maximum").isFalse();
            assertThat(sem.available()).isEqualTo(3);
            assertThatThrownBy(() -> sem.release(0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SharedSemaphore.create(arena.allocate(64, 64), 4, 3))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void neverAdmitsMoreThanItsPermitsAndLosesNone() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedSemaphore sem = SharedSemaphore.create(arena.allocate(64, 64), 2, 2);
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                threads.add((t % 2 == 0 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                    try {
                        for (int i = 0; i < 2_000; i++) {
                            assertThat(sem.tryAcquire(Duration.ofSeconds(20))).isTrue();
                            int now = inside.incrementAndGet();
                            maxInside.accumulateAndGet(now, Math::max);
                            inside.decrementAndGet();
                            sem.release();
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
            assertThat(maxInside.get()).isLessThanOrEqualTo(2);
            assertThat(sem.available()).isEqualTo(2);
        }
    }

    @Test
    void garbageAboveTheMaximumIsTyped() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(64, 64);
            SharedSemaphore sem = SharedSemaphore.create(mem, 0, 5);
            mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET, 6);
            assertThatThrownBy(() -> sem.tryAcquire(Duration.ofSeconds(5))).isInstanceOf(CorruptStateException.class)
                    .hasMessageContaining("maximum=5");
            assertThatThrownBy(sem::release).isInstanceOf(CorruptStateException.class);
            mem.set(ValueLayout.JAVA_INT, SyncLayout.PARAM_OFFSET, 0);
            assertThatThrownBy(() -> SharedSemaphore.open(mem)).isInstanceOf(SyncFormatException.class);
        }
    }

    /** Child: args[0] name, args[1] "acquire" (one permit, forever) or "post" (release in a loop, counting). */
    public static final class Worker {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_WRITE); MappedView view = shm.map()) {
                SharedSemaphore sem = SharedSemaphore.open(view.segment());
                MemorySegment posted = view.segment().asSlice(64, 8);
                System.out.println("READY");
                if (args[1].equals("acquire")) {
                    sem.acquire();
                    System.out.println("ACQUIRED");
                } else {
                    for (;;) {
                        if (sem.release()) {
                            posted.set(ValueLayout.JAVA_LONG, 0, posted.get(ValueLayout.JAVA_LONG, 0) + 1);
                        }
                        Thread.onSpinWait();
                    }
                }
            }
        }
    }

    @Test
    void waiterKilledWhileWaitingTakesNoPermit() throws Exception {
        String name = TestNames.unique("semwait");
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            SharedSemaphore sem = SharedSemaphore.create(view.segment(), 0, 10);
            try (ChildJvm doomed = ChildJvm.start(Worker.class, name, "acquire");
                    ChildJvm survivor = ChildJvm.start(Worker.class, name, "acquire")) {
                doomed.awaitOutput("READY", CHILD_WAIT);
                survivor.awaitOutput("READY", CHILD_WAIT);
                Thread.sleep(300);
                doomed.kill();
                assertThat(sem.release()).isTrue();
                survivor.assertExitCode(0, CHILD_WAIT);
                assertThat(survivor.output()).contains("ACQUIRED");
                assertThat(sem.available()).isZero();
                assertThat(sem.release()).isTrue();
                assertThat(sem.available()).isEqualTo(1);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void posterKilledMidReleaseLosesNoPermit() throws Exception {
        String name = TestNames.unique("sempost");
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            SharedSemaphore sem = SharedSemaphore.create(view.segment(), 0, Integer.MAX_VALUE);
            long consumed = 0;
            try (ChildJvm poster = ChildJvm.start(Worker.class, name, "post")) {
                poster.awaitOutput("READY", CHILD_WAIT);
                long end = System.nanoTime() + 300_000_000L;
                while (System.nanoTime() < end) {
                    if (sem.tryAcquire(Duration.ofMillis(100))) {
                        consumed++;
                    }
                }
                poster.kill();
            }
            long posted = view.segment().get(ValueLayout.JAVA_LONG, 64);
            long left = sem.available();
            // The child counts a post after its CAS, so a kill in between leaves one extra permit.
            assertThat(consumed + left).isBetween(posted, posted + 1);
            assertThat(consumed).isPositive();
        } finally {
            SharedMemory.remove(name);
        }
    }
}
