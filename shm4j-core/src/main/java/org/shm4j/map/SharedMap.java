package org.shm4j.map;

import static org.shm4j.map.MapLayout.EMPTY;
import static org.shm4j.map.MapLayout.I32;
import static org.shm4j.map.MapLayout.I64;
import static org.shm4j.map.MapLayout.TOMBSTONE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.Blocks;
import org.shm4j.sync.LockResult;
import org.shm4j.sync.SharedMutex;
import org.shm4j.sync.SyncException;

/**
 * A hash map in shared memory: byte-sequence keys and values, read without locks by any number of
 * threads and processes, written by many processes at once, consistent after a writer is killed at
 * any instruction, and readable from C and Python ({@code interop/c/shm4j_map.h},
 * {@code interop/python/shm4j_map.py}). Layout and protocol: {@linkplain org.shm4j.map package
 * documentation}.
 *
 * {@snippet :
 * MapSpec spec = MapSpec.of(100_000, 8, 64);            // entries, max key bytes, max value bytes
 * try (SharedMap map = SharedMap.openOrCreate("prices", spec);
 *      Arena arena = Arena.ofConfined()) {
 *     MemorySegment key = arena.allocateFrom(ValueLayout.JAVA_LONG, 42L);
 *     map.put(key, arena.allocateFrom("hello"));
 *     MemorySegment value = arena.allocate(map.maxValueBytes());
 *     long length = map.get(key, value);                 // -1 when absent
 * }
 * }
 *
 * <p><b>Capacity</b> is fixed at creation ({@link MapSpec}): a new key whose stripe is full is
 * refused with {@link MapFullException}; nothing is ever overwritten or evicted to make room. Keys
 * are 1 to {@link #maxKeyBytes()} bytes, values 0 to {@link #maxValueBytes()}.
 *
 * <p><b>Reads</b> ({@link #get}, {@link #read}, {@link #containsKey}, iteration) take no lock and
 * never return a torn value: each slot carries a version (a seqlock); a read that raced a writer
 * runs again. <b>Writes</b> lock the key's stripe with a robust {@link SharedMutex} placed in the
 * map and wait for it as {@link SharedMutex#lock()} does (interruptible, through the one wait
 * engine, virtual threads park); a live holder is waited for, a dead holder's stripe is repaired
 * through {@link LockResult#OWNER_DIED} before the write goes on.
 *
 * <p>Instances are thread-safe. {@link #close()} unmaps a named map (never removes it; use
 * {@link org.shm4j.SharedMemory#remove}); for a map placed in a caller's segment it only stops
 * this handle.
 */
public final class SharedMap implements AutoCloseable, Iterable<SharedMap.Entry> {
    private static final VarHandle LONG = I64.varHandle();
    private static final VarHandle INT = I32.varHandle();
    private static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofSeconds(2);
    /** How long a lock-free read keeps retrying a slot that keeps changing before it calls the map corrupt. */
    private static final long READ_RETRY_NANOS = 1_000_000_000L;

    private static final int PUT = 0;
    private static final int PUT_IF_ABSENT = 1;
    private static final int REPLACE = 2;
    private static final int REPLACE_IF_EQUAL = 3;
    private static final int REMOVE = 4;
    private static final int COMPUTE = 5;

    /**
     * Crash-test hook: called with the name of each point of the write protocol. Tests set it in a
     * child process to stop there and be killed; null otherwise.
     */
    static Consumer<String> testHook;

    private final MemorySegment map;
    private final MappedView view;
    private final String where;
    private final boolean created;
    private final long seed;
    private final int stripes;
    private final int stripeMask;
    private final int buckets;
    private final int bucketMask;
    private final int slots;
    private final int entriesPerStripe;
    private final int maxKey;
    private final int maxValue;
    private final long slotBytes;
    private final long stripeBytes;
    private final long stripesOffset;
    private final long bucketsOffset;
    private final long slotsOffset;
    private final long valueOffset;
    private final long requestedEntries;
    private final SharedMutex[] mutexes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SharedMap(MapBlock.Opened o) throws IOException {
        MapSpec.Geometry g = o.header().geometry();
        this.map = o.block().asSlice(0, g.totalBytes());
        this.view = o.view();
        this.where = o.where();
        this.created = o.created();
        this.seed = o.header().hashSeed();
        this.stripes = g.stripes();
        this.stripeMask = g.stripes() - 1;
        this.buckets = g.bucketsPerStripe();
        this.bucketMask = g.bucketsPerStripe() - 1;
        this.slots = g.slotsPerStripe();
        this.entriesPerStripe = g.entriesPerStripe();
        this.maxKey = g.maxKeyBytes();
        this.maxValue = g.maxValueBytes();
        this.slotBytes = g.slotBytes();
        this.stripeBytes = g.stripeBytes();
        this.stripesOffset = g.stripesOffset();
        this.bucketsOffset = g.bucketsOffset();
        this.slotsOffset = g.slotsOffset();
        this.valueOffset = g.valueOffset();
        this.requestedEntries = g.requestedEntries();
        this.mutexes = new SharedMutex[stripes];
        for (int s = 0; s < stripes; s++) {
            mutexes[s] = SharedMutex.open(map.asSlice(stripeBase(s) + MapLayout.STRIPE_MUTEX_OFFSET, SharedMutex.BYTES));
        }
    }

    // ---- factories -----------------------------------------------------------------------------

    /** Bytes a map of {@code spec} occupies, for placing one in a segment. */
    public static long requiredBytes(MapSpec spec) {
        return Objects.requireNonNull(spec, "spec").geometry().totalBytes();
    }

    /**
     * Creates a named map (a new object under {@code /dev/shm}).
     *
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     * @throws IllegalArgumentException if {@code spec} is too large for its stripes
     */
    public static SharedMap create(String name, MapSpec spec, MapOption... options) throws IOException {
        return named(Blocks.Mode.CREATE, name, Objects.requireNonNull(spec, "spec"), options);
    }

    /**
     * Opens a named map, waiting up to the {@linkplain MapOption#openTimeout open timeout} for a
     * creator that is still building it.
     *
     * @throws java.nio.file.NoSuchFileException if there is no object of that name
     * @throws org.shm4j.WrongObjectKindException if the name holds another kind of object (a ring, a
     *     lock, a plain segment)
     * @throws MapFormatException if the map was never finished (its creator died), is still
     *     half-built when the open timeout ends, or is of another layout version
     */
    public static SharedMap open(String name, MapOption... options) throws IOException {
        return named(Blocks.Mode.OPEN, name, null, options);
    }

    /**
     * Opens the named map or creates it; race-free, one of many racing processes creates it.
     * {@link #created()} tells which happened.
     *
     * @throws org.shm4j.WrongObjectKindException if the name holds another kind of object
     * @throws MapFormatException if an existing map was made with another spec
     */
    public static SharedMap openOrCreate(String name, MapSpec spec, MapOption... options) throws IOException {
        return named(Blocks.Mode.OPEN_OR_CREATE, name, Objects.requireNonNull(spec, "spec"), options);
    }

    /**
     * Builds a map at the start of {@code at}, which must be zero (as in a new segment), writable,
     * native, 8-byte aligned and at least {@link #requiredBytes} long.
     *
     * @throws java.nio.file.FileAlreadyExistsException if a map is already there (or being built)
     * @throws MapFormatException if the memory is not zero
     */
    public static SharedMap create(MemorySegment at, MapSpec spec, MapOption... options) throws IOException {
        MapSpec.Geometry g = Objects.requireNonNull(spec, "spec").geometry();
        Settings o = Settings.of(options);
        MemorySegment block = MapBlock.place(at, g.totalBytes());
        String where = describe(block);
        MapBlock.Header h = MapBlock.create(block, g, SharedMap::buildBody, where);
        return new SharedMap(new MapBlock.Opened(block, null, h, true, where));
    }

    /**
     * Attaches to a map built at the start of {@code at}, waiting up to the open timeout for a
     * builder that is still at work.
     *
     * @throws MapFormatException if there is no map there, or it does not fit {@code at}
     */
    public static SharedMap open(MemorySegment at, MapOption... options) throws IOException {
        Settings o = Settings.of(options);
        MemorySegment block = MapBlock.place(at, 0);
        String where = describe(block);
        MapBlock.Header h = MapBlock.await(block, block.byteSize(), null, o.openTimeout, where);
        return new SharedMap(new MapBlock.Opened(block, null, h, false, where));
    }

    /**
     * Attaches to the map at {@code at}, building it if the memory is still zero; one of many racing
     * processes builds.
     *
     * @throws MapFormatException if an existing map was made with another spec, or is not a map
     */
    public static SharedMap openOrCreate(MemorySegment at, MapSpec spec, MapOption... options) throws IOException {
        MapSpec.Geometry g = Objects.requireNonNull(spec, "spec").geometry();
        Settings o = Settings.of(options);
        MemorySegment block = MapBlock.place(at, g.totalBytes());
        String where = describe(block);
        MapBlock.Opened opened = MapBlock.openOrCreate(block, g, SharedMap::buildBody, o.openTimeout, where);
        checkSameSpec(opened.header().geometry(), g, where);
        return new SharedMap(opened);
    }

    private static SharedMap named(Blocks.Mode mode, String name, MapSpec spec, MapOption... options)
            throws IOException {
        Objects.requireNonNull(name, "name");
        Settings o = Settings.of(options);
        MapSpec.Geometry g = spec == null ? null : spec.geometry();
        MapBlock.Opened opened = MapBlock.named(mode, name, g, SharedMap::buildBody, o.segment, o.openTimeout);
        try {
            if (g != null && !opened.created()) {
                checkSameSpec(opened.header().geometry(), g, opened.where());
            }
            return new SharedMap(opened);
        } catch (IOException | RuntimeException | Error e) {
            opened.view().close();
            throw e;
        }
    }

    private static void checkSameSpec(MapSpec.Geometry found, MapSpec.Geometry wanted, String where)
            throws MapFormatException {
        if (!found.equals(wanted)) {
            throw new MapFormatException(Messages.format("map exists with another spec", "location", where,
                    "requestedEntries", found.requestedEntries(), "maxKeyBytes", found.maxKeyBytes(), "maxValueBytes",
                    found.maxValueBytes(), "stripes", found.stripes(), "wantedEntries", wanted.requestedEntries(),
                    "wantedMaxKeyBytes", wanted.maxKeyBytes(), "wantedMaxValueBytes", wanted.maxValueBytes(),
                    "wantedStripes", wanted.stripes()));
        }
    }

    /** Writes every stripe of a new map: its mutex, counters and a full free-slot stack. Buckets are zero. */
    private static void buildBody(MemorySegment block, MapBlock.Header h) throws IOException {
        MapSpec.Geometry g = h.geometry();
        for (int s = 0; s < g.stripes(); s++) {
            long base = g.stripesOffset() + s * g.stripeBytes();
            MemorySegment stripe = block.asSlice(base, g.stripeBytes());
            // The caller promised zeroed memory; a map's buckets must be EMPTY, so make sure.
            stripe.fill((byte) 0);
            SharedMutex.create(stripe.asSlice(MapLayout.STRIPE_MUTEX_OFFSET, SharedMutex.BYTES)).close();
            int n = g.slotsPerStripe();
            stripe.set(I32, MapLayout.STRIPE_SIZE_OFFSET, 0);
            stripe.set(I32, MapLayout.STRIPE_FREE_COUNT_OFFSET, n);
            for (int i = 0; i < n; i++) {
                // Popped from the top: slot 0 first.
                stripe.set(I32, MapLayout.FREE_STACK_OFFSET + 4L * i, n - 1 - i);
            }
        }
    }

    private record Settings(Duration openTimeout, SegmentOption[] segment) {
        static Settings of(MapOption... options) {
            Duration open = DEFAULT_OPEN_TIMEOUT;
            List<SegmentOption> segment = new ArrayList<>();
            for (MapOption option : Objects.requireNonNull(options, "options")) {
                switch (Objects.requireNonNull(option, "option")) {
                    case MapOption.OpenTimeout t -> open = t.timeout();
                    case MapOption.Segment s -> segment.add(s.option());
                }
            }
            return new Settings(open, segment.toArray(SegmentOption[]::new));
        }
    }

    // ---- reads (no locks) ----------------------------------------------------------------------

    /**
     * Copies the value of {@code key} into {@code into} and returns its length, or -1 if the key is
     * absent. The bytes copied are one whole value, never a mix of two writes. Allocates nothing.
     *
     * @throws IllegalArgumentException if {@code key} is empty or longer than {@link #maxKeyBytes()},
     *     or the value is longer than {@code into}
     * @throws IllegalStateException if this handle is closed
     * @throws MapCorruptedException if the map's memory breaks its invariants
     */
    public long get(MemorySegment key, MemorySegment into) {
        long klen = checkKey(key);
        Objects.requireNonNull(into, "into");
        checkOpen();
        return get(key, klen, 0, MapLayout.hash(key, 0, klen, seed), into);
    }

    /** {@link #get(MemorySegment, MemorySegment)} of the 8-byte little-endian key {@code longKey}, for {@link LongKeyMap}. */
    long getLong(long longKey, MemorySegment into) {
        if (maxKey < 8) {
            throw new IllegalArgumentException(Messages.format("key length out of range", "keyLength", 8,
                    "maxKeyBytes", maxKey));
        }
        Objects.requireNonNull(into, "into");
        checkOpen();
        return get(null, 8, longKey, MapLayout.hashLong(longKey, seed), into);
    }

    /** The lookup of {@code key} ({@code klen} bytes), or of {@code longKey} when {@code key} is null. */
    private long get(MemorySegment key, long klen, long longKey, long h, MemorySegment into) {
        int stripe = (int) (h >>> 32) & stripeMask;
        long base = stripeBase(stripe);
        int tag = (int) (h >>> 32);
        int home = (int) h & bucketMask;
        long started = 0;
        for (int attempt = 0;; attempt++) {
            retry:
            {
                for (int i = 0; i < buckets; i++) {
                    int b = (home + i) & bucketMask;
                    // Acquire: pairs with the release store that published the bucket (publish()).
                    long at = base + bucketsOffset + 8L * b;
                    long w = (long) LONG.getAcquire(map, at);
                    if (w == EMPTY) {
                        return -1;
                    }
                    if (w == TOMBSTONE || (int) (w >>> 32) != tag) {
                        continue;
                    }
                    long so = slotAt(base, w, stripe, b);
                    // Acquire: pairs with the release store that ended the slot's last write (writeSlot()).
                    long v1 = (long) LONG.getAcquire(map, so);
                    if ((v1 & 1) != 0) {
                        break retry;
                    }
                    // Key and value length in one load (little-endian: key length in the low half).
                    long lengths = map.get(I64, so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
                    int kl = (int) lengths;
                    int vl = (int) (lengths >>> 32);
                    if (kl < 1 || kl > maxKey || vl < 0 || vl > maxValue) {
                        if (changed(at, w, so, v1)) {
                            break retry;
                        }
                        throw badSlot(stripe, b, so, kl, vl);
                    }
                    boolean match = key == null ? kl == 8 && map.get(I64, so + MapLayout.SLOT_KEY_OFFSET) == longKey
                            : sameKey(so, kl, key, klen);
                    if (match && vl <= into.byteSize()) {
                        MemorySegment.copy(map, so + valueOffset, into, 0, vl);
                    }
                    if (changed(at, w, so, v1)) {
                        break retry;
                    }
                    if (match) {
                        if (vl > into.byteSize()) {
                            throw new IllegalArgumentException(Messages.format("value longer than the destination",
                                    "valueLength", vl, "into", into.byteSize()));
                        }
                        return vl;
                    }
                }
                return -1;
            }
            started = backOff(attempt, started, stripe);
        }
    }

    /**
     * Runs {@code reader} on the value of {@code key} in place (zero-copy) and returns its result,
     * or {@code null} if the key is absent. The reader runs again if a writer replaced the value
     * while it read (see {@link ValueReader}); the result returned comes from a run that saw one
     * whole value.
     *
     * @throws IllegalArgumentException if {@code key} is empty or longer than {@link #maxKeyBytes()}
     * @throws MapCorruptedException if the map's memory breaks its invariants
     */
    public <R> R read(MemorySegment key, ValueReader<R> reader) {
        long klen = checkKey(key);
        Objects.requireNonNull(reader, "reader");
        checkOpen();
        long h = MapLayout.hash(key, 0, klen, seed);
        int stripe = (int) (h >>> 32) & stripeMask;
        long base = stripeBase(stripe);
        int tag = (int) (h >>> 32);
        int home = (int) h & bucketMask;
        long started = 0;
        for (int attempt = 0;; attempt++) {
            retry:
            {
                for (int i = 0; i < buckets; i++) {
                    int b = (home + i) & bucketMask;
                    long at = base + bucketsOffset + 8L * b;
                    long w = (long) LONG.getAcquire(map, at);
                    if (w == EMPTY) {
                        return null;
                    }
                    if (w == TOMBSTONE || (int) (w >>> 32) != tag) {
                        continue;
                    }
                    long so = slotAt(base, w, stripe, b);
                    long v1 = (long) LONG.getAcquire(map, so);
                    if ((v1 & 1) != 0) {
                        break retry;
                    }
                    int kl = map.get(I32, so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
                    int vl = map.get(I32, so + MapLayout.SLOT_VALUE_LENGTH_OFFSET);
                    if (kl < 1 || kl > maxKey || vl < 0 || vl > maxValue) {
                        if (changed(at, w, so, v1)) {
                            break retry;
                        }
                        throw badSlot(stripe, b, so, kl, vl);
                    }
                    boolean match = sameKey(so, kl, key, klen);
                    if (!match) {
                        if (changed(at, w, so, v1)) {
                            break retry;
                        }
                        continue;
                    }
                    R result;
                    try {
                        result = reader.read(map.asSlice(so + valueOffset, vl).asReadOnly());
                    } catch (RuntimeException e) {
                        // A run that saw a value being replaced may fail on bytes that made no sense.
                        if (changed(at, w, so, v1)) {
                            break retry;
                        }
                        throw e;
                    }
                    if (changed(at, w, so, v1)) {
                        break retry;
                    }
                    return result;
                }
                return null;
            }
            started = backOff(attempt, started, stripe);
        }
    }

    /**
     * The value of {@code key} copied to a new heap segment, or empty. Allocates; see
     * {@link #get(MemorySegment, MemorySegment)} for the allocation-free form.
     */
    public Optional<MemorySegment> get(MemorySegment key) {
        return Optional.ofNullable(read(key, v -> MemorySegment.ofArray(v.toArray(ValueLayout.JAVA_BYTE))));
    }

    /** Whether {@code key} is in the map. */
    public boolean containsKey(MemorySegment key) {
        return read(key, v -> Boolean.TRUE) != null;
    }

    /**
     * Whether what a read saw may mix two writes: the bucket at {@code bucketAt} no longer holds
     * {@code w}, or the slot's version moved since {@code v1}. When neither, the slot held the bytes
     * read, unchanged, while the bucket named it: a value that was current at that moment.
     */
    private boolean changed(long bucketAt, long w, long so, long v1) {
        // Acquire fence: the key and value reads above happen before the bucket and version are read
        // again, as the seqlock needs (pairs with the storeStore fence after the writer's odd store).
        VarHandle.acquireFence();
        // Acquire: the version read below is ordered after the bucket read.
        return (long) LONG.getAcquire(map, bucketAt) != w || (long) LONG.getOpaque(map, so) != v1;
    }

    private long backOff(int attempt, long started, int stripe) {
        if (attempt < 64) {
            Thread.onSpinWait();
            return started;
        }
        long now = System.nanoTime();
        if (started == 0) {
            return now;
        }
        if (now - started > READ_RETRY_NANOS) {
            throw new MapCorruptedException(Messages.format(
                    "a read kept meeting a slot mid-write: a slot a bucket names stays odd", "location", where,
                    "stripe", stripe, "waitedMillis", READ_RETRY_NANOS / 1_000_000));
        }
        Thread.yield();
        return started;
    }

    // ---- writes (stripe lock) ------------------------------------------------------------------

    /**
     * Maps {@code key} to {@code value}, replacing any value it had.
     *
     * @return true if the key was new, false if a value was replaced
     * @throws MapFullException if the key is new and its stripe is full (nothing is written)
     * @throws IllegalArgumentException if the key or value is too long, or the key empty
     * @throws InterruptedException if interrupted while waiting for the stripe
     * @throws SyncException if the stripe's lock is corrupt or not recoverable
     * @throws MapCorruptedException if the map's memory breaks its invariants
     */
    public boolean put(MemorySegment key, MemorySegment value)
            throws InterruptedException, SyncException {
        return write(PUT, key, checkValue(value), null, null);
    }

    /**
     * Maps {@code key} to {@code value} only if the key is absent.
     *
     * @return true if it was absent and is now mapped
     * @throws MapFullException if the key is absent and its stripe is full
     */
    public boolean putIfAbsent(MemorySegment key, MemorySegment value)
            throws InterruptedException, SyncException {
        return write(PUT_IF_ABSENT, key, checkValue(value), null, null);
    }

    /**
     * Replaces the value of {@code key} only if the key is present.
     *
     * @return true if it was present and now maps to {@code value}
     */
    public boolean replace(MemorySegment key, MemorySegment value)
            throws InterruptedException, SyncException {
        return write(REPLACE, key, checkValue(value), null, null);
    }

    /**
     * Compare-and-set on the value bytes: replaces the value of {@code key} with {@code value} only
     * if its current bytes equal {@code expected}'s.
     *
     * @return true if it was replaced
     */
    public boolean replace(MemorySegment key, MemorySegment expected, MemorySegment value)
            throws InterruptedException, SyncException {
        Objects.requireNonNull(expected, "expected");
        return write(REPLACE_IF_EQUAL, key, checkValue(value), expected, null);
    }

    /**
     * Removes {@code key}.
     *
     * @return true if it was present
     */
    public boolean remove(MemorySegment key) throws InterruptedException, SyncException {
        return write(REMOVE, key, null, null, null);
    }

    /**
     * Updates the value of {@code key} in place if present: {@code updater} gets a writable copy of
     * the value (same length) and changes it; the result is published atomically when it returns.
     * Readers see the old or the new value; if the updater throws, nothing changes. The updater runs
     * while the stripe is locked: keep it short.
     *
     * @return true if the key was present and updated
     */
    public boolean computeIfPresent(MemorySegment key, ValueUpdater updater)
            throws InterruptedException, SyncException {
        Objects.requireNonNull(updater, "updater");
        return write(COMPUTE, key, null, null, updater);
    }

    private boolean write(int op, MemorySegment key, MemorySegment value, MemorySegment expected,
            ValueUpdater updater) throws InterruptedException, SyncException {
        long klen = checkKey(key);
        checkOpen();
        long h = MapLayout.hash(key, 0, klen, seed);
        int stripe = (int) (h >>> 32) & stripeMask;
        long base = stripeBase(stripe);
        int tag = (int) (h >>> 32);
        int home = (int) h & bucketMask;
        lock(stripe);
        try {
            hook("locked");
            int found = -1;
            int freeBucket = -1;
            long foundWord = 0;
            int i = 0;
            for (; i < buckets; i++) {
                int b = (home + i) & bucketMask;
                long w = bucket(base, b);
                if (w == EMPTY) {
                    if (freeBucket < 0) {
                        freeBucket = b;
                    }
                    break;
                }
                if (w == TOMBSTONE) {
                    if (freeBucket < 0) {
                        freeBucket = b;
                    }
                    continue;
                }
                long so = slotAt(base, w, stripe, b);
                if ((int) (w >>> 32) == tag && keyEquals(so, key, klen, stripe, b)) {
                    found = b;
                    foundWord = w;
                    break;
                }
            }
            if (found < 0) {
                if (op != PUT && op != PUT_IF_ABSENT) {
                    return false;
                }
                int size = counter(base, MapLayout.STRIPE_SIZE_OFFSET, entriesPerStripe, stripe);
                if (size >= entriesPerStripe) {
                    throw new MapFullException(Messages.format("map full: the key's stripe holds its maximum",
                            "location", where, "stripe", stripe, "entriesPerStripe", entriesPerStripe, "capacity",
                            capacity()), stripe);
                }
                if (freeBucket < 0) {
                    // More buckets than slots: a stripe with no free bucket has live words naming
                    // more entries than it has slots.
                    throw new MapCorruptedException(Messages.format("no free bucket in a stripe that is not full",
                            "location", where, "stripe", stripe, "size", size));
                }
                int slot = popFree(base, stripe);
                long so = slotOffset(base, slot);
                writeSlot(so, key, klen, value, value.byteSize(), null, 0);
                hook("written");
                boolean wasTombstone = bucket(base, freeBucket) == TOMBSTONE;
                publish(base, freeBucket, word(tag, slot));
                hook("published");
                map.set(I32, base + MapLayout.STRIPE_SIZE_OFFSET, size + 1);
                if (wasTombstone) {
                    addTombstones(base, -1);
                }
                bumpWrites(base);
                hook("done");
                return true;
            }
            long oldSo = slotAt(base, foundWord, stripe, found);
            int oldSlot = (int) foundWord - 1;
            int oldLength = valueLength(oldSo, stripe, found);
            switch (op) {
                case PUT_IF_ABSENT -> {
                    return false;
                }
                case REPLACE_IF_EQUAL -> {
                    if (oldLength != expected.byteSize() || MemorySegment.mismatch(map, oldSo + valueOffset,
                            oldSo + valueOffset + oldLength, expected, 0, expected.byteSize()) >= 0) {
                        return false;
                    }
                }
                case REMOVE -> {
                    removeBucket(base, found);
                    hook("published");
                    pushFree(base, oldSlot, stripe);
                    int size = counter(base, MapLayout.STRIPE_SIZE_OFFSET, entriesPerStripe, stripe);
                    map.set(I32, base + MapLayout.STRIPE_SIZE_OFFSET, Math.max(0, size - 1));
                    bumpWrites(base);
                    hook("done");
                    return true;
                }
                default -> {
                    // PUT, REPLACE, COMPUTE: replace below.
                }
            }
            int slot = popFree(base, stripe);
            long so = slotOffset(base, slot);
            if (op == COMPUTE) {
                try {
                    writeSlot(so, key, klen, map, oldLength, updater, oldSo + valueOffset);
                } catch (RuntimeException | Error e) {
                    pushFree(base, slot, stripe); // nobody names it: back to the free stack
                    throw e;
                }
            } else {
                writeSlot(so, key, klen, value, value.byteSize(), null, 0);
            }
            hook("written");
            publish(base, found, word(tag, slot));
            hook("published");
            pushFree(base, oldSlot, stripe);
            bumpWrites(base);
            hook("done");
            return op == PUT ? false : true;
        } finally {
            mutexes[stripe].unlock();
        }
    }

    /**
     * Writes key and value into a free slot under its seqlock: odd version, data, even version
     * (release). With an updater, the value bytes come from {@code src} at {@code srcOffset} and
     * the updater changes them in the slot before the version is made even again; if it throws,
     * the version is made even and the caller returns the slot to the free stack.
     */
    private void writeSlot(long so, MemorySegment key, long klen, MemorySegment src, long vlen, ValueUpdater updater,
            long srcOffset) {
        long v = (long) LONG.getOpaque(map, so);
        long odd = (v + 1) | 1;
        LONG.setOpaque(map, so, odd);
        // Store-store fence: the odd version is visible before any data store below, so a reader
        // that sees new data also sees the version move (pairs with the acquire fence in changed()).
        VarHandle.storeStoreFence();
        map.set(I32, so + MapLayout.SLOT_KEY_LENGTH_OFFSET, (int) klen);
        map.set(I32, so + MapLayout.SLOT_VALUE_LENGTH_OFFSET, (int) vlen);
        MemorySegment.copy(key, 0, map, so + MapLayout.SLOT_KEY_OFFSET, klen);
        hook("writing");
        MemorySegment.copy(src, srcOffset, map, so + valueOffset, vlen);
        if (updater != null) {
            try {
                updater.update(map.asSlice(so + valueOffset, vlen));
            } catch (RuntimeException | Error e) {
                LONG.setRelease(map, so, odd + 1);
                throw e;
            }
        }
        // Release: every data store above is visible to a reader that acquires this version.
        LONG.setRelease(map, so, odd + 1);
    }

    /** The one store that makes a write visible: a bucket now names the new slot (release). */
    private void publish(long base, int bucket, long word) {
        // Release: pairs with the readers' acquire load of the bucket; the slot's data and even
        // version are visible to whoever sees the new word.
        LONG.setRelease(map, base + bucketsOffset + 8L * bucket, word);
    }

    /**
     * Removes the entry in {@code b}: the bucket becomes EMPTY if the next one is (no probe runs
     * past it), and so do the tombstones just before it; otherwise it becomes a tombstone. Each
     * store is valid on its own, so a crash between them leaves a valid table.
     */
    private void removeBucket(long base, int b) {
        if (bucket(base, (b + 1) & bucketMask) != EMPTY) {
            publish(base, b, TOMBSTONE);
            addTombstones(base, 1);
            return;
        }
        publish(base, b, EMPTY);
        int p = (b - 1) & bucketMask;
        for (int n = 0; n < buckets - 1 && bucket(base, p) == TOMBSTONE; n++) {
            publish(base, p, EMPTY);
            addTombstones(base, -1);
            p = (p - 1) & bucketMask;
        }
    }

    private int popFree(long base, int stripe) {
        int free = counter(base, MapLayout.STRIPE_FREE_COUNT_OFFSET, slots, stripe);
        if (free == 0) {
            throw new MapCorruptedException(Messages.format("no free slot in a stripe that is not full",
                    "location", where, "stripe", stripe));
        }
        int slot = map.get(I32, base + MapLayout.FREE_STACK_OFFSET + 4L * (free - 1));
        if (slot < 0 || slot >= slots) {
            throw new MapCorruptedException(Messages.format("free-slot stack names a slot out of range", "location",
                    where, "stripe", stripe, "slot", slot, "slots", slots));
        }
        map.set(I32, base + MapLayout.STRIPE_FREE_COUNT_OFFSET, free - 1);
        return slot;
    }

    private void pushFree(long base, int slot, int stripe) {
        int free = counter(base, MapLayout.STRIPE_FREE_COUNT_OFFSET, slots, stripe);
        if (free >= slots) {
            throw new MapCorruptedException(Messages.format("free-slot stack overflows", "location", where, "stripe",
                    stripe, "freeCount", free, "slots", slots));
        }
        map.set(I32, base + MapLayout.FREE_STACK_OFFSET + 4L * free, slot);
        map.set(I32, base + MapLayout.STRIPE_FREE_COUNT_OFFSET, free + 1);
    }

    private void addTombstones(long base, int delta) {
        int t = map.get(I32, base + MapLayout.STRIPE_TOMBSTONES_OFFSET);
        map.set(I32, base + MapLayout.STRIPE_TOMBSTONES_OFFSET, Math.clamp((long) t + delta, 0, buckets));
    }

    private void bumpWrites(long base) {
        LONG.setOpaque(map, base + MapLayout.STRIPE_WRITES_OFFSET,
                (long) LONG.getOpaque(map, base + MapLayout.STRIPE_WRITES_OFFSET) + 1);
    }

    private int counter(long base, long offset, int max, int stripe) {
        int v = (int) INT.getOpaque(map, base + offset);
        if (v < 0 || v > max) {
            throw new MapCorruptedException(Messages.format("stripe counter out of range", "location", where,
                    "stripe", stripe, "counter", offset == MapLayout.STRIPE_SIZE_OFFSET ? "size" : "freeCount",
                    "value", v, "max", max));
        }
        return v;
    }

    private boolean keyEquals(long so, MemorySegment key, long klen, int stripe, int b) {
        int kl = map.get(I32, so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
        if (kl < 1 || kl > maxKey) {
            throw badSlot(stripe, b, so, kl, map.get(I32, so + MapLayout.SLOT_VALUE_LENGTH_OFFSET));
        }
        return sameKey(so, kl, key, klen);
    }

    /** Whether the slot's key ({@code kl} bytes, already checked) is {@code key}; 8-byte keys in one compare. */
    private boolean sameKey(long so, int kl, MemorySegment key, long klen) {
        if (kl != klen) {
            return false;
        }
        if (kl == 8) {
            return map.get(I64, so + MapLayout.SLOT_KEY_OFFSET) == key.get(MapLayout.U64, 0);
        }
        return MemorySegment.mismatch(map, so + MapLayout.SLOT_KEY_OFFSET, so + MapLayout.SLOT_KEY_OFFSET + kl, key, 0,
                klen) < 0;
    }

    private int valueLength(long so, int stripe, int b) {
        int vl = map.get(I32, so + MapLayout.SLOT_VALUE_LENGTH_OFFSET);
        if (vl < 0 || vl > maxValue) {
            throw badSlot(stripe, b, so, map.get(I32, so + MapLayout.SLOT_KEY_LENGTH_OFFSET), vl);
        }
        return vl;
    }

    private void lock(int stripe) throws InterruptedException, SyncException {
        SharedMutex mutex = mutexes[stripe];
        if (mutex.lock() == LockResult.OWNER_DIED) {
            try {
                recover(stripe);
            } catch (RuntimeException | Error e) {
                // Unlocking without markConsistent() leaves the stripe not recoverable: right, since
                // its structure could not be repaired.
                mutex.unlock();
                throw e;
            }
            mutex.markConsistent();
        }
    }

    /**
     * Repairs a stripe whose last writer died holding its lock. The buckets are the truth (every
     * write became visible through one bucket store, or not at all); everything else is rebuilt
     * from them: the free-slot stack (slots no bucket names, including the one the dead writer was
     * filling), the size and tombstone counts, and the version of a slot left mid-write.
     */
    private void recover(int stripe) {
        long base = stripeBase(stripe);
        boolean[] used = new boolean[slots];
        int live = 0;
        int tombstones = 0;
        for (int b = 0; b < buckets; b++) {
            long w = bucket(base, b);
            if (w == EMPTY) {
                continue;
            }
            if (w == TOMBSTONE) {
                tombstones++;
                continue;
            }
            long so = slotAt(base, w, stripe, b);
            int slot = (int) w - 1;
            if (used[slot]) {
                throw new MapCorruptedException(Messages.format("two buckets name one slot", "location", where,
                        "stripe", stripe, "bucket", b, "slot", slot));
            }
            if (((long) LONG.getOpaque(map, so) & 1) != 0) {
                throw new MapCorruptedException(Messages.format("a bucket names a slot left mid-write", "location",
                        where, "stripe", stripe, "bucket", b, "slot", slot));
            }
            used[slot] = true;
            live++;
        }
        if (live > entriesPerStripe) {
            throw new MapCorruptedException(Messages.format("stripe holds more entries than it may", "location", where,
                    "stripe", stripe, "entries", live, "entriesPerStripe", entriesPerStripe));
        }
        int free = 0;
        for (int slot = 0; slot < slots; slot++) {
            if (used[slot]) {
                continue;
            }
            long so = slotOffset(base, slot);
            long v = (long) LONG.getOpaque(map, so);
            if ((v & 1) != 0) {
                LONG.setRelease(map, so, v + 1);
            }
            map.set(I32, base + MapLayout.FREE_STACK_OFFSET + 4L * free++, slot);
        }
        map.set(I32, base + MapLayout.STRIPE_FREE_COUNT_OFFSET, free);
        map.set(I32, base + MapLayout.STRIPE_SIZE_OFFSET, live);
        map.set(I32, base + MapLayout.STRIPE_TOMBSTONES_OFFSET, tombstones);
        bumpWrites(base);
        hook("recovered");
    }

    // ---- size, iteration, checks ---------------------------------------------------------------

    /** Entries in the map now (each stripe's count, read without locks; racing writes may or may not count). */
    public long size() {
        checkOpen();
        long n = 0;
        for (int s = 0; s < stripes; s++) {
            n += Math.clamp((int) INT.getOpaque(map, stripeBase(s) + MapLayout.STRIPE_SIZE_OFFSET), 0,
                    entriesPerStripe);
        }
        return n;
    }

    /** Whether the map holds no entry. */
    public boolean isEmpty() {
        return size() == 0;
    }

    /**
     * Iterates over the entries, without locks. Each entry is a consistent copy (one whole key and
     * the value it had at one moment); entries written while the iteration runs may or may not be
     * seen, and none is seen twice unless it was removed and added again meanwhile.
     */
    @Override
    public Iterator<Entry> iterator() {
        checkOpen();
        return new Iterator<>() {
            private int stripe;
            private int bucket;
            private Entry next;

            @Override
            public boolean hasNext() {
                while (next == null && stripe < stripes) {
                    next = readEntry(stripe, bucket);
                    if (++bucket == buckets) {
                        bucket = 0;
                        stripe++;
                    }
                }
                return next != null;
            }

            @Override
            public Entry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Entry e = next;
                next = null;
                return e;
            }
        };
    }

    /** The entry in one bucket as a consistent copy, or null when the bucket holds none. */
    private Entry readEntry(int stripe, int b) {
        long base = stripeBase(stripe);
        long started = 0;
        for (int attempt = 0;; attempt++) {
            long at = base + bucketsOffset + 8L * b;
            long w = (long) LONG.getAcquire(map, at);
            if (w == EMPTY || w == TOMBSTONE) {
                return null;
            }
            long so = slotAt(base, w, stripe, b);
            long v1 = (long) LONG.getAcquire(map, so);
            if ((v1 & 1) == 0) {
                int kl = map.get(I32, so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
                int vl = map.get(I32, so + MapLayout.SLOT_VALUE_LENGTH_OFFSET);
                if (kl >= 1 && kl <= maxKey && vl >= 0 && vl <= maxValue) {
                    byte[] k = map.asSlice(so + MapLayout.SLOT_KEY_OFFSET, kl).toArray(ValueLayout.JAVA_BYTE);
                    byte[] v = map.asSlice(so + valueOffset, vl).toArray(ValueLayout.JAVA_BYTE);
                    if (!changed(at, w, so, v1)) {
                        return new Entry(MemorySegment.ofArray(k), MemorySegment.ofArray(v));
                    }
                } else if (!changed(at, w, so, v1)) {
                    throw badSlot(stripe, b, so, kl, vl);
                }
            }
            started = backOff(attempt, started, stripe);
        }
    }

    /** One entry of an iteration: copies of the key and the value, on the heap. */
    public record Entry(MemorySegment key, MemorySegment value) {}

    /**
     * Checks the whole structure, stripe by stripe with each stripe locked (a stripe whose writer
     * died is repaired first): every bucket names a distinct slot in range whose key hashes to
     * that stripe and is reachable from its home bucket, no key appears twice, every count matches,
     * and the free-slot stack holds exactly the slots no bucket names.
     *
     * @return the entries counted and the problems found (none in a consistent map)
     */
    public MapCheck check() throws InterruptedException, SyncException {
        checkOpen();
        List<String> problems = new ArrayList<>();
        long entries = 0;
        for (int s = 0; s < stripes; s++) {
            lock(s);
            try {
                entries += checkStripe(s, problems);
            } finally {
                mutexes[s].unlock();
            }
        }
        return new MapCheck(entries, problems);
    }

    private long checkStripe(int stripe, List<String> problems) {
        long base = stripeBase(stripe);
        boolean[] used = new boolean[slots];
        Set<String> keys = new HashSet<>();
        int live = 0;
        int tombstones = 0;
        for (int b = 0; b < buckets; b++) {
            long w = bucket(base, b);
            if (w == EMPTY) {
                continue;
            }
            if (w == TOMBSTONE) {
                tombstones++;
                continue;
            }
            int slot = (int) w - 1;
            if (slot < 0 || slot >= slots) {
                problems.add(Messages.format("bucket names a slot out of range", "stripe", stripe, "bucket", b,
                        "word", MapBlock.hex(w)));
                continue;
            }
            if (used[slot]) {
                problems.add(Messages.format("two buckets name one slot", "stripe", stripe, "bucket", b, "slot", slot));
                continue;
            }
            used[slot] = true;
            live++;
            long so = slotOffset(base, slot);
            long v = map.get(I64, so);
            int kl = map.get(I32, so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
            int vl = map.get(I32, so + MapLayout.SLOT_VALUE_LENGTH_OFFSET);
            if ((v & 1) != 0 || kl < 1 || kl > maxKey || vl < 0 || vl > maxValue) {
                problems.add(Messages.format("bad slot", "stripe", stripe, "bucket", b, "slot", slot, "version", v,
                        "keyLength", kl, "valueLength", vl));
                continue;
            }
            long h = MapLayout.hash(map, so + MapLayout.SLOT_KEY_OFFSET, kl, seed);
            if (((int) (h >>> 32) & stripeMask) != stripe || (int) (h >>> 32) != (int) (w >>> 32)) {
                problems.add(Messages.format("key hashes elsewhere", "stripe", stripe, "bucket", b, "slot", slot));
            }
            int home = (int) h & bucketMask;
            for (int p = home; p != b; p = (p + 1) & bucketMask) {
                if (bucket(base, p) == EMPTY) {
                    problems.add(Messages.format("key unreachable: an empty bucket before it", "stripe", stripe,
                            "bucket", b, "home", home, "empty", p));
                    break;
                }
            }
            String hex = java.util.HexFormat.of().formatHex(map.asSlice(so + MapLayout.SLOT_KEY_OFFSET, kl)
                    .toArray(ValueLayout.JAVA_BYTE));
            if (!keys.add(hex)) {
                problems.add(Messages.format("key stored twice", "stripe", stripe, "key", hex));
            }
        }
        int size = map.get(I32, base + MapLayout.STRIPE_SIZE_OFFSET);
        int free = map.get(I32, base + MapLayout.STRIPE_FREE_COUNT_OFFSET);
        int storedTombstones = map.get(I32, base + MapLayout.STRIPE_TOMBSTONES_OFFSET);
        if (size != live) {
            problems.add(Messages.format("size does not match the buckets", "stripe", stripe, "size", size, "live",
                    live));
        }
        if (storedTombstones != tombstones) {
            problems.add(Messages.format("tombstone count does not match", "stripe", stripe, "stored",
                    storedTombstones, "counted", tombstones));
        }
        if (free != slots - live) {
            problems.add(Messages.format("free count does not match", "stripe", stripe, "freeCount", free, "expected",
                    slots - live));
        } else {
            boolean[] seen = new boolean[slots];
            for (int i = 0; i < free; i++) {
                int slot = map.get(I32, base + MapLayout.FREE_STACK_OFFSET + 4L * i);
                if (slot < 0 || slot >= slots || used[slot] || seen[slot]) {
                    problems.add(Messages.format("free-slot stack entry invalid", "stripe", stripe, "index", i, "slot",
                            slot));
                    break;
                }
                seen[slot] = true;
            }
        }
        return live;
    }

    /** Entries, load, and each stripe's counts and lock holder, read without locks. */
    public MapStats stats() {
        checkOpen();
        return MapStats.read(map, map.byteSize());
    }

    // ---- accessors -----------------------------------------------------------------------------

    /** Views with {@code long} keys (8 bytes, little-endian, as C and Python see them). */
    public LongKeyMap longKeys() {
        if (maxKey < 8) {
            throw new IllegalStateException(Messages.format("map keys too short for long keys", "location", where,
                    "maxKeyBytes", maxKey));
        }
        return new LongKeyMap(this);
    }

    /** Views with {@code String} keys and values, stored as UTF-8. */
    public StringMap strings() {
        return new StringMap(this);
    }

    /** The most entries the map can hold: stripes times entries per stripe. */
    public long capacity() {
        return (long) stripes * entriesPerStripe;
    }

    /** The entry count asked for at creation ({@link MapSpec#entries()}). */
    public long requestedEntries() {
        return requestedEntries;
    }

    /** Entries one stripe can hold; a new key whose stripe holds this many is refused. */
    public int entriesPerStripe() {
        return entriesPerStripe;
    }

    /** Stripes (independent write locks). */
    public int stripes() {
        return stripes;
    }

    public int maxKeyBytes() {
        return maxKey;
    }

    public int maxValueBytes() {
        return maxValue;
    }

    /** Whether the call that returned this handle built the map. */
    public boolean created() {
        return created;
    }

    /** The map's memory. */
    public MemorySegment segment() {
        return map;
    }

    /**
     * Unmaps a named map (never removes it); for a placed map, only stops this handle. Every later
     * call on this handle throws {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && view != null) {
            view.close();
        }
    }

    @Override
    public String toString() {
        return Messages.format("SharedMap", "location", where, "stripes", stripes, "capacity", capacity(),
                "maxKeyBytes", maxKey, "maxValueBytes", maxValue);
    }

    // ---- internals -----------------------------------------------------------------------------

    private long stripeBase(int stripe) {
        return stripesOffset + stripe * stripeBytes;
    }

    private long slotOffset(long base, int slot) {
        return base + slotsOffset + slot * slotBytes;
    }

    private long bucket(long base, int b) {
        return (long) LONG.getOpaque(map, base + bucketsOffset + 8L * b);
    }

    /** The offset of the slot a live bucket word names, after checking the slot exists. */
    private long slotAt(long base, long w, int stripe, int b) {
        int slot = (int) w - 1;
        if (slot < 0 || slot >= slots) {
            throw new MapCorruptedException(Messages.format("bucket names a slot out of range", "location", where,
                    "stripe", stripe, "bucket", b, "word", MapBlock.hex(w), "slots", slots));
        }
        return base + slotsOffset + slot * slotBytes;
    }

    private static long word(int tag, int slot) {
        return ((long) tag << 32) | (slot + 1);
    }

    private MapCorruptedException badSlot(int stripe, int b, long so, int kl, int vl) {
        return new MapCorruptedException(Messages.format("slot holds lengths out of range", "location", where,
                "stripe", stripe, "bucket", b, "slotOffset", so, "keyLength", kl, "valueLength", vl, "maxKeyBytes",
                maxKey, "maxValueBytes", maxValue));
    }

    private long checkKey(MemorySegment key) {
        long n = Objects.requireNonNull(key, "key").byteSize();
        if (n < 1 || n > maxKey) {
            throw new IllegalArgumentException(Messages.format("key length out of range", "keyLength", n,
                    "maxKeyBytes", maxKey));
        }
        return n;
    }

    private MemorySegment checkValue(MemorySegment value) {
        long n = Objects.requireNonNull(value, "value").byteSize();
        if (n > maxValue) {
            throw new IllegalArgumentException(Messages.format("value too long", "valueLength", n, "maxValueBytes",
                    maxValue));
        }
        return value;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException(Messages.format("map is closed", "location", where));
        }
    }

    private static void hook(String point) {
        Consumer<String> h = testHook;
        if (h != null) {
            h.accept(point);
        }
    }

    private static String describe(MemorySegment at) {
        return "0x" + Long.toHexString(at.address());
    }
}
