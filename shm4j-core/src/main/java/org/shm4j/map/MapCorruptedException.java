package org.shm4j.map;

/**
 * A value read from the map's shared memory breaks the map's invariants: a bucket naming a slot
 * that does not exist, a key or value length beyond the map's maxima, a free-slot stack or count
 * out of range, two buckets naming one slot, a slot that stays mid-write while a bucket names it.
 * Another process wrote it (a bug or a hostile peer). Unchecked, because it is thrown from the hot
 * paths; no out-of-bounds access happens first: every index, length and offset read from the
 * segment is copied to a local and validated before it is used, and every probe is bounded by the
 * stripe's bucket count.
 */
public final class MapCorruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MapCorruptedException(String message) {
        super(message);
    }
}
