package org.shm4j.map;

import static org.shm4j.map.MapLayout.I32;
import static org.shm4j.map.MapLayout.I64;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Set;
import org.shm4j.MappedView;
import org.shm4j.ObjectKind;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.block.Blocks;

/**
 * What is map-specific in a map's header life cycle: its magic, its header fields and their
 * validation. Placement, claiming memory, waiting for a half-built header (with its creator's
 * liveness checked) and opening by name are the shared block engine's,
 * {@link org.shm4j.internal.block.Blocks}; a map is its third client after rings and sync.
 *
 * <p>Publication: the builder claims the magic word (0 to {@link MapLayout#BUILDING}), writes its
 * creator identity with a release store (so an opener can tell a dead creator from a slow one),
 * then every header field and the body with plain stores, then the magic with a release store. An
 * opener's acquire load of the magic pairs with that store.
 */
final class MapBlock {
    static final VarHandle LONG = I64.varHandle();
    static final Blocks.Magic MAGIC = new Blocks.Magic(MapLayout.MAGIC_OFFSET, true, MapLayout.MAGIC,
            MapLayout.BUILDING);

    private MapBlock() {}

    /** A validated header: the geometry, the hash seed, the creator's identity word. */
    record Header(MapSpec.Geometry geometry, long hashSeed, long creator) {}

    /** A map's memory and, for a named map, the view this process owns for it. */
    record Opened(MemorySegment block, MappedView view, Header header, boolean created, String where) {}

    /** Checks that {@code at} can hold a map and returns it, or the first {@code bytes} of it when known. */
    static MemorySegment place(MemorySegment at, long bytes) {
        MemorySegment block = Blocks.place(at, Math.max(bytes, MapLayout.HEADER_BYTES), MapLayout.ALIGNMENT,
                ObjectKind.MAP);
        return bytes > 0 ? block : at;
    }

    /**
     * Builds a map in caller-owned zeroed memory, or refuses: another map (built or being built) is
     * there, or the memory is not zero.
     */
    static Header create(MemorySegment block, MapSpec.Geometry g, Body body, String where) throws IOException {
        Blocks.claimInPlace(block, MAGIC, "map", where, MapFormatException::new);
        return build(block, g, body);
    }

    /** Builds the map if the magic is 0, else waits for and validates the existing one; one racer builds. */
    static Opened openOrCreate(MemorySegment block, MapSpec.Geometry g, Body body, Duration openTimeout, String where)
            throws IOException {
        if (MAGIC.claim(block)) {
            return new Opened(block, null, build(block, g, body), true, where);
        }
        return new Opened(block, null, await(block, block.byteSize(), null, openTimeout, where), false, where);
    }

    /** The body of a map: what is written between the header fields and the magic. */
    @FunctionalInterface
    interface Body {
        void build(MemorySegment block, Header header) throws IOException;
    }

    private static Header build(MemorySegment block, MapSpec.Geometry g, Body body) throws IOException {
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
        MAGIC.publish(block);
        return h;
    }

    /**
     * Waits up to {@code timeout} for the header to be published, then validates it; gives up at
     * once when the creator that claimed the memory is dead ({@link Blocks#awaitPublished}).
     *
     * @param named the map's name when it is a named object: it is visible by name before its
     *     creator writes anything, so magic 0 then means "not yet"; null for caller memory
     */
    static Header await(MemorySegment block, long segmentBytes, String named, Duration timeout, String where)
            throws MapFormatException {
        return Blocks.awaitPublished(() -> {
            // Acquire: pairs with the release store of the magic in build().
            long magic = MAGIC.acquire(block);
            if (magic == MapLayout.BUILDING || (magic == 0 && named != null)) {
                return null;
            }
            return readHeader(block, segmentBytes, where);
        }, () -> {
            long creator = (long) LONG.getAcquire(block, MapLayout.CREATOR_OFFSET);
            return creator == 0 ? null : ProcessIdentity.ofWord(creator);
        }, where, named, timeout.toNanos(), MapFormatException::new);
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
        long magic = MAGIC.acquire(s);
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
     * Creates, opens or open-or-creates a named map: one named object of kind {@link ObjectKind#MAP}
     * holding the map from offset 0 ({@link Blocks#openNamed}). A map this call created is removed
     * again if building it fails.
     */
    static Opened named(Blocks.Mode mode, String name, MapSpec.Geometry g, Body body, SegmentOption[] segmentOptions,
            Duration openTimeout) throws IOException {
        Blocks.Named named = Blocks.openNamed(mode, name, g == null ? 0 : g.totalBytes(), Set.of(ObjectKind.MAP),
                segmentOptions);
        MappedView view = named.view();
        try {
            if (named.byteSize() < MapLayout.HEADER_BYTES) {
                throw new MapFormatException(Messages.format("named object too small to hold a map", "name", name,
                        "byteSize", named.byteSize(), "required", MapLayout.HEADER_BYTES));
            }
            MemorySegment block = view.segment();
            Header h;
            if (named.created()) {
                Blocks.claimCreated(block, MAGIC, name, MapFormatException::new);
                h = build(block, g, body);
            } else {
                h = await(block, named.byteSize(), name, openTimeout, name);
            }
            Opened opened = new Opened(block, view, h, named.created(), name);
            view = null;
            return opened;
        } catch (IOException | RuntimeException | Error e) {
            if (named.created()) {
                try {
                    SharedMemory.remove(name);
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
