package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.Lifetime;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.CloseUnderLoad;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.ProcSelf;
import org.shm4j.testkit.TestNames;

/**
 * A named mutex is locked and unlocked by absolute address (the constant-segment rule of
 * {@code org.shm4j.internal.block.Absolute}), so its mapping must never be unmapped under a thread
 * inside a call. Closing the handle while other threads lock and unlock it as fast as they can must
 * end every one of them with {@link IllegalStateException} only, never a crash (a SIGSEGV would kill
 * this JVM) and never a hang; once closed, the shared memory is no longer mapped.
 */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class MutexCloseUnderLoadTest {
    private static final int ROUNDS = 150;

    @Test
    void closingTheHandleWhileOtherThreadsLockAndUnlockEndsThemWithIllegalStateException() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String name = TestNames.unique("mutexclose");
            try {
                SharedMutex mutex = SharedMutex.create(name);
                List<Throwable> ends = CloseUnderLoad.close(mutex, Duration.ofMillis(3),
                        List.of(() -> use(mutex, 0), () -> use(mutex, 1), () -> use(mutex, 2)));
                for (int kind = 0; kind < ends.size(); kind++) {
                    assertThat(ends.get(kind)).as("round %d, kind %d", round, kind)
                            .isExactlyInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
                }
                assertThat(ProcSelf.maps(name)).as("round %d: mapped after close", round).isFalse();
            } finally {
                SharedMemory.remove(name);
            }
        }
    }

    @Test
    void everyCallOnAClosedNamedMutexIsAnIllegalStateExceptionNamingIt() throws Exception {
        String name = TestNames.unique("mutexclosed");
        try (SharedMutex other = SharedMutex.create(name)) {
            SharedMutex mutex = SharedMutex.open(name);
            mutex.lock();
            mutex.unlock();
            mutex.close();
            mutex.close(); // idempotent
            List<ThrowingCallable> calls = List.of(mutex::lock, mutex::tryLock, () -> mutex.tryLock(Duration.ZERO),
                    mutex::unlock, mutex::markConsistent, mutex::isHeldByCurrentThread, mutex::holderPid,
                    mutex::isNotRecoverable, mutex::segment, () -> mutex.withLock(Duration.ZERO, () -> { }, () -> { }));
            for (ThrowingCallable call : calls) {
                assertThatThrownBy(call).isExactlyInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("closed").hasMessageContaining(name);
            }
            // The other handle's mapping is untouched, and the mutex is free.
            assertThat(other.tryLock()).contains(LockResult.ACQUIRED);
            other.unlock();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void closingANamedMutexLetsGoOfItsDescriptorAndItsReferenceCountedNameAtOnce() throws Exception {
        String name = TestNames.unique("mutexfd");
        try {
            try (SharedMutex keep = SharedMutex.create(name)) {
                assertThat(keep.created()).isTrue();
                int before = ProcSelf.openDescriptors();
                // Without a GC in between: the detached address ranges wait for one, nothing else.
                for (int i = 0; i < 2_000; i++) {
                    try (SharedMutex m = SharedMutex.open(name)) {
                        m.lock();
                        m.unlock();
                    }
                }
                assertThat(ProcSelf.openDescriptors()).isLessThanOrEqualTo(before + 2);
            }
            String counted = TestNames.unique("mutexrc");
            SharedMutex m = SharedMutex.create(counted, Lifetime.REFERENCE_COUNTED);
            assertThat(Path.of("/dev/shm", counted)).exists();
            m.close();
            assertThat(Path.of("/dev/shm", counted)).as("the last handle removes the name").doesNotExist();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Locks and unlocks in one way until a call throws; returns what it threw. */
    private static Throwable use(SharedMutex mutex, int kind) {
        try {
            while (true) {
                switch (kind) {
                    case 0 -> mutex.lock();
                    case 1 -> {
                        if (mutex.tryLock().isEmpty()) {
                            continue;
                        }
                    }
                    default -> {
                        if (mutex.tryLock(Duration.ofMillis(1)).isEmpty()) {
                            continue;
                        }
                    }
                }
                mutex.unlock();
            }
        } catch (Throwable t) {
            return t;
        }
    }
}
