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
import java.nio.file.FileAlreadyExistsException;
import java.util.Objects;
import java.util.function.Consumer;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import org.shm4j.internal.Messages;

/**
 * The common life cycle of a synchronization block: placement checks, the header, create / open /
 * open-or-create in place or under a name. See {@link SyncLayout} for the bytes and the package
 * documentation for the publication protocol.
 */
final class SyncBlock {
    static final VarHandle INT = U32.varHandle();
    static final VarHandle LONG = U64.varHandle();

    /** How long an opener waits for a creator that is still building a block. */
    private static final long BUILD_WAIT_NANOS = 2_000_000_000L;

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // Futex compares native words; the layout is little-endian.
            throw new ExceptionInInitializerError("org.shm4j.sync needs a little-endian machine");
        }
    }

    /** A block and, for a named object, the view this process owns for it. */
    record Opened(MemorySegment block, MappedView view, boolean created, String description) {}

    private SyncBlock() {}

    /** Checks that {@code at} can hold a block of {@code bytes} and returns exactly that slice. */
    static MemorySegment place(MemorySegment at, long bytes, short type) {
        Objects.requireNonNull(at, "at");
        String what = SyncLayout.typeName(type);
        if (!at.isNative()) {
            throw new IllegalArgumentException(Messages.format("a synchronization object needs native (mapped) memory",
                    "type", what));
        }
        if (at.isReadOnly()) {
            throw new IllegalArgumentException(Messages.format("a synchronization object needs writable memory",
                    "type", what));
        }
        if (at.byteSize() < bytes) {
            throw new IllegalArgumentException(Messages.format("segment too small for a synchronization object",
                    "type", what, "byteSize", at.byteSize(), "required", bytes));
        }
        if (at.address() % SyncLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException(Messages.format("synchronization object misaligned", "type", what,
                    "address", "0x" + Long.toHexString(at.address()), "alignment", SyncLayout.ALIGNMENT));
        }
        return at.asSlice(0, bytes);
    }

    /**
     * Builds a block in place: claims the magic word (0 to {@link SyncLayout#BUILDING}), writes the
     * header and body with plain stores, then publishes the magic with a release store (paired
     * with the acquire load in {@link #validate}).
     */
    static void create(MemorySegment block, short type, Consumer<MemorySegment> initBody, String where)
            throws IOException {
        if (!INT.compareAndSet(block, MAGIC_OFFSET, 0, SyncLayout.BUILDING)) {
            int magic = (int) INT.getAcquire(block, MAGIC_OFFSET);
            if (magic == SyncLayout.MAGIC || magic == SyncLayout.BUILDING) {
                throw new FileAlreadyExistsException(null, null, Messages.format(
                        "a synchronization object already exists here", "location", where, "type",
                        SyncLayout.typeName(type)));
            }
            throw new SyncFormatException(Messages.format("location is not zeroed, refusing to build over it",
                    "location", where, "magic", hex(magic)));
        }
        build(block, type, initBody);
    }

    private static void build(MemorySegment block, short type, Consumer<MemorySegment> initBody) {
        block.set(U16, VERSION_OFFSET, SyncLayout.VERSION);
        block.set(U16, TYPE_OFFSET, type);
        block.set(U64, CREATOR_PID_OFFSET, Liveness.MY_PID);
        block.set(U64, CREATOR_START_OFFSET, Liveness.MY_START_TICKS);
        block.set(U64, PID_NAMESPACE_OFFSET, Liveness.MY_PID_NAMESPACE);
        initBody.accept(block);
        // Release: every header and body store above is visible to whoever acquires the magic.
        INT.setRelease(block, MAGIC_OFFSET, SyncLayout.MAGIC);
    }

    /**
     * Checks the header of an existing block, waiting up to two seconds for a creator that is still
     * building it (magic {@link SyncLayout#BUILDING}, or 0 when {@code zeroMeansBuilding}: a named
     * object is visible by name before its creator writes the header).
     */
    static void validate(MemorySegment block, short type, boolean zeroMeansBuilding, String where)
            throws SyncFormatException {
        long deadline = System.nanoTime() + BUILD_WAIT_NANOS;
        int magic;
        // Acquire: pairs with the release store of the magic in build().
        while ((magic = (int) INT.getAcquire(block, MAGIC_OFFSET)) == SyncLayout.BUILDING
                || (magic == 0 && zeroMeansBuilding)) {
            if (System.nanoTime() - deadline > 0) {
                long creator = (long) LONG.getOpaque(block, CREATOR_PID_OFFSET);
                throw new SyncFormatException(Messages.format(
                        "synchronization object is half-built: its creator did not finish", "location", where,
                        "type", SyncLayout.typeName(type), "creatorPid", creator, "waitedMillis",
                        BUILD_WAIT_NANOS / 1_000_000));
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SyncFormatException(Messages.format("interrupted waiting for a half-built object",
                        "location", where));
            }
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
            if (ns != 0 && Liveness.MY_PID_NAMESPACE != 0 && ns != Liveness.MY_PID_NAMESPACE) {
                throw new SyncFormatException(Messages.format(
                        "lock made in another PID namespace: its PIDs mean nothing here", "location", where,
                        "pidNamespace", ns, "ours", Liveness.MY_PID_NAMESPACE));
            }
        }
    }

    /** Builds the block if its magic is 0, else validates it; exactly one of many racing callers builds. */
    static boolean openOrCreate(MemorySegment block, short type, Consumer<MemorySegment> initBody, String where)
            throws SyncFormatException {
        if (INT.compareAndSet(block, MAGIC_OFFSET, 0, SyncLayout.BUILDING)) {
            build(block, type, initBody);
            return true;
        }
        validate(block, type, false, where);
        return false;
    }

    // ---- named objects ----------------------------------------------------------------------

    enum Mode { CREATE, OPEN, OPEN_OR_CREATE }

    /**
     * Creates, opens or open-or-creates a named object holding one block. The object is published
     * by name before its header is written, so openers treat magic 0 as "still building" for a
     * bounded time.
     */
    static Opened named(Mode mode, String name, long bytes, short type, Consumer<MemorySegment> initBody,
            SegmentOption... options) throws IOException {
        Objects.requireNonNull(name, "name");
        SharedMemory shm = switch (mode) {
            case CREATE -> SharedMemory.create(name, bytes, options);
            case OPEN -> SharedMemory.open(name, Access.READ_WRITE, options);
            case OPEN_OR_CREATE -> SharedMemory.openOrCreate(name, bytes, options);
        };
        MappedView view = null;
        try (shm) {
            String where = shm.name().map(Object::toString).orElse(name);
            if (shm.byteSize() < bytes) {
                throw new SyncFormatException(Messages.format("named object too small for a synchronization object",
                        "name", where, "type", SyncLayout.typeName(type), "byteSize", shm.byteSize(), "required",
                        bytes));
            }
            view = shm.map(Access.READ_WRITE, 0, bytes);
            MemorySegment block = view.segment();
            if (shm.created()) {
                if (!INT.compareAndSet(block, MAGIC_OFFSET, 0, SyncLayout.BUILDING)) {
                    throw new SyncFormatException(Messages.format("new named object is not zeroed", "name", where));
                }
                build(block, type, initBody);
            } else {
                validate(block, type, true, where);
            }
            Opened opened = new Opened(block, view, shm.created(), where);
            view = null;
            return opened;
        } finally {
            if (view != null) {
                view.close();
            }
        }
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
