package org.shm4j.sync;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.internal.block.Blocks;

/**
 * The skeleton every synchronization primitive shares: its block, the block's state word (the
 * futex word), the view it owns when it was opened by name, where it is (for messages), whether
 * this handle created it, and the six factories ({@code create} / {@code open} /
 * {@code openOrCreate}, in memory the caller owns or by name), which each type calls with its size,
 * type code, body initialiser and constructor.
 */
abstract sealed class SyncHandle implements AutoCloseable
        permits SharedMutex, SharedReadWriteLock, SharedEvent, SharedSemaphore {
    final MemorySegment block;
    final MemorySegment word;
    final MappedView view;
    final String where;
    final boolean created;

    SyncHandle(SyncBlock.Opened o) {
        this.block = o.block();
        this.word = o.block().asSlice(SyncLayout.STATE_OFFSET, 4);
        this.view = o.view();
        this.where = o.description();
        this.created = o.created();
    }

    /** A type's constructor. */
    @FunctionalInterface
    interface Maker<T> {
        T make(SyncBlock.Opened opened) throws SyncException;
    }

    /** Builds a new object in the first {@code bytes} of {@code at}, which must be zero. */
    static <T> T create(MemorySegment at, long bytes, short type, Consumer<MemorySegment> init, Maker<T> maker)
            throws IOException {
        MemorySegment block = SyncBlock.place(at, bytes, type);
        String where = SyncBlock.describe(block);
        SyncBlock.create(block, type, init, where);
        return maker.make(new SyncBlock.Opened(block, null, true, where));
    }

    /** Attaches to the object another handle built in {@code at}. */
    static <T> T open(MemorySegment at, long bytes, short type, Maker<T> maker) throws IOException {
        MemorySegment block = SyncBlock.place(at, bytes, type);
        String where = SyncBlock.describe(block);
        SyncBlock.validate(block, type, null, where);
        return maker.make(new SyncBlock.Opened(block, null, false, where));
    }

    /** Attaches to the object in {@code at}, building it if the memory is zero; exactly one racer builds. */
    static <T> T openOrCreate(MemorySegment at, long bytes, short type, Consumer<MemorySegment> init, Maker<T> maker)
            throws IOException {
        MemorySegment block = SyncBlock.place(at, bytes, type);
        String where = SyncBlock.describe(block);
        boolean created = SyncBlock.openOrCreate(block, type, init, where);
        return maker.make(new SyncBlock.Opened(block, null, created, where));
    }

    /** Creates, opens or open-or-creates a named object; closes its view if the constructor refuses it. */
    static <T> T named(Blocks.Mode mode, String name, long bytes, short type, Consumer<MemorySegment> init,
            Maker<T> maker, SegmentOption... options) throws IOException {
        SyncBlock.Opened o = SyncBlock.named(mode, name, bytes, type, init, options);
        try {
            return maker.make(o);
        } catch (SyncException | RuntimeException | Error e) {
            o.view().close();
            throw e;
        }
    }

    /** Whether the call that returned this handle built the object. */
    public boolean created() {
        return created;
    }

    /** The object's bytes: a view of shared memory; do not write it except through this handle. */
    public MemorySegment segment() {
        return block;
    }

    MemorySegment word() {
        return word;
    }

    /** Releases this process's mapping of a named object; a no-op for one in a caller's segment. */
    @Override
    public void close() {
        if (view != null) {
            view.close();
        }
    }

    /**
     * The body of {@code withLock} and {@code withWriteLock}: given the outcome of a timed exclusive
     * lock, repairs and marks consistent after a dead holder, runs the action, and unlocks whatever
     * happens. A repair that throws leaves the lock unmarked, so unlocking makes it not recoverable.
     */
    static <X extends Exception> boolean runLocked(java.util.Optional<LockResult> locked,
            LockedAction<? extends X> action, Repair<? extends X> repair, Runnable markConsistent,
            Runnable unlock) throws X {
        if (locked.isEmpty()) {
            return false;
        }
        try {
            if (locked.get().ownerDied()) {
                repair.repair();
                markConsistent.run();
            }
            action.run();
            return true;
        } finally {
            unlock.run();
        }
    }
}
