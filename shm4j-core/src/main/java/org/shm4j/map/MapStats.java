package org.shm4j.map;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntFunction;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.sync.SyncSnapshot;

/**
 * A snapshot of a map's counters, read without locks (for monitoring: {@code shm4j info}). Every
 * value comes from shared memory and is validated against the header before use; a PID shown is
 * never signalled.
 *
 * @param entries the sum of the stripes' sizes
 * @param capacity the most entries the map can hold
 * @param requestedEntries the entry count given at creation
 * @param maxKeyBytes the longest key
 * @param maxValueBytes the longest value
 * @param totalBytes the bytes the map occupies
 * @param creatorPid the PID of the process that built the map
 * @param stripes each stripe's counters and lock holder
 */
public record MapStats(long entries, long capacity, long requestedEntries, int maxKeyBytes, int maxValueBytes,
        long totalBytes, long creatorPid, List<Stripe> stripes) {
    /** Bytes {@link #read(MemorySegment, long, IntFunction)} needs of the map's start. */
    public static final int HEADER_BYTES = (int) MapLayout.HEADER_BYTES;
    /** Bytes of each stripe's start it needs. */
    public static final int STRIPE_HEADER_BYTES = (int) MapLayout.STRIPE_HEADER_BYTES;

    public MapStats {
        stripes = List.copyOf(stripes);
    }

    /**
     * One stripe.
     *
     * @param index the stripe number
     * @param entries entries in it
     * @param capacity entries it may hold
     * @param tombstones removed-entry markers in its buckets
     * @param writes writes since creation
     * @param holderPid the PID holding its lock, if any (untrusted)
     * @param holderAlive whether that holder runs ({@code /proc}, PID and start time)
     */
    public record Stripe(int index, int entries, int capacity, int tombstones, long writes, OptionalLong holderPid,
            boolean holderAlive) {}

    /** Entries divided by capacity. */
    public double loadFactor() {
        return capacity == 0 ? 0 : (double) entries / capacity;
    }

    /** Whether {@code header} starts with a published map's magic. */
    public static boolean startsWithMapMagic(MemorySegment header) {
        return header.byteSize() >= 8 && header.get(MapLayout.U64, 0) == MapLayout.MAGIC;
    }

    /** The offset of stripe {@code index}'s header in a map whose header is {@code header} (validated). */
    public static long stripeOffset(MemorySegment header, long segmentBytes, int index) throws MapFormatException {
        MapSpec.Geometry g = MapBlock.readHeader(header, segmentBytes, "header").geometry();
        return g.stripesOffset() + index * g.stripeBytes();
    }

    /** The stripe count of a map whose header is {@code header} (validated). */
    public static int stripeCount(MemorySegment header, long segmentBytes) throws MapFormatException {
        return MapBlock.readHeader(header, segmentBytes, "header").geometry().stripes();
    }

    /**
     * Reads a snapshot from a map's header (or a copy of its first {@link #HEADER_BYTES}) and the
     * stripe headers {@code stripeHeader} returns (each at least {@link #STRIPE_HEADER_BYTES}).
     *
     * @throws MapFormatException if the header is not a valid map header for {@code segmentBytes}
     */
    public static MapStats read(MemorySegment header, long segmentBytes, IntFunction<MemorySegment> stripeHeader)
            throws MapFormatException {
        MapBlock.Header h = MapBlock.readHeader(header, segmentBytes, "header");
        MapSpec.Geometry g = h.geometry();
        List<Stripe> stripes = new ArrayList<>(g.stripes());
        long entries = 0;
        for (int s = 0; s < g.stripes(); s++) {
            MemorySegment sh = stripeHeader.apply(s);
            if (sh.byteSize() < MapLayout.STRIPE_HEADER_BYTES) {
                throw new MapFormatException(org.shm4j.internal.Messages.format("stripe header cut short", "stripe", s,
                        "byteSize", sh.byteSize()));
            }
            int size = Math.clamp(sh.get(MapLayout.U32, MapLayout.STRIPE_SIZE_OFFSET), 0, g.entriesPerStripe());
            int tombstones = Math.clamp(sh.get(MapLayout.U32, MapLayout.STRIPE_TOMBSTONES_OFFSET), 0,
                    g.bucketsPerStripe());
            long writes = sh.get(MapLayout.U64, MapLayout.STRIPE_WRITES_OFFSET);
            // The stripe's lock is a SharedMutex block: its holder as the sync package reads it
            // (the owner record's start time only when its token says the record is the holder's).
            Optional<SyncSnapshot.Holder> holder = SyncSnapshot.decode(ByteBuffer.wrap(
                    sh.asSlice(MapLayout.STRIPE_MUTEX_OFFSET, SyncSnapshot.BYTES).toArray(ValueLayout.JAVA_BYTE)))
                    .flatMap(lock -> lock instanceof SyncSnapshot.Mutex m ? m.holder() : Optional.empty());
            stripes.add(new Stripe(s, size, g.entriesPerStripe(), tombstones, writes,
                    holder.map(lockHolder -> OptionalLong.of(lockHolder.pid())).orElseGet(OptionalLong::empty),
                    holder.map(SyncSnapshot.Holder::alive).orElse(false)));
            entries += size;
        }
        return new MapStats(entries, (long) g.stripes() * g.entriesPerStripe(), g.requestedEntries(),
                g.maxKeyBytes(), g.maxValueBytes(), g.totalBytes(), ProcessIdentity.ofWord(h.creator()).pid(), stripes);
    }

    static MapStats read(MemorySegment map, long segmentBytes) {
        try {
            MapSpec.Geometry g = MapBlock.readHeader(map, segmentBytes, "map").geometry();
            return read(map, segmentBytes,
                    s -> map.asSlice(g.stripesOffset() + s * g.stripeBytes(), MapLayout.STRIPE_HEADER_BYTES));
        } catch (MapFormatException e) {
            throw new MapCorruptedException(e.getMessage());
        }
    }
}
