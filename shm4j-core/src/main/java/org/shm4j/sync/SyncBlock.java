package org.shm4j.sync;

import static org.shm4j.sync.SyncLayout.CREATOR_PID_OFFSET;
import static org.shm4j.sync.SyncLayout.CREATOR_START_OFFSET;
import static org.shm4j.sync.SyncLayout.MAGIC_OFFSET;
import static org.shm4j.sync.SyncLayout.PID_NAMESPACE_OFFSET;
import static org.shm4j.sync.SyncLayout.TYPE_OFFSET;
import static org.shm4j.sync.SyncLayout.U16;
import static org.shm4j.sync.SyncLayout.U32;
import static org.shm4j.sync.SyncLayout.U64;
import static org.shm4j.sync.SyncLayout.VERSION_OFFSET;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.Set;
import org.shm4j.MappedView;
import org.shm4j.ObjectKind;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.block.Blocks;
import org.shm4j.internal.block.FutexWait;

/**
 * The common life cycle of a synchronization block: placement checks, the header, create / open /
 * open-or-create in place or under a name. See {@link SyncLayout} for the bytes and the package
 * documentation for the publication protocol.
 */
final class SyncBlock {
    static final VarHandle INT = U32.varHandle();
    static final VarHandle LONG = U64.varHandle();

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // Futex compares native words; the layout is little-endian.
            throw new ExceptionInInitializerError("org.shm4j.sync needs a little-endian machine");
        }
    }

    /** A block and, for a named object, the view this process owns for it. */
    record Opened(MemorySegment block, MappedView view, boolean created, String description) {}

    /** The magic word: claimed 0 to {@link SyncLayout#BUILDING} by a builder, published last. */
    static final Blocks.Magic MAGIC = new Blocks.Magic(MAGIC_OFFSET, false, SyncLayout.MAGIC, SyncLayout.BUILDING);

    private SyncBlock() {}

    /** Checks that {@code at} can hold a block of {@code bytes} and returns exactly that slice. */
    static MemorySegment place(MemorySegment at, long bytes, short type) {
        return Blocks.place(at, bytes, SyncLayout.ALIGNMENT, kind(type));
    }

    /** The namespace kind of a block type. */
    static ObjectKind kind(int type) {
        return switch (type) {
            case SyncLayout.TYPE_MUTEX -> ObjectKind.MUTEX;
            case SyncLayout.TYPE_READ_WRITE_LOCK -> ObjectKind.READ_WRITE_LOCK;
            case SyncLayout.TYPE_EVENT -> ObjectKind.EVENT;
            case SyncLayout.TYPE_SEMAPHORE -> ObjectKind.SEMAPHORE;
            default -> throw new IllegalArgumentException("unknown sync type: " + type);
        };
    }

    /**
     * Builds a block in place: claims the magic word (0 to {@link SyncLayout#BUILDING}), writes the
     * header and body with plain stores, then publishes the magic with a release store (paired
     * with the acquire load in {@link #validate}).
     */
    static void create(MemorySegment block, short type, Consumer<MemorySegment> initBody, String where)
            throws IOException {
        Blocks.claimInPlace(block, MAGIC, "synchronization object", where, SyncFormatException::new);
        build(block, type, initBody);
    }

    private static void build(MemorySegment block, short type, Consumer<MemorySegment> initBody) {
        block.set(U16, VERSION_OFFSET, SyncLayout.VERSION);
        block.set(U16, TYPE_OFFSET, type);
        block.set(U64, CREATOR_PID_OFFSET, ProcessIdentity.current().pid());
        block.set(U64, CREATOR_START_OFFSET, ProcessIdentity.current().startTicks());
        block.set(U64, PID_NAMESPACE_OFFSET, ProcessIdentity.currentPidNamespace());
        initBody.accept(block);
        // Release: every header and body store above is visible to whoever acquires the magic.
        MAGIC.publish(block);
    }

    /**
     * Checks the header of an existing block, waiting up to two seconds for a creator that is still
     * building it (magic {@link SyncLayout#BUILDING}, or 0 when {@code named}: a named object is
     * visible by name before its creator writes the header), and failing at once when that creator
     * is dead.
     */
    static void validate(MemorySegment block, short type, String named, String where)
            throws SyncFormatException {
        Blocks.awaitPublished(() -> published(block, type, named != null, where) ? Boolean.TRUE : null,
                () -> creator(block), where, named, Blocks.DEFAULT_PUBLISH_WAIT_NANOS, SyncFormatException::new);
    }

    /** The creator written in a block's header, null while not yet written. */
    private static ProcessIdentity creator(MemorySegment block) {
        long pid = (long) LONG.getOpaque(block, CREATOR_PID_OFFSET);
        return pid == 0 ? null : new ProcessIdentity(pid, (long) LONG.getOpaque(block, CREATOR_START_OFFSET));
    }

    /** Whether the block's header is published and valid; false while it is being built. */
    private static boolean published(MemorySegment block, short type, boolean zeroMeansBuilding, String where)
            throws SyncFormatException {
        // Acquire: pairs with the release store of the magic in build().
        int magic = (int) INT.getAcquire(block, MAGIC_OFFSET);
        if (magic == SyncLayout.BUILDING || (magic == 0 && zeroMeansBuilding)) {
            return false;
        }
        if (magic == 0) {
            throw new SyncFormatException(Messages.format("no synchronization object here (not initialized)",
                    "location", where, "type", SyncLayout.typeName(type)));
        }
        if (magic != SyncLayout.MAGIC) {
            throw new SyncFormatException(Messages.format("not a synchronization object: bad magic", "location",
                    where, "magic", hex(magic), "expected", hex(SyncLayout.MAGIC)));
        }
        short version = block.get(U16, VERSION_OFFSET);
        if (version != SyncLayout.VERSION) {
            throw new SyncFormatException(Messages.format("unsupported synchronization layout version", "location",
                    where, "version", version, "supported", SyncLayout.VERSION));
        }
        short found = block.get(U16, TYPE_OFFSET);
        if (found != type) {
            throw new SyncFormatException(Messages.format("synchronization object of another type", "location",
                    where, "expected", SyncLayout.typeName(type), "found", SyncLayout.typeName(found)));
        }
        if (type == SyncLayout.TYPE_MUTEX || type == SyncLayout.TYPE_READ_WRITE_LOCK) {
            long ns = block.get(U64, PID_NAMESPACE_OFFSET);
            if (ns != 0 && ProcessIdentity.currentPidNamespace() != 0 && ns != ProcessIdentity.currentPidNamespace()) {
                throw new SyncFormatException(Messages.format(
                        "lock made in another PID namespace: its PIDs mean nothing here", "location", where,
                        "pidNamespace", ns, "ours", ProcessIdentity.currentPidNamespace()));
            }
        }
        return true;
    }

    /** Builds the block if its magic is 0, else validates it; exactly one of many racing callers builds. */
    static boolean openOrCreate(MemorySegment block, short type, Consumer<MemorySegment> initBody, String where)
            throws SyncFormatException {
        if (MAGIC.claim(block)) {
            build(block, type, initBody);
            return true;
        }
        validate(block, type, null, where);
        return false;
    }

    // ---- named objects ----------------------------------------------------------------------

    /**
     * Creates, opens or open-or-creates a named object holding one block. The object is published
     * by name before its header is written, so openers treat magic 0 as "still building" for a
     * bounded time. A name that holds another kind of object fails at once with
     * {@link org.shm4j.WrongObjectKindException}.
     */
    static Opened named(Blocks.Mode mode, String name, long bytes, short type, Consumer<MemorySegment> initBody,
            SegmentOption... options) throws IOException {
        Blocks.Named named = Blocks.openNamed(mode, name, bytes, Set.of(kind(type)), options);
        MappedView view = named.view();
        try {
            if (named.byteSize() < bytes) {
                throw new SyncFormatException(Messages.format("named object too small for a synchronization object",
                        "name", name, "type", SyncLayout.typeName(type), "byteSize", named.byteSize(), "required",
                        bytes));
            }
            MemorySegment block = view.segment().asSlice(0, bytes);
            if (named.created()) {
                Blocks.claimCreated(block, MAGIC, name, SyncFormatException::new);
                build(block, type, initBody);
            } else {
                validate(block, type, name, name);
            }
            Opened opened = new Opened(block, view, named.created(), name);
            view = null;
            return opened;
        } finally {
            if (view != null) {
                view.close();
            }
        }
    }

    /**
     * The wait loop of events and semaphores: take the object if it is signaled, spin briefly,
     * then set the waiters bit and sleep on the state word until the deadline. A setter or releaser
     * that sees the waiters bit wakes the word; {@code available} bits set in the state mean there
     * is something to take (a signal, a permit), so the loop tries again instead of sleeping.
     *
     * @param block the object's block; its state word is at {@link SyncLayout#STATE_OFFSET}
     * @param word the state word as a 4-byte slice, for the futex
     * @param take takes the object without waiting (an event's tryAwait, a semaphore's tryAcquire)
     * @param availableMask state bits that, when any is set, mean {@code take} may succeed
     * @param waitersBit the state bit that tells setters someone may sleep
     * @return true once taken; false on timeout
     */
    static boolean takeOrSleep(Take take, MemorySegment block, MemorySegment word, int availableMask,
            int waitersBit, long timeoutNanos) throws InterruptedException, CorruptStateException {
        if (take.take()) {
            return true;
        }
        FutexWait.checkInterrupt();
        long deadline = FutexWait.deadline(timeoutNanos);
        int spins = FutexWait.SPINNING;
        long spinStart = System.nanoTime();
        long slice = FutexWait.MIN_SLICE_NANOS;
        for (;;) {
            if (take.take()) {
                return true;
            }
            if (spins > 0) {
                spins = FutexWait.spin(spins, spinStart);
                continue;
            }
            long remaining = FutexWait.remaining(timeoutNanos, deadline);
            if (remaining == 0) {
                return false;
            }
            int c = (int) INT.getVolatile(block, SyncLayout.STATE_OFFSET);
            if ((c & availableMask) != 0) {
                continue;
            }
            // The bit is set before sleeping on the value that carries it: a setter's exchange
            // that follows sees it and wakes us, or changes the word so the futex wait returns at once.
            if ((c & waitersBit) == 0 && !INT.compareAndSet(block, SyncLayout.STATE_OFFSET, c, c | waitersBit)) {
                continue;
            }
            FutexWait.sleep(word, c | waitersBit, slice, remaining);
            slice = FutexWait.nextSlice(slice);
        }
    }

    /** Takes an event or semaphore if it is signaled now, without waiting. */
    @FunctionalInterface
    interface Take {
        boolean take() throws CorruptStateException;
    }

    /** The body of a new mutex or read-write lock: free, with no owner record. */
    static void initLock(MemorySegment block) {
        block.set(U32, SyncLayout.STATE_OFFSET, 0);
        block.set(U32, SyncLayout.RESERVED_OFFSET, 0);
        block.set(U64, SyncLayout.OWNER_IDENTITY_OFFSET, 0L);
        block.set(U64, SyncLayout.OWNER_TOKEN_OFFSET, 0L);
        block.set(U64, SyncLayout.RESERVED2_OFFSET, 0L);
    }

    static String hex(int value) {
        return "0x" + Integer.toHexString(value);
    }

    static String describe(MemorySegment at) {
        return "0x" + Long.toHexString(at.address());
    }
}
