package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.ObjectKind;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;

/** {@link SyncSnapshot#decode} turns a copy of a block's bytes into the typed record of its kind. */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class SyncSnapshotTest {
    private static final long PID = ProcessHandle.current().pid();

    private static SyncSnapshot decode(MemorySegment block) {
        return SyncSnapshot.decode(ByteBuffer.wrap(block.toArray(ValueLayout.JAVA_BYTE))).orElseThrow();
    }

    @Test
    void aMutexIsFreeThenHeldByThisLiveProcess() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(SyncSnapshot.BYTES, 64);
            SharedMutex mutex = SharedMutex.create(mem);
            assertThat(decode(mem)).isEqualTo(new SyncSnapshot.Mutex(SyncSnapshot.LockState.FREE, Optional.empty(),
                    false, 0, PID));
            mutex.tryLock().orElseThrow();
            SyncSnapshot.Mutex held = (SyncSnapshot.Mutex) decode(mem);
            assertThat(held.state()).isEqualTo(SyncSnapshot.LockState.HELD);
            assertThat(held.holder()).contains(new SyncSnapshot.Holder(PID, true));
            assertThat(held.kind()).contains(ObjectKind.MUTEX);
            mutex.unlock();
        }
    }

    @Test
    void aMutexWordNamingADeadProcessIsHeldByADeadHolder() throws Exception {
        long dead;
        try (ChildJvm exited = ChildJvm.startCommand(List.of("true"), Map.of(), "true")) {
            exited.assertExitCode(0, Duration.ofSeconds(30));
            dead = exited.pid();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(SyncSnapshot.BYTES, 64);
            SharedMutex.create(mem);
            mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET,
                    (int) dead | SyncLayout.OWNER_DIED | SyncLayout.WAITERS);
            SyncSnapshot.Mutex m = (SyncSnapshot.Mutex) decode(mem);
            assertThat(m.state()).isEqualTo(SyncSnapshot.LockState.HELD_OWNER_DIED);
            assertThat(m.holder()).contains(new SyncSnapshot.Holder(dead, false));
            assertThat(m.waiters()).isTrue();

            mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET, SyncLayout.NOT_RECOVERABLE);
            assertThat(((SyncSnapshot.Mutex) decode(mem)).state()).isEqualTo(SyncSnapshot.LockState.NOT_RECOVERABLE);

            mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET, 0x0F00_00FF);
            SyncSnapshot.Mutex corrupt = (SyncSnapshot.Mutex) decode(mem);
            assertThat(corrupt.state()).isEqualTo(SyncSnapshot.LockState.CORRUPT);
            assertThat(corrupt.stateWord()).isEqualTo(0x0F00_00FF);
            assertThat(corrupt.holder()).isEmpty();
        }
    }

    @Test
    void aReadWriteLockCountsReadersAndNamesItsWriter() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(SyncSnapshot.BYTES, 64);
            SharedReadWriteLock lock = SharedReadWriteLock.create(mem);
            assertThat(lock.tryLockRead()).isTrue();
            assertThat(lock.tryLockRead()).isTrue();
            assertThat(decode(mem)).isEqualTo(new SyncSnapshot.ReadWriteLock(SyncSnapshot.LockState.READ_LOCKED,
                    Optional.empty(), 2, false, false, PID));
            lock.unlockRead();
            lock.unlockRead();
            lock.tryLockWrite(Duration.ofSeconds(5)).orElseThrow();
            SyncSnapshot.ReadWriteLock written = (SyncSnapshot.ReadWriteLock) decode(mem);
            assertThat(written.state()).isEqualTo(SyncSnapshot.LockState.HELD);
            assertThat(written.holder()).contains(new SyncSnapshot.Holder(PID, true));
            assertThat(written.kind()).contains(ObjectKind.READ_WRITE_LOCK);
            lock.unlockWrite();
        }
    }

    @Test
    void anEventShowsSignaledAndResetAndACorruptResetWord() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(SyncSnapshot.BYTES, 64);
            SharedEvent event = SharedEvent.create(mem, EventReset.AUTO);
            event.set();
            SyncSnapshot.Event e = (SyncSnapshot.Event) decode(mem);
            assertThat(e.signaled()).isTrue();
            assertThat(e.reset()).contains(EventReset.AUTO);
            assertThat(e.corrupt()).isFalse();
            mem.set(ValueLayout.JAVA_INT, SyncLayout.PARAM_OFFSET, 7);
            SyncSnapshot.Event badReset = (SyncSnapshot.Event) decode(mem);
            assertThat(badReset.reset()).isEmpty();
            assertThat(badReset.resetWord()).isEqualTo(7);
            assertThat(badReset.corrupt()).isTrue();
            assertThat(badReset.corruptState()).isFalse();
            mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET, 0x100);
            assertThat(((SyncSnapshot.Event) decode(mem)).corruptState()).isTrue();
        }
    }

    @Test
    void aSemaphoreShowsItsCountAndACountAboveTheMaximumIsCorrupt() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(SyncSnapshot.BYTES, 64);
            SharedSemaphore semaphore = SharedSemaphore.create(mem, 2, 5);
            assertThat(decode(mem)).isEqualTo(new SyncSnapshot.Semaphore(2, 5, false, PID));
            assertThat(semaphore.tryAcquire()).isTrue();
            assertThat(((SyncSnapshot.Semaphore) decode(mem)).count()).isEqualTo(1);
            mem.set(ValueLayout.JAVA_INT, SyncLayout.STATE_OFFSET, 9);
            assertThat(((SyncSnapshot.Semaphore) decode(mem)).corrupt()).isTrue();
        }
    }

    @Test
    void anotherVersionOrAnUnknownTypeIsUnreadableAndOtherBytesAreNotASyncBlock() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(SyncSnapshot.BYTES, 64);
            SharedMutex.create(mem);
            mem.set(ValueLayout.JAVA_SHORT, SyncLayout.VERSION_OFFSET, (short) 1);
            SyncSnapshot.Unreadable old = (SyncSnapshot.Unreadable) decode(mem);
            assertThat(old.unsupportedVersion()).isTrue();
            assertThat(old.version()).isEqualTo(1);
            assertThat(old.kind()).contains(ObjectKind.MUTEX);

            mem.set(ValueLayout.JAVA_SHORT, SyncLayout.VERSION_OFFSET, SyncLayout.VERSION);
            mem.set(ValueLayout.JAVA_SHORT, SyncLayout.TYPE_OFFSET, (short) 99);
            SyncSnapshot.Unreadable unknown = (SyncSnapshot.Unreadable) decode(mem);
            assertThat(unknown.unsupportedVersion()).isFalse();
            assertThat(unknown.typeCode()).isEqualTo(99);
            assertThat(unknown.kind()).isEmpty();
            assertThat(unknown.creatorPid()).isEqualTo(PID);

            assertThat(SyncSnapshot.decode(ByteBuffer.wrap(new byte[64]))).isEmpty();
            assertThat(SyncSnapshot.decode(ByteBuffer.wrap(mem.asSlice(0, 16).toArray(ValueLayout.JAVA_BYTE))))
                    .as("too short").isEmpty();
        }
    }
}
