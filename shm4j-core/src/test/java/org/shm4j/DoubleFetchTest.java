package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingCorruptedException;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.RingStats;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;
import org.shm4j.sync.LockResult;
import org.shm4j.sync.SharedMutex;
import org.shm4j.sync.SharedReadWriteLock;
import org.shm4j.sync.SharedSemaphore;
import org.shm4j.sync.SyncException;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Double fetches: a reader that checks a value in shared memory and then reads it again acts on
 * whatever a hostile peer wrote in between. Here a second thread of this process and a second
 * process flip random bytes of ring records and of synchronization blocks, as fast as they can,
 * while a consumer reads the ring and a locker uses the blocks. Every value the reader hands out
 * must be one it validated: payloads lie inside the ring's data region and are never longer than
 * the ring allows, semaphore counts stay within the maximum, reader counts are non-negative; and
 * every failure is one of shm4j's typed exceptions, never an out-of-bounds access or a hang.
 */
@ExtendWith(NoLeaks.class)
class DoubleFetchTest {
    private static final long CAPACITY = 1 << 12;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aConsumerNeverActsOnARecordHeaderFlippedAfterItWasChecked() throws Exception {
        String name = TestNames.unique("double-fetch-ring");
        long bytes = SpscRing.requiredBytes(CAPACITY);
        try (SharedMemory shm = SharedMemory.create(name, bytes);
             MappedView view = shm.map();
             SpscRing ring = SpscRing.create(view.segment(), CAPACITY)) {
            MemorySegment memory = view.segment();
            long dataStart = memory.address() + RingStats.HEADER_BYTES;
            long dataEnd = memory.address() + memory.byteSize();
            int maxPayload = ring.maxPayloadBytes();
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            threads.add(Thread.ofPlatform().name("producer").start(() -> {
                try (RingProducer producer = ring.producer()) {
                    SplittableRandom random = new SplittableRandom(1);
                    byte[] payload = new byte[Math.min(maxPayload, 256)];
                    while (!stop.get()) {
                        try {
                            producer.offer(random.nextInt(100),
                                    MemorySegment.ofArray(payload).asSlice(0, random.nextInt(payload.length + 1)));
                        } catch (RingCorruptedException typed) {
                            Thread.onSpinWait();
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
            threads.add(flipperThread(memory, RingStats.HEADER_BYTES, memory.byteSize(), stop, failures));
            AtomicLong delivered = new AtomicLong();
            AtomicLong corrupted = new AtomicLong();
            RecordHandler check = (typeId, payload) -> {
                long start = payload.address();
                if (payload.byteSize() > maxPayload || start < dataStart || start + payload.byteSize() > dataEnd
                        || typeId < 0) {
                    throw new AssertionError("acted on an unchecked record: typeId=" + typeId + ", length="
                            + payload.byteSize() + ", offset=" + (start - memory.address()));
                }
                payload.toArray(JAVA_BYTE);
                delivered.incrementAndGet();
            };
            try (ChildJvm child = ChildJvm.start(Flipper.class, name, Long.toString(RingStats.HEADER_BYTES),
                    Long.toString(bytes), Long.toString(TimeUnit.NANOSECONDS.toMillis(RUN_NANOS)));
                 RingConsumer consumer = ring.consumer(WaitStrategy.busySpin(), Duration.ofMillis(1))) {
                child.awaitOutput("FLIPPING", Duration.ofSeconds(30));
                long end = System.nanoTime() + RUN_NANOS;
                while (System.nanoTime() - end < 0) {
                    try {
                        consumer.poll(check, 64);
                    } catch (RingCorruptedException typed) {
                        assertThat(typed.getMessage()).startsWith("ring corrupted").contains("name=");
                        corrupted.incrementAndGet();
                    }
                }
                stop.set(true);
                for (Thread t : threads) {
                    t.join(10_000);
                }
                child.assertExitCode(0, Duration.ofSeconds(30));
            } finally {
                stop.set(true);
            }
            System.out.println("ring: delivered=" + delivered + ", refused as corrupted=" + corrupted);
            assertThat(failures).isEmpty();
            assertThat(delivered.get() + corrupted.get()).as("the consumer ran").isPositive();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void lockersNeverActOnASyncWordFlippedAfterItWasChecked() throws Exception {
        String name = TestNames.unique("double-fetch-sync");
        long blockBytes = 64;
        try (SharedMemory shm = SharedMemory.create(name, 3 * blockBytes);
             MappedView view = shm.map()) {
            MemorySegment memory = view.segment();
            SharedMutex mutex = SharedMutex.create(memory.asSlice(0, blockBytes));
            SharedReadWriteLock rw = SharedReadWriteLock.create(memory.asSlice(blockBytes, blockBytes));
            SharedSemaphore semaphore = SharedSemaphore.create(memory.asSlice(2 * blockBytes, blockBytes), 3, 5);
            long rebuilt = 0;
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Thread flipper = flipperThread(memory, 0, memory.byteSize(), stop, failures);
            long operations = 0;
            long refused = 0;
            try (ChildJvm child = ChildJvm.start(Flipper.class, name, "0", Long.toString(3 * blockBytes),
                    Long.toString(TimeUnit.NANOSECONDS.toMillis(RUN_NANOS)))) {
                child.awaitOutput("FLIPPING", Duration.ofSeconds(30));
                long end = System.nanoTime() + RUN_NANOS;
                while (System.nanoTime() - end < 0) {
                    if (operations % 300 == 299) {
                        // The flippers soon leave every word invalid: rebuild the blocks now and
                        // then so the lockers also run their ordinary paths under fire.
                        memory.fill((byte) 0);
                        try {
                            mutex = SharedMutex.create(memory.asSlice(0, blockBytes));
                            rw = SharedReadWriteLock.create(memory.asSlice(blockBytes, blockBytes));
                            semaphore = SharedSemaphore.create(memory.asSlice(2 * blockBytes, blockBytes), 3, 5);
                            rebuilt++;
                        } catch (SyncException flippedDuringCreate) {
                            assertThat(flippedDuringCreate.getMessage()).contains("=");
                        } catch (java.nio.file.FileAlreadyExistsException flippedIntoAMagic) {
                            assertThat(flippedIntoAMagic.getMessage()).contains("=");
                        }
                    }
                    try {
                        switch ((int) (operations % 3)) {
                            case 0 -> {
                                Optional<LockResult> r = mutex.tryLock(Duration.ofMillis(1));
                                if (r.isPresent()) {
                                    if (r.get().ownerDied()) {
                                        mutex.markConsistent();
                                    }
                                    mutex.unlock();
                                }
                            }
                            case 1 -> {
                                if (rw.tryLockRead()) {
                                    rw.unlockRead();
                                }
                                assertThat(rw.readers()).isNotNegative();
                            }
                            default -> {
                                int available = semaphore.available();
                                assertThat(available).isBetween(0, semaphore.maximum());
                                if (semaphore.tryAcquire()) {
                                    semaphore.release();
                                }
                            }
                        }
                    } catch (SyncException typed) {
                        assertThat(typed.getMessage()).contains("=");
                        refused++;
                    } catch (IllegalMonitorStateException ownerRecordFlipped) {
                        // Unlock found the owner record changed under it: a refusal, with context.
                        assertThat(ownerRecordFlipped.getMessage()).contains("location=");
                        refused++;
                    }
                    operations++;
                }
                stop.set(true);
                flipper.join(10_000);
                child.assertExitCode(0, Duration.ofSeconds(30));
            } finally {
                stop.set(true);
            }
            System.out.println("sync: operations=" + operations + ", refused=" + refused + ", rebuilt=" + rebuilt);
            assertThat(failures).isEmpty();
            assertThat(operations).isGreaterThan(refused);
        } finally {
            SharedMemory.remove(name);
        }
    }

    private static Thread flipperThread(MemorySegment memory, long from, long to, AtomicBoolean stop,
            ConcurrentLinkedQueue<Throwable> failures) {
        return Thread.ofPlatform().name("flipper").start(() -> {
            try {
                SplittableRandom random = new SplittableRandom(2);
                while (!stop.get()) {
                    flip(memory, from, to, random);
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
    }

    private static void flip(MemorySegment memory, long from, long to, SplittableRandom random) {
        long at = random.nextLong(from, to);
        byte old = memory.get(JAVA_BYTE, at);
        memory.set(JAVA_BYTE, at, (byte) (old ^ (1 << random.nextInt(8))));
    }

    /** Args: name, first byte, end byte, milliseconds. Flips bits in that range of the object. */
    public static final class Flipper {
        public static void main(String[] args) throws Exception {
            long from = Long.parseLong(args[1]);
            long to = Long.parseLong(args[2]);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_WRITE, SegmentOption.Flag.ANY_KIND);
                 MappedView view = shm.map()) {
                SplittableRandom random = new SplittableRandom(3);
                System.out.println("FLIPPING");
                long flips = 0;
                while (System.nanoTime() - end < 0) {
                    flip(view.segment(), from, to, random);
                    flips++;
                }
                System.out.println("FLIPPED " + flips);
            }
        }
    }
}
