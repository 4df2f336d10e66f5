package org.shm4j.map;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.shm4j.sync.SyncException;

/**
 * A view of a {@link SharedMap} with {@code long} keys, stored as 8 little-endian bytes (the same
 * entries C's {@code uint64_t} and Python's {@code struct.pack("<q")} keys name). Values stay
 * {@link MemorySegment}s. {@link #get(long, MemorySegment)} allocates nothing; {@link #put}, {@link #remove} and
 * {@link #containsKey} allocate nothing in steady state either (a per-thread 8-byte key buffer).
 * Every method behaves as the {@link SharedMap} method of the same name.
 */
public final class LongKeyMap {
    private static final ThreadLocal<MemorySegment> KEY = ThreadLocal.withInitial(() -> MemorySegment.ofArray(new long[1]));

    private final SharedMap map;

    LongKeyMap(SharedMap map) {
        this.map = map;
    }

    /** The map this is a view of. */
    public SharedMap map() {
        return map;
    }

    private static MemorySegment key(long key) {
        MemorySegment k = KEY.get();
        k.set(MapLayout.U64, 0, key);
        return k;
    }

    /** A key buffer of its own, for calls that run user code which may use this view again. */
    private static MemorySegment ownKey(long key) {
        MemorySegment k = MemorySegment.ofArray(new long[1]);
        k.set(MapLayout.U64, 0, key);
        return k;
    }

    public long get(long key, MemorySegment into) {
        return map.getLong(key, into);
    }

    public Optional<MemorySegment> get(long key) {
        return map.get(ownKey(key));
    }

    public <R> R read(long key, ValueReader<R> reader) {
        return map.read(ownKey(key), reader);
    }

    public boolean containsKey(long key) {
        return map.containsKey(key(key));
    }

    public boolean put(long key, MemorySegment value) throws InterruptedException, SyncException {
        return map.put(key(key), value);
    }

    public boolean putIfAbsent(long key, MemorySegment value)
            throws InterruptedException, SyncException {
        return map.putIfAbsent(key(key), value);
    }

    public boolean replace(long key, MemorySegment value)
            throws InterruptedException, SyncException {
        return map.replace(key(key), value);
    }

    public boolean replace(long key, MemorySegment expected, MemorySegment value)
            throws InterruptedException, SyncException {
        return map.replace(key(key), expected, value);
    }

    public boolean remove(long key) throws InterruptedException, SyncException {
        return map.remove(key(key));
    }

    public boolean computeIfPresent(long key, ValueUpdater updater)
            throws InterruptedException, SyncException {
        return map.computeIfPresent(ownKey(key), updater);
    }
}
