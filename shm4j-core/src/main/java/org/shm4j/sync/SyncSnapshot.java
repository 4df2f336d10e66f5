package org.shm4j.sync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.shm4j.ObjectKind;
import org.shm4j.internal.ProcessIdentity;

/**
 * What a monitoring tool can tell about a synchronization block from a copy of its bytes, without
 * mapping it, taking it or disturbing it: one typed record per kind ({@link Mutex},
 * {@link ReadWriteLock}, {@link Event}, {@link Semaphore}) with its state, holder and whether the
 * holder still runs, and whether anybody sleeps on it; {@link Unreadable} for a block of a layout
 * version or type this library does not know. As {@link org.shm4j.ring.RingStats} for rings, it
 * carries facts, not text: how to show them is the tool's business ({@code shm4j ls}, {@code info}
 * and {@code watch}).
 *
 * <p>The bytes are untrusted. Every field is checked against the layout (see the
 * {@linkplain org.shm4j.sync package documentation}); a block with unknown state bits is reported
 * as corrupt ({@link LockState#CORRUPT}, {@link Event#corrupt()}, {@link Semaphore#corrupt()}),
 * never acted on. A holder's PID is only looked up in {@code /proc}; nothing is ever signalled.
 *
 * {@snippet :
 * switch (SyncSnapshot.decode(bytes).orElseThrow()) {
 *     case SyncSnapshot.Mutex m when m.state() == SyncSnapshot.LockState.HELD_OWNER_DIED -> repair(m.holder());
 *     case SyncSnapshot.Semaphore s -> show(s.count(), s.maxCount());
 *     default -> { }
 * }
 * }
 */
public sealed interface SyncSnapshot {
    /** Bytes a snapshot needs from the start of the block. */
    int BYTES = (int) SyncLayout.LOCK_BYTES;

    /** The kind of object; empty for an {@link Unreadable} block of an unknown type. */
    Optional<ObjectKind> kind();

    /** The PID of the process that created the block, as its header says. */
    long creatorPid();

    /**
     * A lock's holder: its PID from the state word, and whether it runs as {@code /proc} says (PID
     * plus start time when the owner record names it).
     */
    record Holder(long pid, boolean alive) {}

    /** The state of a mutex or of a read-write lock. */
    enum LockState {
        FREE,
        /** Held: a mutex by a thread, a read-write lock by a writer. */
        HELD,
        /** Held by a thread that took it over from a holder that died, not yet repaired ({@code markConsistent()}). */
        HELD_OWNER_DIED,
        /** A read-write lock with read holds ({@link ReadWriteLock#readers()}) and no writer. */
        READ_LOCKED,
        /** Unlocked after an owner died without repair: nobody can lock it again. */
        NOT_RECOVERABLE,
        /** The state word has bits the protocol never writes. */
        CORRUPT
    }

    /**
     * A {@link SharedMutex}.
     *
     * @param state its state
     * @param holder the holder when held
     * @param waiters whether a thread sleeps (or is about to) on it
     * @param stateWord the raw 32-bit state word, for a tool that shows a corrupt one
     * @param creatorPid the creator's PID
     */
    record Mutex(LockState state, Optional<Holder> holder, boolean waiters, int stateWord, long creatorPid)
            implements SyncSnapshot {
        @Override
        public Optional<ObjectKind> kind() {
            return Optional.of(ObjectKind.MUTEX);
        }
    }

    /**
     * A {@link SharedReadWriteLock}.
     *
     * @param state its state ({@link LockState#HELD}: write-locked)
     * @param holder the writer when write-locked
     * @param readers read holds (0 unless {@link LockState#READ_LOCKED})
     * @param waiters whether readers or writers sleep on it
     * @param writerWaiting whether a writer waits, so that new readers stand back
     * @param creatorPid the creator's PID
     */
    record ReadWriteLock(LockState state, Optional<Holder> holder, int readers, boolean waiters, boolean writerWaiting,
            long creatorPid) implements SyncSnapshot {
        @Override
        public Optional<ObjectKind> kind() {
            return Optional.of(ObjectKind.READ_WRITE_LOCK);
        }
    }

    /**
     * A {@link SharedEvent}.
     *
     * @param signaled whether it is set
     * @param reset manual or auto; empty when the block's reset word is neither ({@link #resetWord()})
     * @param waiters whether a thread sleeps on it
     * @param stateWord the raw 32-bit state word
     * @param resetWord the raw reset word (0 manual, 1 auto)
     * @param creatorPid the creator's PID
     */
    record Event(boolean signaled, Optional<EventReset> reset, boolean waiters, int stateWord, int resetWord,
            long creatorPid) implements SyncSnapshot {
        @Override
        public Optional<ObjectKind> kind() {
            return Optional.of(ObjectKind.EVENT);
        }

        /**
         * Whether the state word has bits the protocol never writes ({@link #signaled()} and
         * {@link #waiters()} then mean nothing).
         */
        public boolean corruptState() {
            return (stateWord & ~(SyncLayout.SIGNALED | SyncLayout.EVENT_WAITERS)) != 0;
        }

        /** Whether the state word or the reset word is not one the protocol writes. */
        public boolean corrupt() {
            return corruptState() || reset.isEmpty();
        }
    }

    /**
     * A {@link SharedSemaphore}.
     *
     * @param count permits available
     * @param maxCount the most permits it may hold
     * @param waiters whether a thread sleeps on it
     * @param creatorPid the creator's PID
     */
    record Semaphore(long count, long maxCount, boolean waiters, long creatorPid) implements SyncSnapshot {
        @Override
        public Optional<ObjectKind> kind() {
            return Optional.of(ObjectKind.SEMAPHORE);
        }

        /** Whether the maximum is not positive or the count exceeds it. */
        public boolean corrupt() {
            return maxCount <= 0 || count > maxCount;
        }
    }

    /**
     * A block with the sync magic that this library cannot read: another layout version, or an
     * unknown type code.
     *
     * @param typeCode the header's type field (1 mutex, 2 read-write lock, 3 event, 4 semaphore)
     * @param version the header's layout version
     * @param creatorPid the creator's PID
     */
    record Unreadable(int typeCode, int version, long creatorPid) implements SyncSnapshot {
        @Override
        public Optional<ObjectKind> kind() {
            return switch (typeCode) {
                case SyncLayout.TYPE_MUTEX -> Optional.of(ObjectKind.MUTEX);
                case SyncLayout.TYPE_READ_WRITE_LOCK -> Optional.of(ObjectKind.READ_WRITE_LOCK);
                case SyncLayout.TYPE_EVENT -> Optional.of(ObjectKind.EVENT);
                case SyncLayout.TYPE_SEMAPHORE -> Optional.of(ObjectKind.SEMAPHORE);
                default -> Optional.empty();
            };
        }

        /** Whether the layout version is not the one this library reads (else the type is unknown). */
        public boolean unsupportedVersion() {
            return version != SyncLayout.VERSION;
        }
    }

    /**
     * Describes the block whose first bytes are in {@code block} (from position 0, any byte order:
     * it is read little-endian). A lock's owner record is used when {@code block} holds
     * {@link #BYTES} bytes; with fewer, only the holder's PID is checked.
     *
     * @return empty if the bytes do not start with a published synchronization header
     */
    static Optional<SyncSnapshot> decode(ByteBuffer block) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < SyncLayout.HEADER_BYTES + 8 || b.getInt((int) SyncLayout.MAGIC_OFFSET) != SyncLayout.MAGIC) {
            return Optional.empty();
        }
        int version = Short.toUnsignedInt(b.getShort((int) SyncLayout.VERSION_OFFSET));
        int typeCode = Short.toUnsignedInt(b.getShort((int) SyncLayout.TYPE_OFFSET));
        long creatorPid = b.getLong((int) SyncLayout.CREATOR_PID_OFFSET);
        if (version != SyncLayout.VERSION) {
            return Optional.of(new Unreadable(typeCode, version, creatorPid));
        }
        int state = b.getInt((int) SyncLayout.STATE_OFFSET);
        return Optional.of(switch (typeCode) {
            case SyncLayout.TYPE_MUTEX -> decodeMutex(b, state, creatorPid);
            case SyncLayout.TYPE_READ_WRITE_LOCK -> decodeReadWriteLock(b, state, creatorPid);
            case SyncLayout.TYPE_EVENT -> {
                int param = b.getInt((int) SyncLayout.PARAM_OFFSET);
                Optional<EventReset> reset = param == 0 ? Optional.of(EventReset.MANUAL)
                        : param == 1 ? Optional.of(EventReset.AUTO) : Optional.empty();
                yield new Event((state & SyncLayout.SIGNALED) != 0, reset, (state & SyncLayout.EVENT_WAITERS) != 0,
                        state, param, creatorPid);
            }
            case SyncLayout.TYPE_SEMAPHORE -> new Semaphore(state & SyncLayout.SEMAPHORE_COUNT_MASK,
                    b.getInt((int) SyncLayout.PARAM_OFFSET), (state & SyncLayout.SEMAPHORE_WAITERS) != 0, creatorPid);
            default -> new Unreadable(typeCode, version, creatorPid);
        });
    }

    private static Mutex decodeMutex(ByteBuffer b, int state, long creatorPid) {
        boolean waiters = (state & SyncLayout.WAITERS) != 0;
        if (state == SyncLayout.NOT_RECOVERABLE) {
            return new Mutex(LockState.NOT_RECOVERABLE, Optional.empty(), false, state,
                    creatorPid);
        }
        int known = SyncLayout.PID_MASK | SyncLayout.OWNER_DIED | SyncLayout.WAITERS;
        if ((state & ~known) != 0) {
            return new Mutex(LockState.CORRUPT, Optional.empty(), waiters, state,
                    creatorPid);
        }
        int pid = state & SyncLayout.PID_MASK;
        LockState s = pid == 0 ? LockState.FREE
                : (state & SyncLayout.OWNER_DIED) != 0 ? LockState.HELD_OWNER_DIED
                : LockState.HELD;
        return new Mutex(s, holder(b, pid), waiters, state, creatorPid);
    }

    private static ReadWriteLock decodeReadWriteLock(ByteBuffer b, int state, long creatorPid) {
        boolean waiters = (state & SyncLayout.WAITERS) != 0;
        boolean writerWaiting = (state & SyncLayout.WRITER_WAITING) != 0;
        if (state == SyncLayout.NOT_RECOVERABLE) {
            return new ReadWriteLock(LockState.NOT_RECOVERABLE, Optional.empty(), 0, false,
                    false, creatorPid);
        }
        int low = state & SyncLayout.PID_MASK;
        if ((state & SyncLayout.WRITE_LOCKED) != 0) {
            LockState s = (state & SyncLayout.OWNER_DIED) != 0 ? LockState.HELD_OWNER_DIED
                    : LockState.HELD;
            return new ReadWriteLock(s, holder(b, low), 0, waiters, writerWaiting, creatorPid);
        }
        return new ReadWriteLock(low == 0 ? LockState.FREE
                : LockState.READ_LOCKED, Optional.empty(), low, waiters, writerWaiting, creatorPid);
    }

    private static Optional<Holder> holder(ByteBuffer b, int pid) {
        if (pid == 0) {
            return Optional.empty();
        }
        // The owner record names the holder's start time when it is set and names the PID in the
        // word; otherwise only the PID is known.
        boolean hasRecord = b.limit() >= SyncLayout.LOCK_BYTES;
        long start = hasRecord ? OwnerRecord.recordedStart(b.getLong((int) SyncLayout.OWNER_TOKEN_OFFSET),
                b.getLong((int) SyncLayout.OWNER_IDENTITY_OFFSET), pid) : 0;
        return Optional.of(new Holder(pid, ProcessIdentity.isAlive(pid, start)));
    }
}
