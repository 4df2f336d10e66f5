package org.shm4j.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.LockResult;
import org.shm4j.sync.SharedEvent;
import org.shm4j.sync.SharedMutex;
import org.shm4j.sync.SharedReadWriteLock;
import org.shm4j.sync.SharedSemaphore;
import org.shm4j.sync.SyncSnapshot;

/**
 * Synchronization blocks a hostile process rewrote, through the public in-place API: a mutex,
 * read-write lock, semaphore or event is built in native memory, sometimes held by this thread
 * (so a real owner record is there), then the fuzzer's bytes overwrite the header (magic, version,
 * type, creator, PID namespace), the state word, the owner identity and token, and the parameter;
 * then the block is described ({@code SyncSnapshot.decode}, what the CLI shows, on a copy of any
 * length), used through the handle that was open before the overwrite, and opened again and used:
 * lock, unlock, owner-died recovery, timed waits of 1 ms, counts. {@code unlock} on memory whose
 * owner record was overwritten may say the lock is not held ({@link IllegalMonitorStateException}).
 */
class SyncFuzzTest {
    private static final Duration SHORT = Duration.ofMillis(1);

    @FuzzTest(maxDuration = "5m")
    void mutex(FuzzedDataProvider data) {
        Hostile.bounded(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment block = arena.allocate(SharedMutex.BYTES, 64);
                SharedMutex before = SharedMutex.create(block);
                boolean held = data.consumeBoolean() && before.tryLock().isPresent();
                Hostile.overwrite(data, block, block.byteSize(), 8);
                describe(data, block);
                if (held) {
                    Hostile.typedOrNotHeld(() -> {
                        before.unlock();
                        return null;
                    });
                }
                useMutex(before);
                SharedMutex after = Hostile.typed(() -> SharedMutex.open(block));
                if (after != null) {
                    useMutex(after);
                }
            }
        });
    }

    @FuzzTest(maxDuration = "5m")
    void readWriteLock(FuzzedDataProvider data) {
        Hostile.bounded(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment block = arena.allocate(SharedReadWriteLock.BYTES, 64);
                SharedReadWriteLock before = SharedReadWriteLock.create(block);
                int hold = data.consumeInt(0, 2);
                boolean held = hold == 1 ? before.tryLockRead() : hold == 2 && before.tryLockWrite(SHORT).isPresent();
                Hostile.overwrite(data, block, block.byteSize(), 8);
                describe(data, block);
                if (held) {
                    Hostile.typedOrNotHeld(() -> {
                        if (hold == 1) {
                            before.unlockRead();
                        } else {
                            before.unlockWrite();
                        }
                        return null;
                    });
                }
                useReadWriteLock(before);
                SharedReadWriteLock after = Hostile.typed(() -> SharedReadWriteLock.open(block));
                if (after != null) {
                    useReadWriteLock(after);
                }
            }
        });
    }

    @FuzzTest(maxDuration = "5m")
    void semaphore(FuzzedDataProvider data) {
        Hostile.bounded(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment block = arena.allocate(SharedSemaphore.BYTES, 64);
                int maximum = data.consumeInt(1, 1000);
                SharedSemaphore before = SharedSemaphore.create(block, data.consumeInt(0, maximum), maximum);
                Hostile.typed(before::tryAcquire);
                Hostile.overwrite(data, block, block.byteSize(), 8);
                describe(data, block);
                useSemaphore(data, before);
                SharedSemaphore after = Hostile.typed(() -> SharedSemaphore.open(block));
                if (after != null) {
                    useSemaphore(data, after);
                }
            }
        });
    }

    @FuzzTest(maxDuration = "5m")
    void event(FuzzedDataProvider data) {
        Hostile.bounded(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment block = arena.allocate(SharedEvent.BYTES, 64);
                SharedEvent before = SharedEvent.create(block,
                        data.consumeBoolean() ? EventReset.MANUAL : EventReset.AUTO);
                if (data.consumeBoolean()) {
                    before.set();
                }
                Hostile.overwrite(data, block, block.byteSize(), 8);
                describe(data, block);
                useEvent(before);
                SharedEvent after = Hostile.typed(() -> SharedEvent.open(block));
                if (after != null) {
                    useEvent(after);
                }
            }
        });
    }

    /** What {@code shm4j ls} and {@code info} show: never an exception, for a copy of any length. */
    private static void describe(FuzzedDataProvider data, MemorySegment block) {
        int length = data.consumeBoolean() ? (int) block.byteSize() : data.consumeInt(0, (int) block.byteSize());
        ByteBuffer copy = ByteBuffer.wrap(block.asSlice(0, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        Optional<SyncSnapshot> snapshot = SyncSnapshot.decode(copy.asReadOnlyBuffer());
        // Every fact of the typed record (the CLI's words are made from these).
        snapshot.ifPresent(s -> s.toString());
    }

    private static void useMutex(SharedMutex mutex) throws InterruptedException {
        Optional<LockResult> got = Hostile.typed(mutex::tryLock);
        if (got != null && got.isPresent()) {
            release(mutex, got.get());
        }
        Optional<LockResult> timed = Hostile.typed(() -> mutex.tryLock(SHORT));
        if (timed != null && timed.isPresent()) {
            release(mutex, timed.get());
        }
        mutex.holderPid();
        mutex.isNotRecoverable();
        mutex.isHeldByCurrentThread();
        mutex.toString();
    }

    private static void release(SharedMutex mutex, LockResult result) throws InterruptedException {
        Hostile.typedOrNotHeld(() -> {
            if (result.ownerDied()) {
                mutex.markConsistent();
            }
            mutex.unlock();
            return null;
        });
    }

    private static void useReadWriteLock(SharedReadWriteLock lock) throws InterruptedException {
        Boolean read = Hostile.typed(lock::tryLockRead);
        if (Boolean.TRUE.equals(read)) {
            Hostile.typedOrNotHeld(() -> {
                lock.unlockRead();
                return null;
            });
        }
        if (Boolean.TRUE.equals(Hostile.typed(() -> lock.tryLockRead(SHORT)))) {
            Hostile.typedOrNotHeld(() -> {
                lock.unlockRead();
                return null;
            });
        }
        Optional<LockResult> timedWrite = Hostile.typed(() -> lock.tryLockWrite(SHORT));
        LockResult write = timedWrite == null ? null : timedWrite.orElse(null);
        if (write != null) {
            Hostile.typedOrNotHeld(() -> {
                if (write.ownerDied()) {
                    lock.markConsistent();
                }
                lock.unlockWrite();
                return null;
            });
        }
        lock.holderPid();
        lock.readers();
        lock.toString();
    }

    private static void useSemaphore(FuzzedDataProvider data, SharedSemaphore semaphore)
            throws InterruptedException {
        Hostile.typed(semaphore::tryAcquire);
        Hostile.typed(() -> semaphore.release(data.consumeInt(1, 3)));
        Hostile.typed(semaphore::available);
        Hostile.typed(() -> semaphore.tryAcquire(SHORT));
        Hostile.typed(() -> semaphore.tryAcquire(Duration.ZERO));
        Hostile.typed(semaphore::release);
        semaphore.maximum();
        semaphore.toString();
    }

    private static void useEvent(SharedEvent event) throws InterruptedException {
        Hostile.typed(event::isSet);
        Hostile.typed(event::tryAwait);
        Hostile.typed(() -> event.tryAwait(SHORT));
        Hostile.typed(() -> {
            event.set();
            return null;
        });
        Hostile.typed(() -> event.tryAwait(Duration.ZERO));
        Hostile.typed(() -> {
            event.reset();
            return null;
        });
        event.toString();
    }
}
