package org.shm4j.sync;

import static org.shm4j.sync.SyncLayout.NOT_RECOVERABLE;
import static org.shm4j.sync.SyncLayout.OWNER_DIED;
import static org.shm4j.sync.SyncLayout.PID_MASK;
import static org.shm4j.sync.SyncLayout.WAITERS;
import static org.shm4j.sync.SyncLayout.WRITER_WAITING;
import static org.shm4j.sync.SyncLayout.WRITE_LOCKED;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.block.FutexWait;
import org.shm4j.internal.block.Blocks;

/**
 * A read-write lock shared between processes: many readers or one writer, writer-preferring (a
 * waiting writer holds back new readers while readers hold the lock), 64 bytes of shared memory.
 *
 * <p>The write lock is owned and robust exactly like {@link SharedMutex}: not reentrant, a writer
 * that dies is detected by the next writer, which gets {@link LockResult#OWNER_DIED} and must call
 * {@link #markConsistent()} before {@link #unlockWrite()}, else the lock becomes not recoverable.
 * Readers waiting on a dead writer keep waiting until a writer recovers the lock, or until their
 * timeout ends (the result is then false).
 *
 * <p>Read holds are counted, not owned: the lock cannot tell which process holds them. A reader
 * killed while holding a read lock leaks that hold, and writers then time out (their error names
 * the reader count). Keep read sections short, or use a {@link SharedMutex} where readers may die.
 *
 * {@snippet :
 * rw.lockRead(Duration.ofSeconds(1));
 * try {
 *     readPrices();
 * } finally {
 *     rw.unlockRead();
 * }
 * }
 */
public final class SharedReadWriteLock extends SyncHandle {
    /** Bytes a read-write lock occupies in a segment. */
    public static final long BYTES = SyncLayout.LOCK_BYTES;

    private static final long STATE = SyncLayout.STATE_OFFSET;
    private static final int MY_PID = (int) ProcessIdentity.current().pid();
    private static final int VALID = PID_MASK | WRITER_WAITING | OWNER_DIED | WAITERS | WRITE_LOCKED;

    private SharedReadWriteLock(SyncBlock.Opened o) {
        super(o);
    }

    /** Builds a new, free lock in the first {@link #BYTES} bytes of {@code at}; see {@link SharedMutex#create(MemorySegment)}. */
    public static SharedReadWriteLock create(MemorySegment at) throws IOException {
        return SyncHandle.create(at, BYTES, SyncLayout.TYPE_READ_WRITE_LOCK, SyncBlock::initLock,
                SharedReadWriteLock::new);
    }

    /** Attaches to the lock at {@code at}. */
    public static SharedReadWriteLock open(MemorySegment at) throws IOException {
        return SyncHandle.open(at, BYTES, SyncLayout.TYPE_READ_WRITE_LOCK, SharedReadWriteLock::new);
    }

    /** Attaches to the lock at {@code at}, building it if the memory is zero. */
    public static SharedReadWriteLock openOrCreate(MemorySegment at) throws IOException {
        return SyncHandle.openOrCreate(at, BYTES, SyncLayout.TYPE_READ_WRITE_LOCK, SyncBlock::initLock,
                SharedReadWriteLock::new);
    }

    /** Creates a named lock. @throws java.nio.file.FileAlreadyExistsException if the name exists */
    public static SharedReadWriteLock create(String name, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.CREATE, name, options);
    }

    /** Opens a named lock. */
    public static SharedReadWriteLock open(String name, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.OPEN, name, options);
    }

    /** Opens the named lock or creates it, race-free. */
    public static SharedReadWriteLock openOrCreate(String name, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.OPEN_OR_CREATE, name, options);
    }

    private static SharedReadWriteLock named(Blocks.Mode mode, String name, SegmentOption... options)
            throws IOException {
        return SyncHandle.named(mode, name, BYTES, SyncLayout.TYPE_READ_WRITE_LOCK, SyncBlock::initLock,
                SharedReadWriteLock::new, options);
    }

    // ---- read side -----------------------------------------------------------------------------

    /** Takes a read hold, waiting without limit. */
    public void lockRead() throws InterruptedException, SyncException {
        lockReadNanos(FutexWait.FOREVER);
    }

    /**
     * Takes a read hold, waiting at most {@code timeout}.
     *
     * @return true once held; false if a writer held (or waited for) the lock until the timeout ended
     * @throws NotRecoverableException if the lock was left not recoverable
     * @throws CorruptStateException if the lock word holds a value the protocol never writes
     */
    public boolean tryLockRead(Duration timeout) throws InterruptedException, SyncException {
        return lockReadNanos(FutexWait.timeoutNanos(timeout));
    }

    /** Takes a read hold if no writer holds or waits, without waiting. */
    public boolean tryLockRead() throws SyncException {
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            check(c);
            if (!readable(c)) {
                return false;
            }
            if (SyncBlock.INT.compareAndSet(block, STATE, c, addReader(c))) {
                return true;
            }
        }
    }

    /** Takes a read hold; false when the timeout ends first. */
    private boolean lockReadNanos(long timeoutNanos) throws InterruptedException, SyncException {
        if (tryLockRead()) {
            return true;
        }
        FutexWait.checkInterrupt();
        long deadline = FutexWait.deadline(timeoutNanos);
        int spins = FutexWait.SPINNING;
        long spinStart = System.nanoTime();
        long slice = FutexWait.MIN_SLICE_NANOS;
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            check(c);
            if (readable(c)) {
                // Acquire via the CAS: pairs with the releasing exchange in unlockWrite.
                if (SyncBlock.INT.compareAndSet(block, STATE, c, addReader(c))) {
                    return true;
                }
                continue;
            }
            if (spins > 0) {
                spins = FutexWait.spin(spins, spinStart);
                continue;
            }
            long remaining = FutexWait.remaining(timeoutNanos, deadline);
            if (remaining == 0) {
                return false;
            }
            if ((c & WAITERS) == 0) {
                if (!SyncBlock.INT.compareAndSet(block, STATE, c, c | WAITERS)) {
                    continue;
                }
                c |= WAITERS;
            }
            FutexWait.sleep(word, c, slice, remaining);
            slice = FutexWait.nextSlice(slice);
        }
    }

    /** Readers may enter unless a writer holds the lock, or waits while readers hold it. */
    private static boolean readable(int c) {
        return (c & WRITE_LOCKED) == 0 && ((c & WRITER_WAITING) == 0 || (c & PID_MASK) == 0);
    }

    private int addReader(int c) {
        if ((c & PID_MASK) == PID_MASK) {
            throw new IllegalStateException(Messages.format("too many read holds", "location", where, "readers",
                    PID_MASK));
        }
        // The first reader into a free lock drops a stale WRITER_WAITING (its writer may have died or
        // given up); a writer still waiting sets it again when it wakes.
        return (c & PID_MASK) == 0 ? (c & ~WRITER_WAITING) + 1 : c + 1;
    }

    /**
     * Returns a read hold. The last reader out wakes waiting writers.
     *
     * @throws IllegalMonitorStateException if no read hold is outstanding
     */
    public void unlockRead() throws SyncException {
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            check(c);
            if ((c & WRITE_LOCKED) != 0 || (c & PID_MASK) == 0) {
                throw new IllegalMonitorStateException(Messages.format("read lock not held", "location", where,
                        "state", SyncBlock.hex(c)));
            }
            boolean last = (c & PID_MASK) == 1;
            // The last reader wakes everyone, so it may drop WAITERS; sleepers set it again.
            int n = last ? (c - 1) & ~WAITERS : c - 1;
            // Release via the CAS: pairs with a writer's acquiring CAS.
            if (SyncBlock.INT.compareAndSet(block, STATE, c, n)) {
                if (last && (c & WAITERS) != 0) {
                    FutexWait.wake(word, Integer.MAX_VALUE);
                }
                return;
            }
        }
    }

    // ---- write side ----------------------------------------------------------------------------

    /** Takes the write lock, waiting without limit; see {@link SharedMutex#lock()}. */
    public LockResult lockWrite() throws InterruptedException, SyncException {
        return lockWriteNanos(FutexWait.FOREVER);
    }

    /**
     * Takes the write lock, waiting at most {@code timeout}.
     *
     * @return how it was taken ({@link LockResult#OWNER_DIED} if the previous writer died holding
     *     it), or empty if a live writer or readers still held it when the timeout ended
     *     ({@link #holderPid()} and {@link #readers()} say which)
     * @throws IllegalStateException if this thread already holds the write lock
     */
    public Optional<LockResult> tryLockWrite(Duration timeout) throws InterruptedException, SyncException {
        return Optional.ofNullable(lockWriteNanos(FutexWait.timeoutNanos(timeout)));
    }

    /** Takes the write lock; null when the timeout ends first. */
    private LockResult lockWriteNanos(long timeoutNanos) throws InterruptedException, SyncException {
        if (SyncBlock.INT.compareAndSet(block, STATE, 0, WRITE_LOCKED | MY_PID)) {
            OwnerRecord.claim(block, false);
            return LockResult.ACQUIRED;
        }
        FutexWait.checkInterrupt();
        long deadline = FutexWait.deadline(timeoutNanos);
        int spins = FutexWait.SPINNING;
        long spinStart = System.nanoTime();
        long slice = FutexWait.MIN_SLICE_NANOS;
        boolean slept = false;
        boolean checkHolder = false;
        long lastHolderCheck = System.nanoTime() - FutexWait.HOLDER_CHECK_NANOS;
        boolean checkedOwnership = false;
        try {
            for (;;) {
                int c = (int) SyncBlock.INT.getVolatile(block, STATE);
                check(c);
                if ((c & WRITE_LOCKED) == 0 && (c & PID_MASK) == 0) {
                    int n = WRITE_LOCKED | MY_PID | ((slept || (c & WAITERS) != 0) ? WAITERS : 0);
                    if (SyncBlock.INT.compareAndSet(block, STATE, c, n)) {
                        OwnerRecord.claim(block, false);
                        return LockResult.ACQUIRED;
                    }
                    continue;
                }
                if ((c & WRITE_LOCKED) != 0) {
                    if (!checkedOwnership) {
                        checkedOwnership = true;
                        if (writeHeldByCurrentThread(c)) {
                            throw new IllegalStateException(Messages.format(
                                    "write lock already held by this thread; it is not reentrant", "location", where));
                        }
                    }
                    if (checkHolder) {
                        lastHolderCheck = System.nanoTime();
                    }
                    if (checkHolder && !writerAlive(c)) {
                        int n = WRITE_LOCKED | MY_PID | OWNER_DIED | ((slept || (c & WAITERS) != 0) ? WAITERS : 0);
                        if (SyncBlock.INT.compareAndSet(block, STATE, c, n)) {
                            OwnerRecord.claim(block, true);
                            return LockResult.OWNER_DIED;
                        }
                        continue;
                    }
                }
                checkHolder = false;
                if (spins > 0) {
                    spins = FutexWait.spin(spins, spinStart);
                    continue;
                }
                long remaining = FutexWait.remaining(timeoutNanos, deadline);
                if (remaining == 0) {
                    withdrawWriterPreference();
                    return null;
                }
                int want = c | WAITERS | ((c & WRITE_LOCKED) == 0 ? WRITER_WAITING : 0);
                if (want != c) {
                    if (!SyncBlock.INT.compareAndSet(block, STATE, c, want)) {
                        continue;
                    }
                    c = want;
                }
                checkHolder = FutexWait.holderCheckDue(FutexWait.sleep(word, c, slice, remaining), lastHolderCheck);
                slept = true;
                slice = FutexWait.nextSlice(slice);
            }
        } catch (InterruptedException e) {
            withdrawWriterPreference();
            throw e;
        }
    }

    /** A writer that gives up drops WRITER_WAITING and wakes everyone; other waiting writers set it again. */
    private void withdrawWriterPreference() {
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            if ((c & WRITER_WAITING) == 0 || (c & ~VALID) != 0) {
                return;
            }
            if (SyncBlock.INT.compareAndSet(block, STATE, c, c & ~WRITER_WAITING)) {
                if ((c & WAITERS) != 0) {
                    FutexWait.wake(word, Integer.MAX_VALUE);
                }
                return;
            }
        }
    }

    /**
     * Runs {@code action} holding the write lock, with the owner-died repair in the same call, as
     * {@link SharedMutex#withLock} does: locks for writing (waiting at most {@code timeout}); if
     * the previous writer died holding it, runs {@code repair} and, when it returns normally,
     * {@link #markConsistent()}; then runs {@code action} and unlocks, whatever happens.
     *
     * @return true once the action ran; false if the lock was still held when the timeout ended
     *     (nothing ran)
     * @throws X what {@code repair} or {@code action} threw; if {@code repair} threw, the lock is
     *     unlocked without being marked consistent and is then not recoverable
     * @throws InterruptedException if the thread is interrupted while waiting (nothing ran)
     * @throws NotRecoverableException if the lock was left not recoverable
     * @throws CorruptStateException if the lock word holds a value the protocol never writes
     */
    public <X extends Exception> boolean withWriteLock(Duration timeout, LockedAction<? extends X> action,
            Repair<? extends X> repair) throws X, InterruptedException, SyncException {
        java.util.Objects.requireNonNull(action, "action");
        java.util.Objects.requireNonNull(repair, "repair");
        return runLocked(tryLockWrite(timeout), action, repair, this::markConsistent, this::unlockWrite);
    }

    /**
     * Releases the write lock and wakes every waiter. After {@link LockResult#OWNER_DIED} without
     * {@link #markConsistent()}, the lock becomes not recoverable.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    public void unlockWrite() {
        int c = (int) SyncBlock.INT.getOpaque(block, STATE);
        if (!writeHeldByCurrentThread(c)) {
            throw new IllegalMonitorStateException(Messages.format("write lock not held by this thread", "location",
                    where, "state", SyncBlock.hex(c)));
        }
        OwnerRecord.clear(block);
        // Release: pairs with the acquiring CAS of the next reader or writer.
        int prev = (int) SyncBlock.INT.getAndSet(block, STATE, (c & OWNER_DIED) != 0 ? NOT_RECOVERABLE : 0);
        if ((prev & WAITERS) != 0 || (prev & OWNER_DIED) != 0) {
            FutexWait.wake(word, Integer.MAX_VALUE);
        }
    }

    /** Declares the data repaired after {@link LockResult#OWNER_DIED}; see {@link SharedMutex#markConsistent()}. */
    public void markConsistent() {
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            if (!writeHeldByCurrentThread(c)) {
                throw new IllegalMonitorStateException(Messages.format("write lock not held by this thread",
                        "location", where));
            }
            if ((c & OWNER_DIED) == 0 || SyncBlock.INT.compareAndSet(block, STATE, c, c & ~OWNER_DIED)) {
                OwnerRecord.markConsistent(block);
                return;
            }
        }
    }

    // ---- queries -------------------------------------------------------------------------------

    /**
     * The PID of the process holding the write lock as the lock word says it (untrusted), or empty
     * when no writer holds it; read holds are counted by {@link #readers()}. The same name as
     * {@link SharedMutex#holderPid()}.
     */
    public OptionalLong holderPid() {
        int c = (int) SyncBlock.INT.getVolatile(block, STATE);
        return (c & WRITE_LOCKED) != 0 && c != NOT_RECOVERABLE ? OptionalLong.of(c & PID_MASK) : OptionalLong.empty();
    }

    /** Read holds outstanding now. */
    public int readers() {
        int c = (int) SyncBlock.INT.getVolatile(block, STATE);
        return (c & WRITE_LOCKED) != 0 || c == NOT_RECOVERABLE ? 0 : c & PID_MASK;
    }

    public boolean isWriteHeldByCurrentThread() {
        return writeHeldByCurrentThread((int) SyncBlock.INT.getVolatile(block, STATE));
    }

    @Override
    public String toString() {
        return Messages.format("SharedReadWriteLock", "location", where, "state",
                SyncBlock.hex((int) SyncBlock.INT.getVolatile(block, STATE)));
    }

    // ---- internals -----------------------------------------------------------------------------

    private boolean writeHeldByCurrentThread(int c) {
        return (c & WRITE_LOCKED) != 0 && (c & PID_MASK) == MY_PID && (c & ~VALID) == 0
                && OwnerRecord.heldByCurrentThread(block);
    }

    private boolean writerAlive(int c) {
        return OwnerRecord.holderAlive(block, c & PID_MASK);
    }

    private void check(int c) throws SyncException {
        if (c == NOT_RECOVERABLE) {
            throw new NotRecoverableException(Messages.format(
                    "read-write lock not recoverable: a writer died and the next one unlocked without markConsistent()",
                    "location", where));
        }
        boolean writeLocked = (c & WRITE_LOCKED) != 0;
        if ((c & ~VALID) != 0 || (writeLocked && (c & PID_MASK) == 0) || (!writeLocked && (c & OWNER_DIED) != 0)) {
            throw new CorruptStateException(Messages.format("read-write lock state word is corrupt", "location",
                    where, "state", SyncBlock.hex(c)), c);
        }
    }
}
