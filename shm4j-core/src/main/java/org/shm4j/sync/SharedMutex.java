package org.shm4j.sync;

import static org.shm4j.sync.SyncLayout.NOT_RECOVERABLE;
import static org.shm4j.sync.SyncLayout.OWNER_DIED;
import static org.shm4j.sync.SyncLayout.PID_MASK;
import static org.shm4j.sync.SyncLayout.WAITERS;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.block.Absolute;
import org.shm4j.internal.block.DeferredUnmap;
import org.shm4j.internal.block.FutexWait;
import org.shm4j.internal.block.Blocks;

/**
 * A mutex shared between processes, robust against holders that die: the Windows named mutex, or
 * a POSIX robust process-shared mutex, in 64 bytes of shared memory (layout in the
 * {@linkplain org.shm4j.sync package documentation}).
 *
 * <p><b>Owner.</b> The owner is a Java thread (platform or virtual) in a process: the process is
 * identified by its PID and start time, the thread by its {@link Thread#threadId()}. A virtual
 * thread may lock, move to another carrier and unlock. The mutex is <b>not reentrant</b>: locking
 * it again from the owning thread throws {@link IllegalStateException} instead of deadlocking, and
 * {@link #unlock()} from any other thread throws {@link IllegalMonitorStateException}.
 *
 * <p><b>Holder death.</b> If the holding process dies (even by {@code kill -9}), the next locker
 * notices within about 20 ms from {@code /proc} (PID and start time, so a recycled PID is not
 * mistaken for the holder), takes the lock and gets {@link LockResult#OWNER_DIED}. It repairs the
 * protected data, calls {@link #markConsistent()}, and unlocks. Unlocking without
 * {@code markConsistent()} leaves the mutex not recoverable: every later lock throws
 * {@link NotRecoverableException}. A live holder, however slow or stopped, is never robbed: timed
 * waiters get an empty result, and {@link #holderPid()} names the holder.
 *
 * {@snippet :
 * try (SharedMutex mutex = SharedMutex.openOrCreate("orders.lock")) {
 *     boolean done = mutex.withLock(Duration.ofSeconds(5),
 *             () -> updateOrders(),
 *             () -> repairOrders());   // only if the last holder died half-way
 *     if (!done) {
 *         System.err.println("orders.lock is held by " + mutex.holderPid());
 *     }
 * }
 * }
 *
 * <p><b>Waiting</b> spins briefly, then sleeps in {@code futex}; waits are interruptible and
 * notice an interrupt within 20 ms. A virtual thread never sleeps in {@code futex}: it parks (and
 * unmounts from its carrier) and re-checks at most every millisecond, so waiting virtual threads
 * never pin carriers. A timed wait that runs out returns empty, never an exception.
 *
 * <p>Instances are thread-safe. {@link #close()} releases this process's mapping of a named mutex
 * (never the lock); for a mutex placed in a caller's segment it does nothing, since the caller owns
 * the memory.
 */
public final class SharedMutex extends SyncHandle {
    /** Bytes a mutex occupies in a segment. */
    public static final long BYTES = SyncLayout.LOCK_BYTES;

    private static final long STATE = SyncLayout.STATE_OFFSET;
    private static final int MY_PID = (int) ProcessIdentity.current().pid();
    private static final Optional<LockResult> ACQUIRED = Optional.of(LockResult.ACQUIRED);
    private static final Optional<LockResult> OWNER_DIED_RESULT = Optional.of(LockResult.OWNER_DIED);

    /**
     * Whether the lock and unlock paths reach the mutex by absolute address through
     * {@link Absolute#MEMORY} (see its rules): a named mutex, whose mapping this handle owns and, at
     * {@link #close()}, detaches instead of unmapping it under another of its threads
     * ({@link DeferredUnmap}). A mutex in a caller's segment keeps the scoped segment: the caller
     * may close its arena at any time. Measured (docs/sync.md): the scoped segment's checks were
     * about a third of an uncontended lock + unlock.
     */
    private final boolean direct;
    /** The block's address when {@link #direct}, else 0. */
    private final long address;
    /** Owns a direct handle's view: detached by close(), unmapped once this handle is unreachable. */
    private final DeferredUnmap release;
    /** Set by close() of a direct handle, before it detaches the memory; read after every winning CAS. */
    private volatile boolean closed;

    private SharedMutex(SyncBlock.Opened o) {
        super(o);
        this.direct = view != null && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        this.address = direct ? block.address() : 0;
        this.release = direct ? DeferredUnmap.register(this, view) : null;
    }

    // ---- factories -----------------------------------------------------------------------------

    /**
     * Builds a new, unlocked mutex in the first {@link #BYTES} bytes of {@code at}, which must be
     * zero (as in a new segment), writable, native and 8-byte aligned.
     *
     * @throws java.nio.file.FileAlreadyExistsException if a synchronization object is already there
     * @throws SyncFormatException if the memory is not zero
     * @throws IllegalArgumentException if {@code at} is too small, misaligned, read-only or on the heap
     */
    public static SharedMutex create(MemorySegment at) throws IOException {
        return SyncHandle.create(at, BYTES, SyncLayout.TYPE_MUTEX, SyncBlock::initLock, SharedMutex::new);
    }

    /**
     * Attaches to a mutex another process (or this one) built at {@code at}.
     *
     * @throws SyncFormatException if there is no mutex there, it is half-built, of another type or
     *     layout version, or made in another PID namespace
     */
    public static SharedMutex open(MemorySegment at) throws IOException {
        return SyncHandle.open(at, BYTES, SyncLayout.TYPE_MUTEX, SharedMutex::new);
    }

    /**
     * Attaches to the mutex at {@code at}, building it if the memory is still zero; race-free, exactly
     * one of many racing processes builds. {@link #created()} tells which happened.
     */
    public static SharedMutex openOrCreate(MemorySegment at) throws IOException {
        return SyncHandle.openOrCreate(at, BYTES, SyncLayout.TYPE_MUTEX, SyncBlock::initLock, SharedMutex::new);
    }

    /**
     * Creates a named mutex: a small shared-memory object holding only the mutex, like
     * {@code CreateMutex} with a name that must be new. Segment options (mode, lifetime) apply.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     */
    public static SharedMutex create(String name, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.CREATE, name, options);
    }

    /**
     * Opens a named mutex, like {@code OpenMutex}.
     *
     * @throws java.nio.file.NoSuchFileException if there is no object of that name
     * @throws org.shm4j.WrongObjectKindException if the name holds another kind of object (another
     *     ring type, a lock, a plain segment), at once
     * @throws SyncFormatException if its creator never finished it (and died, or the open timeout passed)
     */
    public static SharedMutex open(String name, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.OPEN, name, options);
    }

    /** Opens the named mutex or creates it, race-free; {@link #created()} tells which. */
    public static SharedMutex openOrCreate(String name, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.OPEN_OR_CREATE, name, options);
    }

    private static SharedMutex named(Blocks.Mode mode, String name, SegmentOption... options) throws IOException {
        return SyncHandle.named(mode, name, BYTES, SyncLayout.TYPE_MUTEX, SyncBlock::initLock, SharedMutex::new,
                options);
    }

    // ---- locking -------------------------------------------------------------------------------

    /**
     * Locks, waiting as long as it takes.
     *
     * @return {@link LockResult#OWNER_DIED} if the previous holder died holding it
     * @throws InterruptedException if the thread is interrupted while waiting (noticed within 20 ms)
     * @throws NotRecoverableException if the mutex was left not recoverable
     * @throws CorruptStateException if the lock word holds a value the protocol never writes
     * @throws IllegalStateException if this thread already holds it (the mutex is not reentrant)
     */
    public LockResult lock() throws InterruptedException, SyncException {
        if (lockFree()) {
            claim(false);
            return LockResult.ACQUIRED;
        }
        return lockSlow(FutexWait.FOREVER);
    }

    /**
     * Locks, waiting at most {@code timeout}. Timing out is an outcome, not an error: the result is
     * empty, as for every timed wait in shm4j.
     *
     * @return how the lock was taken, or empty if a live holder still had it when the timeout ended
     *     ({@link #holderPid()} names it)
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws NotRecoverableException if the mutex was left not recoverable
     * @throws CorruptStateException if the lock word holds a value the protocol never writes
     * @throws IllegalStateException if this thread already holds it
     */
    public Optional<LockResult> tryLock(Duration timeout) throws InterruptedException, SyncException {
        long timeoutNanos = FutexWait.timeoutNanos(timeout);
        if (lockFree()) {
            claim(false);
            return ACQUIRED;
        }
        LockResult r = lockSlow(timeoutNanos);
        return r == null ? Optional.empty() : r == LockResult.ACQUIRED ? ACQUIRED : OWNER_DIED_RESULT;
    }

    /**
     * Locks if that can be done without waiting: the mutex is free, or its holder is dead.
     *
     * @return how the lock was taken, or empty if a live holder has it
     */
    public Optional<LockResult> tryLock() throws SyncException {
        checkOpen();
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            if (c == 0) {
                if (SyncBlock.INT.compareAndSet(block, STATE, 0, MY_PID)) {
                    claim(false);
                    return ACQUIRED;
                }
                continue;
            }
            check(c);
            if (holderAlive(c)) {
                return Optional.empty();
            }
            if (SyncBlock.INT.compareAndSet(block, STATE, c, MY_PID | OWNER_DIED | (c & WAITERS))) {
                claim(true);
                return OWNER_DIED_RESULT;
            }
        }
    }

    /**
     * The uncontended lock: one CAS of the free word to this process's PID. False if the mutex is
     * held, or if this handle is closed ({@link #lockSlow} then reports that).
     */
    private boolean lockFree() {
        if (!direct) {
            return SyncBlock.INT.compareAndSet(block, STATE, 0, MY_PID);
        }
        boolean won = !closed && Absolute.INT.compareAndSet(Absolute.MEMORY, address + STATE, 0, MY_PID);
        // Keeps this handle reachable until its last absolute access: see DeferredUnmap.
        Reference.reachabilityFence(this);
        return won;
    }

    /**
     * Writes the owner record after a winning CAS, {@code ownerDied} when it took over from a dead
     * holder. For a direct handle it then checks that the CAS won on the shared object: close() sets
     * {@link #closed} before it detaches the memory, and the CAS is a full fence, so a CAS that won
     * on the private pages put in its place sees the flag set here.
     */
    private void claim(boolean ownerDied) {
        if (!direct) {
            OwnerRecord.claim(block, ownerDied);
            return;
        }
        OwnerRecord.claim(address, ownerDied);
        if (closed) {
            throw closedError("closed while locking: the lock may be held by this process until it exits");
        }
        Reference.reachabilityFence(this);
    }

    /** The slow path of the locks: null when the timeout ends first. */
    private LockResult lockSlow(long timeoutNanos) throws InterruptedException, SyncException {
        FutexWait.checkInterrupt();
        long deadline = FutexWait.deadline(timeoutNanos);
        int spins = FutexWait.SPINNING;
        long spinStart = System.nanoTime();
        long slice = FutexWait.MIN_SLICE_NANOS;
        boolean slept = false;
        boolean checkHolder = false;
        long lastHolderCheck = System.nanoTime() - FutexWait.HOLDER_CHECK_NANOS;
        boolean checkedOwnership = false;
        for (;;) {
            // Every round: once a direct handle is closed its word reads from private pages, where
            // a thread that won there before it saw the flag may have left the lock held for good.
            checkOpen();
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            if (c == 0) {
                // Once this thread has slept, others may sleep too: keep WAITERS so our unlock wakes one.
                if (SyncBlock.INT.compareAndSet(block, STATE, 0, MY_PID | (slept ? WAITERS : 0))) {
                    claim(false);
                    return LockResult.ACQUIRED;
                }
                continue;
            }
            check(c);
            if (!checkedOwnership) {
                checkedOwnership = true;
                if (heldByCurrentThread(c)) {
                    throw new IllegalStateException(Messages.format(
                            "mutex already held by this thread; it is not reentrant", "location", where));
                }
            }
            if (spins > 0) {
                spins = FutexWait.spin(spins, spinStart);
                continue;
            }
            if (checkHolder) {
                checkHolder = false;
                lastHolderCheck = System.nanoTime();
                if (!holderAlive(c)) {
                    // CAS on the exact word we judged: if anyone else recovered or the holder let go,
                    // the CAS fails and we look again.
                    int recovered = MY_PID | OWNER_DIED | ((slept || (c & WAITERS) != 0) ? WAITERS : 0);
                    if (SyncBlock.INT.compareAndSet(block, STATE, c, recovered)) {
                        claim(true);
                        return LockResult.OWNER_DIED;
                    }
                    continue;
                }
            }
            long remaining = FutexWait.remaining(timeoutNanos, deadline);
            if (remaining == 0) {
                return null;
            }
            if ((c & WAITERS) == 0) {
                if (!SyncBlock.INT.compareAndSet(block, STATE, c, c | WAITERS)) {
                    continue;
                }
                c |= WAITERS;
            }
            checkHolder = FutexWait.holderCheckDue(FutexWait.sleep(word, c, slice, remaining), lastHolderCheck);
            slept = true;
            slice = FutexWait.nextSlice(slice);
        }
    }

    /**
     * Runs {@code action} holding the mutex, with the owner-died repair in the same call: locks
     * (waiting at most {@code timeout}); if the previous holder died holding the mutex, runs
     * {@code repair} and, when it returns normally, {@link #markConsistent()}; then runs
     * {@code action} and unlocks, whatever happens.
     *
     * {@snippet :
     * boolean done = mutex.withLock(Duration.ofSeconds(1),
     *         () -> orders.set(JAVA_LONG, TOTAL, orders.get(JAVA_LONG, TOTAL) + amount),
     *         () -> orders.set(JAVA_LONG, TOTAL, recount(orders)));
     * }
     *
     * @return true once the action ran; false if a live holder still had the mutex when the
     *     timeout ended (nothing ran)
     * @throws X what {@code repair} or {@code action} threw; if {@code repair} threw, the mutex is
     *     unlocked without being marked consistent and is then not recoverable, and {@code action}
     *     does not run
     * @throws InterruptedException if the thread is interrupted while waiting (nothing ran)
     * @throws NotRecoverableException if the mutex was left not recoverable
     * @throws CorruptStateException if the lock word holds a value the protocol never writes
     */
    public <X extends Exception> boolean withLock(Duration timeout, LockedAction<? extends X> action,
            Repair<? extends X> repair) throws X, InterruptedException, SyncException {
        java.util.Objects.requireNonNull(action, "action");
        java.util.Objects.requireNonNull(repair, "repair");
        return runLocked(tryLock(timeout), action, repair, this::markConsistent, this::unlock);
    }

    /**
     * Unlocks. If this holder got {@link LockResult#OWNER_DIED} and did not call
     * {@link #markConsistent()}, the mutex becomes not recoverable.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the mutex
     */
    public void unlock() {
        checkOpen();
        // The token alone decides, with one plain load: only this thread writes its token, every
        // unlock clears it, and a thread of another process has the same token with probability
        // 2^-61 (OwnerRecord). It carries the owner-died mark, so the word need not be read first.
        long token = direct ? OwnerRecord.token(address) : OwnerRecord.token(block);
        if (token != OwnerRecord.myToken()) {
            unlockRecovered(token);
            return;
        }
        // Release: pairs with the acquiring CAS of the next locker. One atomic exchange, not a plain
        // store, so a WAITERS bit set after we locked is seen and its sleeper woken. While we hold the
        // lock nobody else changes the word except to add WAITERS (a waiter's CAS) and nobody takes
        // it from us (we are alive), so no compare is needed.
        int prev;
        if (direct) {
            OwnerRecord.clear(address);
            prev = (int) Absolute.INT.getAndSet(Absolute.MEMORY, address + STATE, 0);
            if (prev == 0 && closed) {
                // The word of a held mutex is never 0: the exchange hit the private pages close()
                // put in place of the shared object, where the lock stays held.
                throw closedError("closed while unlocking: the lock stays held by this process until it exits");
            }
        } else {
            OwnerRecord.clear(block);
            prev = (int) SyncBlock.INT.getAndSet(block, STATE, 0);
        }
        if ((prev & WAITERS) != 0) {
            FutexWait.wake(word, 1);
        }
        // Keeps this handle reachable until its last absolute access: see DeferredUnmap.
        Reference.reachabilityFence(this);
    }

    /** Unlock by a holder that took over from a dead one and never called markConsistent(), or by a non-holder. */
    private void unlockRecovered(long token) {
        checkOpen(); // a detached mutex reads as zeros: token 0
        if (token != (OwnerRecord.myToken() | SyncLayout.TOKEN_OWNER_DIED)) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            throw new IllegalMonitorStateException(Messages.format("mutex not held by this thread", "location",
                    where, "holderPid", c & PID_MASK));
        }
        OwnerRecord.clear(block);
        SyncBlock.INT.getAndSet(block, STATE, NOT_RECOVERABLE);
        FutexWait.wake(word, Integer.MAX_VALUE);
    }

    /**
     * Declares the protected data repaired after {@link LockResult#OWNER_DIED}, like
     * {@code pthread_mutex_consistent}. Does nothing if the mutex is already consistent.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the mutex
     */
    public void markConsistent() {
        checkOpen();
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            if (!heldByCurrentThread(c)) {
                throw new IllegalMonitorStateException(Messages.format("mutex not held by this thread", "location",
                        where, "holderPid", c & PID_MASK));
            }
            if ((c & OWNER_DIED) == 0 || SyncBlock.INT.compareAndSet(block, STATE, c, c & ~OWNER_DIED)) {
                // The word first: it is what other lockers read. Then the mark unlock() reads.
                OwnerRecord.markConsistent(block);
                return;
            }
        }
    }

    // ---- queries -------------------------------------------------------------------------------

    /** Whether the current thread holds the mutex. */
    public boolean isHeldByCurrentThread() {
        checkOpen();
        return heldByCurrentThread((int) SyncBlock.INT.getVolatile(block, STATE));
    }

    /** The PID of the holding process as the lock word says it (untrusted), or empty when free. */
    public OptionalLong holderPid() {
        checkOpen();
        int c = (int) SyncBlock.INT.getVolatile(block, STATE);
        int pid = c & PID_MASK;
        return pid == 0 ? OptionalLong.empty() : OptionalLong.of(pid);
    }

    /** Whether the mutex is not recoverable (see {@link NotRecoverableException}). */
    public boolean isNotRecoverable() {
        checkOpen();
        return (int) SyncBlock.INT.getVolatile(block, STATE) == NOT_RECOVERABLE;
    }

    @Override
    public String toString() {
        int c = (int) SyncBlock.INT.getVolatile(block, STATE);
        return Messages.format("SharedMutex", "location", where, "state", SyncBlock.hex(c));
    }

    /**
     * Releases this process's mapping of a named mutex (never the lock); for a mutex placed in a
     * caller's segment it does nothing, since the caller owns the memory. Safe while other threads
     * of this handle are inside calls: the shared memory is detached at once (replaced by private
     * pages, see {@link DeferredUnmap}) and those threads get {@link IllegalStateException}, as does
     * every later call. A thread that holds the mutex when its handle is closed can no longer unlock
     * it: it stays held by this process until the process exits, when the next locker gets
     * {@link LockResult#OWNER_DIED}. Idempotent.
     */
    @Override
    public void close() {
        if (!direct) {
            super.close();
            return;
        }
        closed = true;
        release.detach();
    }

    /**
     * {@inheritDoc} For a named mutex, {@link IllegalStateException} once the handle is closed; a
     * segment taken before reads zeros afterwards (the shared memory is detached, see
     * {@link #close()}).
     */
    @Override
    public MemorySegment segment() {
        checkOpen();
        return super.segment();
    }

    // ---- internals -----------------------------------------------------------------------------

    /** For a direct handle: IllegalStateException once closed (its memory may read as zeros). */
    private void checkOpen() {
        if (closed) {
            throw closedError("mutex handle is closed");
        }
    }

    private IllegalStateException closedError(String what) {
        return new IllegalStateException(Messages.format(what, "location", where));
    }


    private boolean heldByCurrentThread(int c) {
        return (c & PID_MASK) == MY_PID && c != NOT_RECOVERABLE && OwnerRecord.heldByCurrentThread(block);
    }

    private void check(int c) throws SyncException {
        if (c == NOT_RECOVERABLE) {
            throw new NotRecoverableException(Messages.format(
                    "mutex not recoverable: a holder died and the next one unlocked without markConsistent()",
                    "location", where));
        }
        if ((c & ~(PID_MASK | OWNER_DIED | WAITERS)) != 0 || (c & PID_MASK) == 0) {
            throw new CorruptStateException(Messages.format("mutex state word is corrupt", "location", where,
                    "state", SyncBlock.hex(c)), c);
        }
    }

    /** Whether the holder named by lock word {@code c} still runs (see {@link OwnerRecord#holderAlive}). */
    private boolean holderAlive(int c) {
        return OwnerRecord.holderAlive(block, c & PID_MASK);
    }
}
