package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
class SharedEventTest {
    private static final Duration CHILD_WAIT = Duration.ofSeconds(30);

    private static List<Thread> waiters(SharedEvent event, int n, AtomicInteger released, Duration timeout) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    if (event.tryAwait(timeout)) {
                        released.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        return threads;
    }

    @Test
    void manualResetReleasesEveryWaiterAndStaysSet() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedEvent event = SharedEvent.create(arena.allocate(64, 64), EventReset.MANUAL);
            AtomicInteger released = new AtomicInteger();
            List<Thread> threads = waiters(event, 4, released, Duration.ofSeconds(20));
            Thread.sleep(100);
            assertThat(released.get()).isZero();
            event.set();
            for (Thread t : threads) {
                t.join(10_000);
            }
            assertThat(released.get()).isEqualTo(4);
            assertThat(event.isSet()).isTrue();
            assertThat(event.tryAwait(Duration.ZERO)).isTrue();
            event.reset();
            assertThat(event.isSet()).isFalse();
            long start = System.nanoTime();
            assertThat(event.tryAwait(Duration.ofMillis(100))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    @Test
    void autoResetReleasesExactlyOneWaiterPerSet() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedEvent event = SharedEvent.create(arena.allocate(64, 64), EventReset.AUTO);
            AtomicInteger released = new AtomicInteger();
            List<Thread> threads = waiters(event, 3, released, Duration.ofSeconds(3));
            Thread.sleep(100);
            event.set();
            Thread.sleep(300);
            assertThat(released.get()).isEqualTo(1);
            assertThat(event.isSet()).isFalse();
            event.set();
            Thread.sleep(300);
            assertThat(released.get()).isEqualTo(2);
            for (Thread t : threads) {
                t.join(10_000);
            }
            assertThat(released.get()).isEqualTo(2);
            // Set with nobody waiting: stays set until exactly one taker comes.
            event.set();
            assertThat(event.isSet()).isTrue();
            assertThat(event.tryAwait()).isTrue();
            assertThat(event.tryAwait()).isFalse();
        }
    }

    @Test
    void manyVirtualThreadsWaitWithoutPinningAndAllWake() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            SharedEvent event = SharedEvent.create(arena.allocate(64, 64), EventReset.MANUAL);
            AtomicInteger released = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        event.await();
                        released.incrementAndGet();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            Thread.sleep(100);
            // A virtual thread that needs a carrier still gets one while 200 others wait.
            AtomicReference<String> ran = new AtomicReference<>();
            Thread.ofVirtual().start(() -> ran.set("yes")).join(5_000);
            assertThat(ran.get()).isEqualTo("yes");
            event.set();
            for (Thread t : threads) {
                t.join(10_000);
            }
            assertThat(released.get()).isEqualTo(200);
        }
    }

    @Test
    void waitIsInterruptibleAndGarbageIsTyped() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(64, 64);
            SharedEvent event = SharedEvent.create(mem, EventReset.AUTO);
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    event.await();
                } catch (Throwable e) {
                    seen.set(e);
                }
            });
            Thread.sleep(50);
            t.interrupt();
            t.join(5_000);
            assertThat(seen.get()).isInstanceOf(InterruptedException.class);
            mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET, 0x10);
            assertThatThrownBy(() -> event.tryAwait(Duration.ofSeconds(10))).isInstanceOf(CorruptStateException.class);
            assertThatThrownBy(event::set).isInstanceOf(CorruptStateException.class);
            mem.set(ValueLayout.JAVA_INT, SyncLayout.PARAM_OFFSET, 7);
            assertThatThrownBy(() -> SharedEvent.open(mem)).isInstanceOf(SyncFormatException.class)
                    .hasMessageContaining("param=7");
        }
    }

    /** Child: args[0] segment name; waits on the auto-reset event at 0, prints GOT, exits. */
    public static final class Waiter {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_WRITE); MappedView view = shm.map()) {
                SharedEvent event = SharedEvent.open(view.segment());
                System.out.println("WAITING");
                if (event.tryAwait(Duration.ofSeconds(30))) {
                    System.out.println("GOT " + view.segment().get(ValueLayout.JAVA_LONG, 64));
                }
            }
        }
    }

    @Test
    void waiterKilledWhileWaitingLosesNoWakeUpAndSetPublishes() throws Exception {
        String name = TestNames.unique("evkill");
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            SharedEvent event = SharedEvent.create(view.segment(), EventReset.AUTO);
            try (ChildJvm doomed = ChildJvm.start(Waiter.class, name); ChildJvm survivor = ChildJvm.start(Waiter.class,
                    name)) {
                doomed.awaitOutput("WAITING", CHILD_WAIT);
                survivor.awaitOutput("WAITING", CHILD_WAIT);
                Thread.sleep(300); // both asleep in futex
                doomed.kill();
                view.segment().set(ValueLayout.JAVA_LONG, 64, 4242L);
                event.set();
                survivor.assertExitCode(0, CHILD_WAIT);
                assertThat(survivor.output()).contains("GOT 4242");
            }
            assertThat(event.isSet()).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Child: ping-pong with the parent over two auto-reset events at 0 (ping) and 64 (pong). */
    public static final class Ponger {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_WRITE); MappedView view = shm.map()) {
                SharedEvent ping = SharedEvent.open(view.segment());
                SharedEvent pong = SharedEvent.open(view.segment().asSlice(64));
                int rounds = Integer.parseInt(args[1]);
                for (int i = 0; i < rounds; i++) {
                    if (!ping.tryAwait(Duration.ofSeconds(20))) {
                        System.out.println("TIMEOUT at " + i);
                        System.exit(2);
                    }
                    long v = view.segment().get(ValueLayout.JAVA_LONG, 128);
                    view.segment().set(ValueLayout.JAVA_LONG, 128, v + 1);
                    pong.set();
                }
            }
        }
    }

    @Test
    void crossProcessPingPongLosesNothing() throws Exception {
        String name = TestNames.unique("pingpong");
        int rounds = 5_000;
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map()) {
            SharedEvent ping = SharedEvent.create(view.segment(), EventReset.AUTO);
            SharedEvent pong = SharedEvent.create(view.segment().asSlice(64), EventReset.AUTO);
            try (ChildJvm child = ChildJvm.start(Ponger.class, name, Integer.toString(rounds))) {
                for (int i = 0; i < rounds; i++) {
                    view.segment().set(ValueLayout.JAVA_LONG, 128, view.segment().get(ValueLayout.JAVA_LONG, 128) + 1);
                    ping.set();
                    assertThat(pong.tryAwait(Duration.ofSeconds(30))).as("round %d", i).isTrue();
                }
                child.assertExitCode(0, CHILD_WAIT);
            }
            assertThat(view.segment().get(ValueLayout.JAVA_LONG, 128)).isEqualTo(2L * rounds);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void namedEventKeepsItsResetKind() throws Exception {
        String name = TestNames.unique("event");
        try (SharedEvent a = SharedEvent.create(name, EventReset.AUTO);
                SharedEvent b = SharedEvent.openOrCreate(name, EventReset.MANUAL)) {
            assertThat(b.created()).isFalse();
            assertThat(b.resetKind()).isEqualTo(EventReset.AUTO);
            a.set();
            assertThat(b.tryAwait()).isTrue();
            assertThat(a.isSet()).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }
}
