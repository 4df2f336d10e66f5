package org.shm4j.map;

import static org.shm4j.map.MapLayout.I32;
import static org.shm4j.map.MapLayout.I64;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.FileAlreadyExistsException;
import java.time.Duration;
import java.util.Objects;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;

/**
 * The life cycle of a map's header, and nothing else: placement checks, building a header and
 * publishing it last, waiting for a half-built one (with its creator's liveness checked), and
 * create / open / open-or-create under a name. It follows {@code org.shm4j.sync.SyncBlock} and
 * {@code org.shm4j.ring.RingRegion}, so it can move onto a shared block engine as one piece.
 *
 * <p>Publication: the builder claims the magic word (0 to {@link MapLayout#BUILDING}) when the
 * memory is a caller's, writes its creator identity with a release store (so an opener can tell a
 * dead creator from a slow one), then every header field and the body with plain stores, then the
 * magic with a release store. An opener's acquire load of the magic pairs with that store.
 */
final class MapBlock {
    static final VarHandle LONG = I64.varHandle();

    private MapBlock() {}

    /** A validated header: the geometry, the hash seed, the creator's identity word. */
    record Header(MapSpec.Geometry geometry, long hashSeed, long creator) {}

    /** A map's memory and, for a named map, the view this process owns for it. */
    record Opened(MemorySegment block, MappedView view, Header header, boolean created, String where) {}

    /** What to do with a name or a location. */
    enum Mode { CREATE, OPEN, OPEN_OR_CREATE }

    /** Checks that {@code at} can hold a map and returns it, or the first {@code bytes} of it when known. */
    static MemorySegment place(MemorySegment at, long bytes) {
        Objects.requireNonNull(at, "at");
        if (!at.isNative() || at.isReadOnly()) {
            throw new IllegalArgumentException(Messages.format("a map needs writable native (mapped) memory",
                    "segment", at));
        }
        if (at.address() % MapLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException(Messages.format("map misaligned", "address",
                    "0x" + Long.toHexString(at.address()), "alignment", MapLayout.ALIGNMENT));
        }
        if (at.byteSize() < Math.max(bytes, MapLayout.HEADER_BYTES)) {
            throw new IllegalArgumentException(Messages.format("segment too small for the map", "byteSize",
                    at.byteSize(), "required", Math.max(bytes, MapLayout.HEADER_BYTES)));
        }
        return bytes > 0 ? at.asSlice(0, bytes) : at;
    }

    /**
     * Builds a map in caller-owned zeroed memory, or refuses: another map (built or being built) is
     * there, or the memory is not zero.
     */
    static Header create(MemorySegment block, MapSpec.Geometry g, Body body, String where) throws IOException {
        if (!LONG.compareAndSet(block, MapLayout.MAGIC_OFFSET, 0L, MapLayout.BUILDING)) {
            long magic = (long) LONG.getAcquire(block, MapLayout.MAGIC_OFFSET);
            if (magic == MapLayout.MAGIC || magic == MapLayout.BUILDING) {
                throw new FileAlreadyExistsException(null, null, Messages.format(
                        "a map already exists here", "location", where));
            }
            throw new MapFormatException(Messages.format("location is not zeroed, refusing to build a map over it",
                    "location", where, "magic", hex(magic)));
        }
        return build(block, g, body, where);
    }

    /** Builds the map if the magic is 0, else waits for and validates the existing one; one racer builds. */
    static Opened openOrCreate(MemorySegment block, MapSpec.Geometry g, Body body, Duration openTimeout, String where)
            throws IOException {
        if (LONG.compareAndSet(block, MapLayout.MAGIC_OFFSET, 0L, MapLayout.BUILDING)) {
            return new Opened(block, null, build(block, g, body, where), true, where);
        }
        return new Opened(block, null, await(block, block.byteSize(), false, openTimeout, where), false, where);
    }

    /** The body of a map: what is written between the header fields and the magic. */
    @FunctionalInterface
    interface Body {
        void build(MemorySegment block, Header header) throws IOException;
    }

    private static Header build(MemorySegment block, MapSpec.Geometry g, Body body, String where)
            throws IOException {
        long me = ProcessIdentity.current().word();
        // Release: an opener that sees the magic still unpublished reads the creator to judge liveness.
        LONG.setRelease(block, MapLayout.CREATOR_OFFSET, me);
        long seed = java.util.concurrent.ThreadLocalRandom.current().nextLong();
        block.set(I32, MapLayout.VERSION_OFFSET, MapLayout.VERSION);
        block.set(I32, MapLayout.FLAGS_OFFSET, 0);
        block.set(I32, MapLayout.STRIPES_OFFSET, g.stripes());
        block.set(I32, MapLayout.BUCKETS_PER_STRIPE_OFFSET, g.bucketsPerStripe());
        block.set(I32, MapLayout.SLOTS_PER_STRIPE_OFFSET, g.slotsPerStripe());
        block.set(I32, MapLayout.ENTRIES_PER_STRIPE_OFFSET, g.entriesPerStripe());
        block.set(I32, MapLayout.MAX_KEY_BYTES_OFFSET, g.maxKeyBytes());
        block.set(I32, MapLayout.MAX_VALUE_BYTES_OFFSET, g.maxValueBytes());
        block.set(I32, MapLayout.SLOT_BYTES_OFFSET, g.slotBytes());
        block.set(I64, MapLayout.STRIPE_BYTES_OFFSET, g.stripeBytes());
        block.set(I64, MapLayout.STRIPES_AT_OFFSET, g.stripesOffset());
        block.set(I64, MapLayout.TOTAL_BYTES_OFFSET, g.totalBytes());
        block.set(I64, MapLayout.HASH_SEED_OFFSET, seed);
        block.set(I64, MapLayout.REQUESTED_ENTRIES_OFFSET, g.requestedEntries());
        Header h = new Header(g, seed, me);
        body.build(block, h);
        // Release: pairs with the acquire load of the magic in await() and readHeader(); whoever
        // sees the magic sees every header field and the whole body.
        LONG.setRelease(block, MapLayout.MAGIC_OFFSET, MapLayout.MAGIC);
        return h;
    }

    /**
     * Waits up to {@code timeout} for the header to be published, then validates it. Gives up at
     * once when the creator that claimed the memory is dead. {@code zeroMeansBuilding}: a named
     * object is visible by name before its creator writes anything, so magic 0 means "not yet".
     */
    static Header await(MemorySegment block, long segmentBytes, boolean zeroMeansBuilding, Duration timeout,
            String where) throws MapFormatException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            // Acquire: pairs with the release store of the magic in build().
            long magic = (long) LONG.getAcquire(block, MapLayout.MAGIC_OFFSET);
            if (magic != MapLayout.BUILDING && (magic != 0 || !zeroMeansBuilding)) {
                return readHeader(block, segmentBytes, where);
            }
            long creator = (long) LONG.getAcquire(block, MapLayout.CREATOR_OFFSET);
            if (creator != 0 && !ProcessIdentity.ofWord(creator).isAlive()) {
                throw new MapFormatException(Messages.format(
                        "map was never finished: its creator died while building it; remove it and create again",
                        "location", where, "creatorPid", ProcessIdentity.ofWord(creator).pid()));
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new MapFormatException(Messages.format("map is half-built: its creator did not finish in time",
                        "location", where, "timeout", timeout, "creatorPid",
                        creator == 0 ? "unknown" : ProcessIdentity.ofWord(creator).pid()));
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MapFormatException(Messages.format("interrupted waiting for a half-built map",
                        "location", where));
            }
        }
    }

    /**
     * Reads and validates a published header. Every field is read once into a local; the geometry
     * the stored entry count and maxima imply is recomputed and must match every stored size, so
     * no offset derived from the header can leave the segment.
     */
    static Header readHeader(MemorySegment s, long segmentBytes, String where) throws MapFormatException {
        if (s.byteSize() < MapLayout.HEADER_BYTES) {
            throw new MapFormatException(Messages.format("segment too small to hold a map", "location", where,
                    "byteSize", s.byteSize(), "required", MapLayout.HEADER_BYTES));
        }
        long magic = (long) LONG.getAcquire(s, MapLayout.MAGIC_OFFSET);
        if (magic == 0) {
            throw new MapFormatException(Messages.format("no map here (not initialized)", "location", where));
        }
        if (magic != MapLayout.MAGIC) {
            throw new MapFormatException(Messages.format("not a shm4j map: bad magic", "location", where, "magic",
                    hex(magic), "expected", hex(MapLayout.MAGIC)));
        }
        int version = s.get(I32, MapLayout.VERSION_OFFSET);
        if (version != MapLayout.VERSION) {
            throw new MapFormatException(Messages.format("unsupported map layout version", "location", where,
                    "version", version, "supported", MapLayout.VERSION));
        }
        int stripes = s.get(I32, MapLayout.STRIPES_OFFSET);
        int maxKey = s.get(I32, MapLayout.MAX_KEY_BYTES_OFFSET);
        int maxValue = s.get(I32, MapLayout.MAX_VALUE_BYTES_OFFSET);
        long requested = s.get(I64, MapLayout.REQUESTED_ENTRIES_OFFSET);
        MapSpec.Geometry expected;
        try {
            expected = new MapSpec(requested, maxKey, maxValue, stripes == 0 ? -1 : stripes).geometry();
        } catch (IllegalArgumentException e) {
            throw new MapFormatException(Messages.format("invalid map header", "location", where, "stripes", stripes,
                    "maxKeyBytes", maxKey, "maxValueBytes", maxValue, "requestedEntries", requested));
        }
        MapSpec.Geometry found = new MapSpec.Geometry(stripes, s.get(I32, MapLayout.BUCKETS_PER_STRIPE_OFFSET),
                s.get(I32, MapLayout.SLOTS_PER_STRIPE_OFFSET), s.get(I32, MapLayout.ENTRIES_PER_STRIPE_OFFSET), maxKey,
                maxValue, s.get(I32, MapLayout.SLOT_BYTES_OFFSET), s.get(I64, MapLayout.STRIPE_BYTES_OFFSET),
                s.get(I64, MapLayout.STRIPES_AT_OFFSET), s.get(I64, MapLayout.TOTAL_BYTES_OFFSET), requested);
        if (!found.equals(expected)) {
            throw new MapFormatException(Messages.format("inconsistent map header", "location", where, "found", found,
                    "expected", expected));
        }
        if (segmentBytes < found.totalBytes()) {
            throw new MapFormatException(Messages.format("segment smaller than the map it claims to hold",
                    "location", where, "byteSize", segmentBytes, "required", found.totalBytes()));
        }
        return new Header(found, s.get(I64, MapLayout.HASH_SEED_OFFSET), s.get(I64, MapLayout.CREATOR_OFFSET));
    }

    /**
     * Creates, opens or open-or-creates a named map: one named object holding the map from offset 0.
     * A map this call created is removed again if building it fails.
     */
    static Opened named(Mode mode, String name, MapSpec.Geometry g, Body body, SegmentOption[] segmentOptions,
            Duration openTimeout) throws IOException {
        Objects.requireNonNull(name, "name");
        SharedMemory shm = switch (mode) {
            case CREATE -> SharedMemory.create(name, g.totalBytes(), segmentOptions);
            case OPEN -> SharedMemory.open(name, Access.READ_WRITE, segmentOptions);
            case OPEN_OR_CREATE -> SharedMemory.openOrCreate(name, g.totalBytes(), segmentOptions);
        };
        MappedView view = null;
        boolean created = shm.created();
        String where = name;
        try (shm) {
            where = shm.name().map(Object::toString).orElse(name);
            if (shm.byteSize() < MapLayout.HEADER_BYTES) {
                throw new MapFormatException(Messages.format("named object too small to hold a map", "name", where,
                        "byteSize", shm.byteSize(), "required", MapLayout.HEADER_BYTES));
            }
            view = shm.map(Access.READ_WRITE, 0, 0);
            MemorySegment block = view.segment();
            Header h;
            if (created) {
                if (!LONG.compareAndSet(block, MapLayout.MAGIC_OFFSET, 0L, MapLayout.BUILDING)) {
                    throw new MapFormatException(Messages.format("new named object is not zeroed", "name", where));
                }
                h = build(block, g, body, where);
            } else {
                h = await(block, shm.byteSize(), true, openTimeout, where);
            }
            Opened opened = new Opened(block, view, h, created, where);
            view = null;
            return opened;
        } catch (IOException | RuntimeException | Error e) {
            if (created) {
                try {
                    SharedMemory.remove(where);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        } finally {
            if (view != null) {
                view.close();
            }
        }
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
