package org.shm4j;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.BroadcastTransmitter;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;
import org.shm4j.sync.SharedMutex;
import org.shm4j.sync.SharedReadWriteLock;
import org.shm4j.sync.SharedSemaphore;
import org.shm4j.sync.SyncWait;
import org.shm4j.testkit.ChildJvm;

/**
 * Every blocking call of the library parks a virtual thread instead of pinning its carrier: a child
 * JVM with two carriers runs far more virtual threads blocked on rings (consumers, producers on a
 * full ring, broadcast receivers), mutexes, read-write locks (both sides), events, semaphores and
 * {@code SyncWait.awaitAny} than it has
 * carriers, and an unrelated virtual thread still makes steady progress. With a futex sleep on a
 * virtual thread, the waiters would hold both carriers for up to a second per sleep.
 */
@Timeout(120)
class VirtualThreadWaitTest {
    private static final int CARRIERS = 2;

    @Test
    void blockedVirtualThreadsOnEveryKindOfWaitLeaveTheCarriersFree() {
        try (ChildJvm child = ChildJvm.start(Waiters.class, java.util.Map.of(),
                List.of("-Djdk.virtualThreadScheduler.parallelism=" + CARRIERS,
                        "-Djdk.virtualThreadScheduler.maxPoolSize=" + CARRIERS))) {
            child.assertExitCode(0, Duration.ofSeconds(100));
        }
    }

    /** The child: blocks waiters, checks progress, releases them, checks they all finish. */
    public static final class Waiters {
        static final int PER_KIND = 12;
        static final long RING = 4096;
        static final Duration LONG = Duration.ofSeconds(60);

        public static void main(String[] args) throws Exception {
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger done = new AtomicInteger();
            List<Thread> waiters = new ArrayList<>();
            try (Arena arena = Arena.ofShared()) {
                SharedMutex mutex = SharedMutex.create(arena.allocate(64, 64));
                SharedReadWriteLock rw = SharedReadWriteLock.create(arena.allocate(64, 64));
                SharedEvent event = SharedEvent.create(arena.allocate(64, 64), EventReset.MANUAL);
                SharedSemaphore semaphore = SharedSemaphore.create(arena.allocate(64, 64), 0, PER_KIND);
                mutex.lock();
                rw.lockWrite();

                List<SpscRing> spsc = new ArrayList<>();
                List<RingProducer> spscProducers = new ArrayList<>();
                for (int i = 0; i < PER_KIND; i++) {
                    SpscRing r = SpscRing.create(arena.allocate(SpscRing.requiredBytes(RING), 64), RING);
                    spsc.add(r);
                    spscProducers.add(r.producer());
                }
                MpscRing full = MpscRing.create(arena.allocate(MpscRing.requiredBytes(RING), 64), RING);
                RingConsumer fullConsumer = full.consumer();
                RingProducer filler = full.producer();
                MemorySegment payload = arena.allocate(256);
                while (filler.offer(1, payload)) {
                    // Fill the ring so that producers block.
                }
                BroadcastRing broadcast = BroadcastRing.create(arena.allocate(BroadcastRing.requiredBytes(RING), 64),
                        RING);
                BroadcastTransmitter transmitter = broadcast.transmitter();

                for (int i = 0; i < PER_KIND; i++) {
                    RingConsumer consumer = spsc.get(i).consumer(WaitStrategy.blocking(), Duration.ofSeconds(1));
                    RingProducer producer = full.producer(WaitStrategy.blocking());
                    var receiver = broadcast.receiver(WaitStrategy.blocking());
                    waiters.add(start(failures, done, () -> check(mutex.tryLock(LONG).isPresent()), mutex::unlock));
                    waiters.add(start(failures, done, () -> check(rw.tryLockRead(LONG)), rw::unlockRead));
                    waiters.add(start(failures, done, () -> check(rw.tryLockWrite(LONG).isPresent()), rw::unlockWrite));
                    waiters.add(start(failures, done, () -> check(SyncWait.awaitAny(LONG, event).isPresent()),
                            () -> { }));
                    waiters.add(start(failures, done, () -> check(event.tryAwait(LONG)), () -> { }));
                    waiters.add(start(failures, done, () -> check(semaphore.tryAcquire(LONG)), () -> { }));
                    waiters.add(start(failures, done, () -> check(consumer.poll((t, p) -> { }, 1, LONG) == 1),
                            consumer::close));
                    waiters.add(start(failures, done, () -> check(producer.offer(2, payload, LONG)), producer::close));
                    waiters.add(start(failures, done, () -> check(receiver.poll((t, p) -> { }, 1, LONG) == 1),
                            receiver::close));
                }
                // Let every waiter pass its spin phase and go to sleep.
                Thread.sleep(500);
                if (done.get() != 0) {
                    throw new AssertionError("a waiter returned before it was released: " + done.get());
                }

                // An unrelated virtual thread must make steady progress while they all wait.
                AtomicInteger steps = new AtomicInteger();
                long begin = System.nanoTime();
                Thread unrelated = Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 100; i++) {
                        steps.incrementAndGet();
                        Thread.yield();
                    }
                });
                if (!unrelated.join(Duration.ofSeconds(3))) {
                    throw new AssertionError("an unrelated virtual thread made " + steps.get()
                            + " of 100 steps in 3 s while " + waiters.size() + " virtual threads waited on "
                            + Runtime.getRuntime().availableProcessors() + " CPUs");
                }
                System.out.println("unrelated thread took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin)
                        + " ms beside " + waiters.size() + " waiters");

                // Release everyone.
                mutex.unlock();
                rw.unlockWrite();
                event.set();
                semaphore.release(PER_KIND);
                for (RingProducer p : spscProducers) {
                    check(p.offer(1, payload));
                }
                transmitter.transmit(1, payload);
                long releaseBegin = System.nanoTime();
                while (done.get() < waiters.size() && System.nanoTime() - releaseBegin < Duration.ofSeconds(30).toNanos()) {
                    fullConsumer.poll((t, p) -> { }, 1);
                    Thread.sleep(1);
                }
                for (Thread t : waiters) {
                    if (!t.join(Duration.ofSeconds(10))) {
                        throw new AssertionError("a waiter did not finish after release: " + t);
                    }
                }
                if (!failures.isEmpty()) {
                    AssertionError e = new AssertionError("waiters failed: " + failures.size());
                    failures.forEach(e::addSuppressed);
                    throw e;
                }
                System.out.println("all " + waiters.size() + " waiters released");
            }
        }

        interface Blocking {
            void run() throws Exception;
        }

        static Thread start(ConcurrentLinkedQueue<Throwable> failures, AtomicInteger done, Blocking wait,
                Blocking after) {
            return Thread.ofVirtual().start(() -> {
                try {
                    wait.run();
                    after.run();
                } catch (Throwable t) {
                    failures.add(t);
                } finally {
                    done.incrementAndGet();
                }
            });
        }

        static void check(boolean ok) {
            if (!ok) {
                throw new AssertionError("wait timed out");
            }
        }
    }
}
