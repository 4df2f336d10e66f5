package org.shm4j.map;

import org.shm4j.internal.Messages;

/**
 * The fixed capacity of a new map: how many entries, how long a key and a value may be, and how
 * many stripes (independent lock domains) the table is cut into. Nothing grows after creation.
 *
 * <p>Each stripe owns its share of buckets and slots: a key's hash chooses its stripe, and a new key
 * whose stripe is full is refused with {@link MapFullException}. So that {@code entries} keys with
 * well-spread hashes fit, each stripe is given {@code ceil(entries / stripes)} entries plus four
 * standard deviations of the binomial spread; {@link SharedMap#capacity()} says how many entries
 * the map can hold at most.
 *
 * @param entries entries that must fit, 1 to 2^40
 * @param maxKeyBytes the longest key, 1 to {@value MapLayout#MAX_KEY_BYTES} bytes
 * @param maxValueBytes the longest value, 0 to {@value MapLayout#MAX_VALUE_BYTES} bytes
 * @param stripes a power of two from 1 to {@value MapLayout#MAX_STRIPES}, or 0 to choose from
 *     {@code entries} (1 to 64)
 */
public record MapSpec(long entries, int maxKeyBytes, int maxValueBytes, int stripes) {
    public MapSpec {
        if (entries < 1 || entries > (1L << 40)) {
            throw new IllegalArgumentException(Messages.format("map entries out of range", "entries", entries,
                    "max", 1L << 40));
        }
        if (maxKeyBytes < 1 || maxKeyBytes > MapLayout.MAX_KEY_BYTES) {
            throw new IllegalArgumentException(Messages.format("map maxKeyBytes out of range", "maxKeyBytes",
                    maxKeyBytes, "max", MapLayout.MAX_KEY_BYTES));
        }
        if (maxValueBytes < 0 || maxValueBytes > MapLayout.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException(Messages.format("map maxValueBytes out of range", "maxValueBytes",
                    maxValueBytes, "max", MapLayout.MAX_VALUE_BYTES));
        }
        if (stripes < 0 || stripes > MapLayout.MAX_STRIPES || (stripes != 0 && Integer.bitCount(stripes) != 1)) {
            throw new IllegalArgumentException(Messages.format("map stripes must be 0 or a power of two in range",
                    "stripes", stripes, "max", MapLayout.MAX_STRIPES));
        }
    }

    /** A spec with the stripe count chosen from {@code entries}. */
    public static MapSpec of(long entries, int maxKeyBytes, int maxValueBytes) {
        return new MapSpec(entries, maxKeyBytes, maxValueBytes, 0);
    }

    /** This spec with {@code stripes} stripes. */
    public MapSpec withStripes(int stripes) {
        return new MapSpec(entries, maxKeyBytes, maxValueBytes, stripes);
    }

    /** The derived sizes of every part of the map. */
    Geometry geometry() {
        int s = stripes;
        if (s == 0) {
            long wanted = Math.clamp(entries / 32, 1, 64);
            s = Long.highestOneBit(wanted) == 0 ? 1 : (int) Long.highestOneBit(wanted);
        }
        long mean = (entries + s - 1) / s;
        long perStripe = s == 1 ? entries : mean + (long) Math.ceil(4 * Math.sqrt(mean)) + 1;
        if (perStripe + 1 > MapLayout.MAX_SLOTS_PER_STRIPE) {
            throw new IllegalArgumentException(Messages.format("map too large for its stripes: use more stripes",
                    "entries", entries, "stripes", s, "entriesPerStripe", perStripe, "max",
                    MapLayout.MAX_SLOTS_PER_STRIPE - 1));
        }
        int slots = (int) perStripe + 1; // one spare: a replacement is written beside the value it replaces
        int buckets = Math.max(8, Integer.highestOneBit(2 * slots - 1) << 1);
        long slotBytes = MapLayout.slotBytes(maxKeyBytes, maxValueBytes);
        long stripeBytes = MapLayout.stripeBytes(slots, buckets, slotBytes);
        long total;
        try {
            total = Math.addExact(MapLayout.HEADER_BYTES, Math.multiplyExact(stripeBytes, s));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(Messages.format("map too large", "entries", entries, "maxKeyBytes",
                    maxKeyBytes, "maxValueBytes", maxValueBytes));
        }
        return new Geometry(s, buckets, slots, (int) perStripe, maxKeyBytes, maxValueBytes, (int) slotBytes,
                stripeBytes, MapLayout.HEADER_BYTES, total, entries);
    }

    /** Every size of a map, as stored in (or read and validated from) its header. */
    record Geometry(int stripes, int bucketsPerStripe, int slotsPerStripe, int entriesPerStripe, int maxKeyBytes,
            int maxValueBytes, int slotBytes, long stripeBytes, long stripesOffset, long totalBytes,
            long requestedEntries) {
        long bucketsOffset() {
            return MapLayout.bucketsOffset(slotsPerStripe);
        }

        long slotsOffset() {
            return MapLayout.slotsOffset(slotsPerStripe, bucketsPerStripe);
        }

        long valueOffset() {
            return MapLayout.slotValueOffset(maxKeyBytes);
        }
    }
}
