package org.shm4j.internal.block;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.ObjectKind;
import org.shm4j.SegmentInfo;
import org.shm4j.SegmentName;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import org.shm4j.WrongObjectKindException;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;

/**
 * The life cycle every block of shared state shares (a ring, a lock, an event, a semaphore, a
 * map): where a block may be placed, how a builder claims caller-owned memory, how an opener waits
 * for a header its creator is still writing, and how a block is created or opened under a name. Each package keeps its own header bytes and its own
 * validation; the steps around them live here once.
 *
 * <p>The publication protocol: a creator writes its identity first, then every header field and
 * the body with plain stores, then the magic with a release store. An opener acquires the magic;
 * while it is not published the opener waits, giving up at once when the creator is known to be
 * dead and after its timeout otherwise.
 */
public final class Blocks {
    /** How long an opener waits for a half-built header unless told otherwise. */
    public static final long DEFAULT_PUBLISH_WAIT_NANOS = 2_000_000_000L;
    private static final long POLL_MILLIS = 1;

    private Blocks() {}

    // ---- placement -----------------------------------------------------------------------------

    /**
     * Checks that {@code at} can hold a block of {@code bytes} and returns exactly that slice.
     *
     * @param what the kind of block, for messages
     * @throws IllegalArgumentException if {@code at} is not native, is read-only, is too small, or
     *     starts at an address that is not a multiple of {@code alignment}
     */
    public static MemorySegment place(MemorySegment at, long bytes, long alignment, ObjectKind what) {
        Objects.requireNonNull(at, "at");
        if (!at.isNative()) {
            throw new IllegalArgumentException(Messages.format("a block needs native (mapped) memory", "kind", what,
                    "segment", at));
        }
        if (at.isReadOnly()) {
            throw new IllegalArgumentException(Messages.format("a block needs writable memory", "kind", what,
                    "segment", at));
        }
        if (at.byteSize() < bytes) {
            throw new IllegalArgumentException(Messages.format("segment too small for the block", "kind", what,
                    "byteSize", at.byteSize(), "required", bytes));
        }
        if (at.address() % alignment != 0) {
            throw new IllegalArgumentException(Messages.format("block misaligned", "kind", what, "address",
                    "0x" + Long.toHexString(at.address()), "alignment", alignment));
        }
        return at.asSlice(0, bytes);
    }

    // ---- claiming memory to build in ------------------------------------------------------------

    /**
     * A block's magic word: where it is, whether it is 4 or 8 bytes wide (little-endian, naturally
     * aligned), the value that says the header is published and the value a builder stores while
     * it writes the header. A builder claims the memory with one compare-and-set of the magic from
     * 0 to {@code building}, so of many racing builders exactly one builds.
     */
    public record Magic(long offset, boolean wide, long published, long building) {
        private static final VarHandle U32 =
                ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
        private static final VarHandle U64 =
                ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

        /** Claims zeroed memory for this caller to build in: true if the magic went from 0 to building. */
        public boolean claim(MemorySegment block) {
            return wide ? U64.compareAndSet(block, offset, 0L, building)
                    : U32.compareAndSet(block, offset, 0, (int) building);
        }

        /** The magic with an acquire load (pairs with {@link #publish}). */
        public long acquire(MemorySegment block) {
            return wide ? (long) U64.getAcquire(block, offset) : (int) U32.getAcquire(block, offset);
        }

        /** Publishes the header: every store before this one is seen by whoever acquires the magic. */
        public void publish(MemorySegment block) {
            if (wide) {
                U64.setRelease(block, offset, published);
            } else {
                U32.setRelease(block, offset, (int) published);
            }
        }

        /** Whether {@code magic} says a block is there or being built. */
        public boolean taken(long magic) {
            return magic == published || magic == building;
        }
    }

    /**
     * Claims caller-owned memory to build a block in, or refuses: a block is already there (built
     * or being built), or the memory is not zero.
     *
     * @param what the kind of block, for messages ("map", "synchronization object")
     * @throws FileAlreadyExistsException if a block with this magic is there or being built
     * @throws IOException (of the caller's type, from {@code error}) if the memory is not zero
     */
    public static <X extends IOException> void claimInPlace(MemorySegment block, Magic magic, String what,
            String where, Function<String, ? extends X> error) throws IOException {
        if (magic.claim(block)) {
            return;
        }
        long found = magic.acquire(block);
        if (magic.taken(found)) {
            throw new FileAlreadyExistsException(null, null, Messages.format("a " + what + " already exists here",
                    "location", where));
        }
        throw error.apply(Messages.format("location is not zeroed, refusing to build a " + what + " over it",
                "location", where, "magic", "0x" + Long.toHexString(found)));
    }

    /**
     * Claims the memory of a named object this process has just created (so it must be zero).
     *
     * @throws IOException (of the caller's type) if the new object is not zero
     */
    public static <X extends IOException> void claimCreated(MemorySegment block, Magic magic, String name,
            Function<String, ? extends X> error) throws X {
        if (!magic.claim(block)) {
            throw error.apply(Messages.format("new named object is not zeroed", "name", name));
        }
    }

    // ---- waiting for a header ------------------------------------------------------------------

    /** Reads a block's header: null while its magic is not yet published; throws when it is invalid. */
    @FunctionalInterface
    public interface HeaderReader<H, X extends IOException> {
        H read() throws X;
    }

    /** The identity of a block's creator as written in the block, or null while unknown. */
    @FunctionalInterface
    public interface CreatorReader {
        ProcessIdentity creator();
    }

    /**
     * Waits for a header whose creator is still writing it.
     *
     * @param name the object's name or location, for messages
     * @param namedObject the object's name when it has one: a creator not yet written in the block
     *     is then looked up in the name's creator mark
     * @param timeoutNanos how long to wait for a live creator
     * @param error builds the caller's exception type from a message
     * @throws IOException (of the caller's type) when the creator died, the timeout passed, or the
     *     thread was interrupted (its interrupt status is kept)
     */
    public static <H, X extends IOException> H awaitPublished(HeaderReader<H, X> header, CreatorReader creator,
            String name, String namedObject, long timeoutNanos, Function<String, ? extends X> error) throws X {
        long begin = System.nanoTime();
        while (true) {
            H h = header.read();
            if (h != null) {
                return h;
            }
            ProcessIdentity who = creator.creator();
            long deadPid = who != null ? (who.isAlive() ? 0 : who.pid())
                    : namedObject != null ? deadMarkedCreator(namedObject) : 0;
            if (deadPid != 0) {
                throw error.apply(Messages.format(
                        "half-built: its creator died during creation; remove it and create again", "name", name,
                        "creatorPid", deadPid));
            }
            if (System.nanoTime() - begin >= timeoutNanos) {
                throw error.apply(Messages.format("half-built: its header was not published within the open timeout",
                        "name", name, "timeoutMillis", timeoutNanos / 1_000_000, "creatorPid",
                        who == null ? "unknown" : who.pid()));
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw error.apply(Messages.format("interrupted waiting for a half-built header", "name", name));
            }
        }
    }

    /**
     * The PID of the creator named in the creator mark shm4j puts on every named object, if that
     * process is dead; 0 if it lives, or the object has no mark (C and Python write none).
     */
    private static long deadMarkedCreator(String name) {
        try {
            SegmentInfo info = SegmentInfo.of(SegmentName.of(name));
            return info.creatorLiveness() == SegmentInfo.Liveness.DEAD ? info.creatorPid().orElse(0) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    // ---- named blocks --------------------------------------------------------------------------

    /** How a named block is reached. */
    public enum Mode { CREATE, OPEN, OPEN_OR_CREATE }

    /** A named object mapped for a block, and whether this call created it. */
    public record Named(MappedView view, boolean created, long byteSize) {}

    /**
     * Creates, opens or open-or-creates the named object of a block of {@code kinds} and maps all
     * of it. An object that exists must be one of {@code kinds} or a zeroed object one of them
     * could be while its creator writes the header; anything else fails at once with
     * {@link org.shm4j.WrongObjectKindException}.
     *
     * @param bytes the size of a created object
     */
    public static Named openNamed(Mode mode, String name, long bytes, Set<ObjectKind> kinds,
            SegmentOption... options) throws IOException {
        Objects.requireNonNull(name, "name");
        SegmentOption[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = SegmentOption.Flag.ANY_KIND;
        SharedMemory shm = switch (mode) {
            case CREATE -> SharedMemory.create(name, bytes, all);
            case OPEN -> SharedMemory.open(name, Access.READ_WRITE, all);
            case OPEN_OR_CREATE -> SharedMemory.openOrCreate(name, bytes, all);
        };
        try (shm) {
            if (!shm.created()) {
                if (shm.path().map(p -> !p.equals(SegmentName.of(name).path())).orElse(false)) {
                    // The name is a named file mapping's record, and open resolved it to its file.
                    throw new WrongObjectKindException(name, ObjectKind.FILE_MAPPING, kinds);
                }
                Kinds.require(shm, name, kinds);
            }
            return new Named(shm.map(Access.READ_WRITE, 0, 0), shm.created(), shm.byteSize());
        }
    }
}
