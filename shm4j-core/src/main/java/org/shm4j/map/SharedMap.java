package org.shm4j.map;

import static org.shm4j.map.MapLayout.EMPTY;
import static org.shm4j.map.MapLayout.I32;
import static org.shm4j.map.MapLayout.I64;
import static org.shm4j.map.MapLayout.TOMBSTONE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.Absolute;
import org.shm4j.internal.block.Blocks;
import org.shm4j.internal.block.DeferredUnmap;
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
 * through {@link LockResult#OWNER_DIED} before the write goes on. Each blocking write has a timed
 * form ({@link #tryPut(MemorySegment, MemorySegment, Duration)} and the other {@code try} methods)
 * that returns an empty {@code Optional} when a live holder keeps the stripe past the timeout.
 *
 * <p>Instances are thread-safe. {@link #close()} detaches a named map from this process (never
 * removes it; use {@link org.shm4j.SharedMemory#remove}), safely even while other threads are
 * inside calls; for a map placed in a caller's segment it only stops this handle.
 */
public final class SharedMap implements AutoCloseable, Iterable<SharedMap.Entry> {
    private static final VarHandle LONG = I64.varHandle();
    private static final VarHandle INT = I32.varHandle();
    private static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofSeconds(2);
    /** How long a lock-free read keeps retrying a slot that keeps changing before it calls the map corrupt. */
    private static final long READ_RETRY_NANOS = 1_000_000_000L;
    /** Attempts a read makes on a slot that stays mid-write between two checks of the stripe ({@link #oddSlot}). */
    private static final int ODD_SPINS = 128;
    /** Buckets the inlined 8-byte-key lookup probes before it leaves the rest to the full lookup. */
    private static final int FAST_PROBES = 4;

    private static final int PUT = 0;
    private static final int PUT_IF_ABSENT = 1;
    private static final int REPLACE = 2;
    private static final int REPLACE_IF_EQUAL = 3;
    private static final int REMOVE = 4;
    private static final int COMPUTE = 5;

    private static final int NO = 0;
    private static final int YES = 1;
    private static final int TIMED_OUT = 2;
    private static final Optional<Boolean> TIMED_OUT_RESULT = Optional.empty();
    private static final Optional<Boolean> YES_RESULT = Optional.of(Boolean.TRUE);
    private static final Optional<Boolean> NO_RESULT = Optional.of(Boolean.FALSE);

    /**
     * Crash-test hook: called with the name of each point of the write protocol. Tests set it in a
     * child process to stop there and be killed; null otherwise.
     */
    static Consumer<String> testHook;

    private final MemorySegment map;
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
    /**
     * Whether the hot paths reach the map by absolute address through {@link Absolute#MEMORY}: a
     * named map, whose mapping this handle owns and never unmaps under a thread inside a call
     * ({@link #close()}). A map in a caller's segment keeps the scoped segment: the caller may close
     * its arena at any time.
     */
    private final boolean direct;
    /** The map's address when {@link #direct}, else 0: every offset below is added to it. */
    private final long address;
    private volatile boolean closed;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Writes (and checks) in flight: each keeps the shared memory mapped until it ends. */
    private final AtomicInteger writers = new AtomicInteger();
    /**
     * Detaches, then unmaps, a named map's mapping; null for a map in a caller's segment. Writes
     * hold the mapping ({@link #writers}), so close() never detaches under them.
     */
    private final DeferredUnmap release;

    private SharedMap(MapBlock.Opened o) throws IOException {
        MapSpec.Geometry g = o.header().geometry();
        this.map = o.block().asSlice(0, g.totalBytes());
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
        // The map format is little-endian; Absolute's accessors use the native order.
        this.direct = o.view() != null && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        this.address = direct ? map.address() : 0;
        this.release = o.view() == null ? null : DeferredUnmap.register(this, o.view());
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
     * @throws MapFormatException if there is no map there, if {@code at} is shorter than a map's
     *     header ({@link MapLayout#HEADER_BYTES}) or than the map its header describes, or if the
     *     header is invalid; the message names the sizes
     * @throws IllegalArgumentException if {@code at} is not native, is read-only, or does not start
     *     on an 8-byte boundary
     */
    public static SharedMap open(MemorySegment at, MapOption... options) throws IOException {
        Settings o = Settings.of(options);
        if (Objects.requireNonNull(at, "at").byteSize() < MapLayout.HEADER_BYTES) {
            // Too short for a header is a format fact about the memory (as a header that claims more
            // than the segment holds), not a programming error: a typed error with the sizes.
            throw new MapFormatException(Messages.format("segment too small to hold a map", "location", describe(at),
                    "byteSize", at.byteSize(), "required", MapLayout.HEADER_BYTES));
        }
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
        try {
            long klen = checkKey(key);
            Objects.requireNonNull(into, "into");
            if (klen == 8) {
                // The key read once: it feeds the hash and the key compare (hash() of 8 bytes is hashLong()).
                long k = key.get(MapLayout.U64, 0);
                return getLong8(k, MapLayout.hashLong(k, seed), into);
            }
            checkOpen();
            return getSlow(key, klen, 0, MapLayout.hash(key, 0, klen, seed), into);
        } finally {
            // Keeps this handle reachable until its last absolute access: see DeferredUnmap.
            Reference.reachabilityFence(this);
        }
    }

    /** {@link #get(MemorySegment, MemorySegment)} of the 8-byte little-endian key {@code longKey}, for {@link LongKeyMap}. */
    long getLong(long longKey, MemorySegment into) {
        try {
            if (maxKey < 8) {
                throw new IllegalArgumentException(Messages.format("key length out of range", "keyLength", 8,
                        "maxKeyBytes", maxKey));
            }
            Objects.requireNonNull(into, "into");
            return getLong8(longKey, MapLayout.hashLong(longKey, seed), into);
        } finally {
            // Keeps this handle reachable until its last absolute access: see DeferredUnmap.
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The common case of an 8-byte key, small enough to inline into the caller: the key's home
     * bucket names its slot and no writer races the read. Everything else (a probe past the home
     * bucket, a miss, a slot mid-write, a value longer than {@code into}, bytes out of range) goes to
     * {@link #getSlow}, which decides. Every offset is validated before it becomes an address: the
     * bucket index is masked, the slot index is checked against the stripe's slots, the value length
     * against the map's maximum and {@code into}.
     */
    private long getLong8(long k, long h, MemorySegment into) {
        if (closed) {
            throw closedError();
        }
        int tag = (int) (h >>> 32);
        long base = stripesOffset + (tag & stripeMask) * stripeBytes;
        int home = (int) h;
        for (int i = 0; i < FAST_PROBES; i++) {
            long at = base + bucketsOffset + 8L * ((home + i) & bucketMask);
            // Acquire: pairs with the release store that published the bucket (publish()).
            long w = loadAcquire(at);
            if (w == EMPTY) {
                return absent();
            }
            if ((int) (w >>> 32) != tag) {
                continue; // another key, or a tombstone (unless this key's tag is all ones: then the slot check)
            }
            long slot = (w & 0xFFFF_FFFFL) - 1; // a tombstone gives 2^32 - 2: out of range
            if (slot >= 0 && slot < slots) {
                long so = base + slotsOffset + slot * slotBytes;
                // Acquire: pairs with the release store that ended the slot's last write (writeSlot()).
                long v1 = loadAcquire(so);
                // Key and value length in one load (little-endian: key length in the low half).
                long lengths = load(so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
                long vl = lengths >>> 32;
                if ((v1 & 1) == 0 && (int) lengths == 8 && vl <= maxValue && vl <= into.byteSize()
                        && load(so + MapLayout.SLOT_KEY_OFFSET) == k) {
                    copyOut(so + valueOffset, into, vl);
                    if (!changed(at, w, so, v1)) {
                        // A detached (closed) map reads as zeros, and zeros never pass the checks above.
                        return vl;
                    }
                }
            }
            break; // the tag matched but the read did not conclude: the full lookup decides
        }
        return getSlow(null, 8, k, h, into);
    }

    /**
     * The lookup of {@code key} ({@code klen} bytes), or of {@code longKey} when {@code key} is null:
     * the whole probe, with retries when a writer races the read.
     */
    private long getSlow(MemorySegment key, long klen, long longKey, long h, MemorySegment into) {
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
                    long w = loadAcquire(at);
                    if (w == EMPTY) {
                        return absent();
                    }
                    if (w == TOMBSTONE || (int) (w >>> 32) != tag) {
                        continue;
                    }
                    long so = slotAt(base, w, stripe, b);
                    // Acquire: pairs with the release store that ended the slot's last write (writeSlot()).
                    long v1 = loadAcquire(so);
                    if ((v1 & 1) != 0) {
                        oddSlot(attempt, started, stripe, b, at, w, so, v1);
                        break retry;
                    }
                    long lengths = load(so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
                    int kl = (int) lengths;
                    int vl = (int) (lengths >>> 32);
                    if (kl < 1 || kl > maxKey || vl < 0 || vl > maxValue) {
                        if (changed(at, w, so, v1)) {
                            break retry;
                        }
                        throw badSlot(stripe, b, so, kl, vl);
                    }
                    boolean match = key == null ? kl == 8 && load(so + MapLayout.SLOT_KEY_OFFSET) == longKey
                            : sameKey(so, kl, key, klen);
                    if (match && vl <= into.byteSize()) {
                        copyOut(so + valueOffset, into, vl);
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
                return absent();
            }
            started = backOff(attempt, started, stripe);
        }
    }

    /** -1 for a key found absent, unless the map was closed meanwhile (its memory may read as zeros). */
    private long absent() {
        if (closed) {
            throw closedError();
        }
        return -1;
    }

    // ---- memory access: absolute addresses for a named map, the scoped segment otherwise ---------

    private long loadAcquire(long offset) {
        return direct ? (long) Absolute.LONG.getAcquire(Absolute.MEMORY, address + offset)
                : (long) LONG.getAcquire(map, offset);
    }

    private long load(long offset) {
        return direct ? (long) Absolute.LONG.get(Absolute.MEMORY, address + offset) : map.get(I64, offset);
    }

    private long loadOpaque(long offset) {
        return direct ? (long) Absolute.LONG.getOpaque(Absolute.MEMORY, address + offset)
                : (long) LONG.getOpaque(map, offset);
    }

    private int loadInt(long offset) {
        return direct ? (int) Absolute.INT.get(Absolute.MEMORY, address + offset) : map.get(I32, offset);
    }

    private int loadIntOpaque(long offset) {
        return direct ? (int) Absolute.INT.getOpaque(Absolute.MEMORY, address + offset)
                : (int) INT.getOpaque(map, offset);
    }

    // Stores: only under a stripe lock, by a write that holds the mapping (enterWrite()).

    private void storeInt(long offset, int value) {
        if (direct) {
            Absolute.INT.set(Absolute.MEMORY, address + offset, value);
        } else {
            map.set(I32, offset, value);
        }
    }

    private void storeOpaque(long offset, long value) {
        if (direct) {
            Absolute.LONG.setOpaque(Absolute.MEMORY, address + offset, value);
        } else {
            LONG.setOpaque(map, offset, value);
        }
    }

    private void storeRelease(long offset, long value) {
        if (direct) {
            Absolute.LONG.setRelease(Absolute.MEMORY, address + offset, value);
        } else {
            LONG.setRelease(map, offset, value);
        }
    }

    /** Copies {@code length} bytes of {@code src} at {@code srcOffset} to {@code offset} of the map (validated by the caller). */
    private void copyIn(MemorySegment src, long srcOffset, long offset, long length) {
        if (direct) {
            MemorySegment.copy(src, srcOffset, Absolute.MEMORY, address + offset, length);
        } else {
            MemorySegment.copy(src, srcOffset, map, offset, length);
        }
    }

    /** Copies {@code length} bytes at {@code offset} of the map (validated by the caller) to the start of {@code into}. */
    private void copyOut(long offset, MemorySegment into, long length) {
        if (direct) {
            MemorySegment.copy(Absolute.MEMORY, address + offset, into, 0, length);
        } else {
            MemorySegment.copy(map, offset, into, 0, length);
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
        try {
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
                        long w = loadAcquire(at);
                        if (w == EMPTY) {
                            checkOpen(); // a closed map's memory may read as zeros
                            return null;
                        }
                        if (w == TOMBSTONE || (int) (w >>> 32) != tag) {
                            continue;
                        }
                        long so = slotAt(base, w, stripe, b);
                        long v1 = loadAcquire(so);
                        if ((v1 & 1) != 0) {
                            oddSlot(attempt, started, stripe, b, at, w, so, v1);
                            break retry;
                        }
                        int kl = loadInt(so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
                        int vl = loadInt(so + MapLayout.SLOT_VALUE_LENGTH_OFFSET);
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
                    checkOpen();
                    return null;
                }
                started = backOff(attempt, started, stripe);
            }
        } finally {
            // Keeps this handle reachable until its last absolute access: see DeferredUnmap.
            Reference.reachabilityFence(this);
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
        return loadAcquire(bucketAt) != w || loadOpaque(so) != v1;
    }

    /**
     * A read found the slot that bucket {@code b} names mid-write (odd version {@code v1}). That is
     * normal for a moment: the slot was freed and is being rewritten, and the bucket already names
     * another slot (the retry finds it). A slot a bucket keeps naming while it stays odd is not: the
     * write protocol only ever writes slots no bucket names, so no writer will make it even. After
     * {@value #ODD_SPINS} attempts, and then every {@value #ODD_SPINS}, this checks: if the bucket and
     * the version are unchanged and the stripe's lock can be taken without waiting (free, or its
     * holder died: the stripe is repaired first), no write can be under way, and the slot is
     * reported ({@link MapCorruptedException} naming stripe, bucket, slot and version). While a live
     * writer holds the lock, the read keeps retrying, up to {@link #READ_RETRY_NANOS}.
     */
    private void oddSlot(int attempt, long started, int stripe, int b, long at, long w, long so, long v1) {
        if (attempt < ODD_SPINS || closed) {
            return;
        }
        if (started == RETRY_TIME_UP || (started != 0 && System.nanoTime() - started > READ_RETRY_NANOS)) {
            throw new MapCorruptedException(Messages.format(
                    "a bucket names a slot that stayed mid-write while a live writer held its stripe", "location",
                    where, "stripe", stripe, "bucket", b, "slot", (int) w - 1, "version", v1, "holderPid",
                    mutexes[stripe].holderPid().stream().mapToObj(Long::toString).findFirst().orElse("none"),
                    "waitedMillis", READ_RETRY_NANOS / 1_000_000));
        }
        if (attempt % ODD_SPINS != 0) {
            return;
        }
        VarHandle.acquireFence();
        if (loadAcquire(at) != w || loadOpaque(so) != v1) {
            return;
        }
        // Taking the stripe lock writes shared memory: like a write, hold the mapping meanwhile, so
        // a close() cannot detach it between lock and unlock (the unlock would miss the shared lock).
        enterWrite();
        try {
            inspectUnderLock(stripe, b, at, w, so, v1);
        } finally {
            leaveWrite();
        }
    }

    /** {@link #oddSlot}'s look under the stripe lock, taken only if that needs no wait. */
    private void inspectUnderLock(int stripe, int b, long at, long w, long so, long v1) {
        SharedMutex mutex = mutexes[stripe];
        Optional<LockResult> locked;
        try {
            locked = mutex.tryLock();
        } catch (SyncException e) {
            throw new MapCorruptedException(Messages.format("a slot stays mid-write and its stripe's lock is unusable",
                    "location", where, "stripe", stripe, "bucket", b, "slot", (int) w - 1, "version", v1, "cause",
                    e.getMessage()));
        } catch (IllegalStateException e) {
            return; // this thread holds the stripe (a reader inside a write's callback): nothing to judge
        }
        if (locked.isEmpty()) {
            return; // a live writer holds the stripe: keep retrying
        }
        try {
            if (locked.get() == LockResult.OWNER_DIED) {
                recover(stripe); // throws for a bucket naming an odd slot; the stripe is then not recoverable
                mutex.markConsistent();
            }
            if (loadAcquire(at) == w && (loadOpaque(so) & 1) != 0) {
                throw new MapCorruptedException(Messages.format(
                        "a bucket names a slot left mid-write, and no writer holds its stripe", "location", where,
                        "stripe", stripe, "bucket", b, "slot", (int) w - 1, "version", loadOpaque(so)));
            }
        } finally {
            mutex.unlock();
        }
    }

    /**
     * What {@link #backOff} returns once the retry time is up: one more attempt follows, so that a
     * slot still mid-write is reported by {@link #oddSlot} with its details (slot, version,
     * holder); a read that retried for another reason gets the general error at its next back-off.
     */
    private static final long RETRY_TIME_UP = Long.MIN_VALUE;

    private long backOff(int attempt, long started, int stripe) {
        if (attempt < 64) {
            Thread.onSpinWait();
            return started;
        }
        if (started == RETRY_TIME_UP) {
            throw new MapCorruptedException(Messages.format(
                    "a read kept meeting a slot mid-write: a slot a bucket names stays odd", "location", where,
                    "stripe", stripe, "waitedMillis", READ_RETRY_NANOS / 1_000_000));
        }
        long now = System.nanoTime();
        if (started == 0) {
            return now;
        }
        if (now - started > READ_RETRY_NANOS) {
            return RETRY_TIME_UP;
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
        return write(PUT, key, checkValue(value), null, null, null) == YES;
    }

    /**
     * Maps {@code key} to {@code value} only if the key is absent.
     *
     * @return true if it was absent and is now mapped
     * @throws MapFullException if the key is absent and its stripe is full
     */
    public boolean putIfAbsent(MemorySegment key, MemorySegment value)
            throws InterruptedException, SyncException {
        return write(PUT_IF_ABSENT, key, checkValue(value), null, null, null) == YES;
    }

    /**
     * Replaces the value of {@code key} only if the key is present.
     *
     * @return true if it was present and now maps to {@code value}
     */
    public boolean replace(MemorySegment key, MemorySegment value)
            throws InterruptedException, SyncException {
        return write(REPLACE, key, checkValue(value), null, null, null) == YES;
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
        return write(REPLACE_IF_EQUAL, key, checkValue(value), expected, null, null) == YES;
    }

    /**
     * Removes {@code key}.
     *
     * @return true if it was present
     */
    public boolean remove(MemorySegment key) throws InterruptedException, SyncException {
        return write(REMOVE, key, null, null, null, null) == YES;
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
        return write(COMPUTE, key, null, null, updater, null) == YES;
    }

    // ---- timed writes --------------------------------------------------------------------------

    private static Optional<Boolean> timed(int outcome) {
        return outcome == TIMED_OUT ? TIMED_OUT_RESULT : outcome == YES ? YES_RESULT : NO_RESULT;
    }

    /**
     * {@link #put} that waits at most {@code timeout} for the key's stripe. Timing out is an outcome,
     * not an error, as for every timed wait in shm4j ({@code SharedMutex.tryLock(Duration)}): the
     * result is empty when a live writer (in any process) held the stripe for the whole timeout, and
     * nothing was written; otherwise it holds what {@link #put} returns. A stripe whose holder died
     * is repaired and written at once. The wait parks a virtual thread. Allocates nothing in steady
     * state.
     *
     * {@snippet :
     * Optional<Boolean> r = map.tryPut(key, value, Duration.ofMillis(50));
     * if (r.isEmpty()) {
     *     // a live writer kept the stripe locked: retry later, or report it (stats() names the holder)
     * }
     * }
     *
     * @param timeout how long to wait for the stripe; {@link Duration#ZERO} tries once
     * @return empty on timeout, else whether the key was new
     * @throws MapFullException if the key is new and its stripe is full (nothing is written)
     * @throws IllegalArgumentException if the key or value is too long, the key empty, or the
     *     timeout negative
     * @throws InterruptedException if interrupted while waiting for the stripe
     * @throws SyncException if the stripe's lock is corrupt or not recoverable
     * @throws MapCorruptedException if the map's memory breaks its invariants
     * @throws IllegalStateException if this handle is closed
     */
    public Optional<Boolean> tryPut(MemorySegment key, MemorySegment value, Duration timeout)
            throws InterruptedException, SyncException {
        return timed(write(PUT, key, checkValue(value), null, null, Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * {@link #putIfAbsent} waiting at most {@code timeout} for the stripe.
     *
     * @return empty on timeout (nothing written), else what {@link #putIfAbsent} returns; errors as
     *     {@link #tryPut}
     */
    public Optional<Boolean> tryPutIfAbsent(MemorySegment key, MemorySegment value, Duration timeout)
            throws InterruptedException, SyncException {
        return timed(write(PUT_IF_ABSENT, key, checkValue(value), null, null,
                Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * {@link #replace(MemorySegment, MemorySegment)} waiting at most {@code timeout} for the stripe.
     *
     * @return empty on timeout (nothing written), else what {@code replace} returns; errors as
     *     {@link #tryPut}
     */
    public Optional<Boolean> tryReplace(MemorySegment key, MemorySegment value, Duration timeout)
            throws InterruptedException, SyncException {
        return timed(write(REPLACE, key, checkValue(value), null, null, Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * {@link #replace(MemorySegment, MemorySegment, MemorySegment)} (compare-and-set on the value
     * bytes) waiting at most {@code timeout} for the stripe.
     *
     * @return empty on timeout (nothing written), else whether the value was replaced; errors as
     *     {@link #tryPut}
     */
    public Optional<Boolean> tryReplace(MemorySegment key, MemorySegment expected, MemorySegment value,
            Duration timeout) throws InterruptedException, SyncException {
        Objects.requireNonNull(expected, "expected");
        return timed(write(REPLACE_IF_EQUAL, key, checkValue(value), expected, null,
                Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * {@link #remove} waiting at most {@code timeout} for the stripe.
     *
     * @return empty on timeout (nothing removed), else whether the key was present; errors as
     *     {@link #tryPut}
     */
    public Optional<Boolean> tryRemove(MemorySegment key, Duration timeout)
            throws InterruptedException, SyncException {
        return timed(write(REMOVE, key, null, null, null, Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * {@link #computeIfPresent} waiting at most {@code timeout} for the stripe.
     *
     * @return empty on timeout (nothing changed, the updater not run), else whether the key was
     *     present and updated; errors as {@link #tryPut}
     */
    public Optional<Boolean> tryComputeIfPresent(MemorySegment key, ValueUpdater updater, Duration timeout)
            throws InterruptedException, SyncException {
        Objects.requireNonNull(updater, "updater");
        return timed(write(COMPUTE, key, null, null, updater, Objects.requireNonNull(timeout, "timeout")));
    }

    /**
     * Runs one write under the key's stripe lock, waiting for it forever ({@code timeout} null) or
     * at most {@code timeout}.
     *
     * @return {@link #YES} or {@link #NO} (what the public method returns), or {@link #TIMED_OUT}
     */
    private int write(int op, MemorySegment key, MemorySegment value, MemorySegment expected,
            ValueUpdater updater, Duration timeout) throws InterruptedException, SyncException {
        long klen = checkKey(key);
        enterWrite();
        try {
            return writeOpen(op, key, klen, value, expected, updater, timeout);
        } finally {
            leaveWrite();
        }
    }

    private int writeOpen(int op, MemorySegment key, long klen, MemorySegment value, MemorySegment expected,
            ValueUpdater updater, Duration timeout) throws InterruptedException, SyncException {
        long h = MapLayout.hash(key, 0, klen, seed);
        int stripe = (int) (h >>> 32) & stripeMask;
        long base = stripeBase(stripe);
        int tag = (int) (h >>> 32);
        int home = (int) h & bucketMask;
        if (!lock(stripe, timeout)) {
            return TIMED_OUT;
        }
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
                    return NO;
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
                storeInt(base + MapLayout.STRIPE_SIZE_OFFSET, size + 1);
                if (wasTombstone) {
                    addTombstones(base, -1);
                }
                bumpWrites(base);
                hook("done");
                return YES;
            }
            long oldSo = slotAt(base, foundWord, stripe, found);
            int oldSlot = (int) foundWord - 1;
            int oldLength = valueLength(oldSo, stripe, found);
            switch (op) {
                case PUT_IF_ABSENT -> {
                    return NO;
                }
                case REPLACE_IF_EQUAL -> {
                    if (oldLength != expected.byteSize() || MemorySegment.mismatch(map, oldSo + valueOffset,
                            oldSo + valueOffset + oldLength, expected, 0, expected.byteSize()) >= 0) {
                        return NO;
                    }
                }
                case REMOVE -> {
                    removeBucket(base, found);
                    hook("published");
                    pushFree(base, oldSlot, stripe);
                    int size = counter(base, MapLayout.STRIPE_SIZE_OFFSET, entriesPerStripe, stripe);
                    storeInt(base + MapLayout.STRIPE_SIZE_OFFSET, Math.max(0, size - 1));
                    bumpWrites(base);
                    hook("done");
                    return YES;
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
            return op == PUT ? NO : YES;
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
        long v = loadOpaque(so);
        long odd = (v + 1) | 1;
        storeOpaque(so, odd);
        // Store-store fence: the odd version is visible before any data store below, so a reader
        // that sees new data also sees the version move (pairs with the acquire fence in changed()).
        VarHandle.storeStoreFence();
        storeInt(so + MapLayout.SLOT_KEY_LENGTH_OFFSET, (int) klen);
        storeInt(so + MapLayout.SLOT_VALUE_LENGTH_OFFSET, (int) vlen);
        copyIn(key, 0, so + MapLayout.SLOT_KEY_OFFSET, klen);
        hook("writing");
        copyIn(src, srcOffset, so + valueOffset, vlen);
        if (updater != null) {
            try {
                updater.update(map.asSlice(so + valueOffset, vlen));
            } catch (RuntimeException | Error e) {
                storeRelease(so, odd + 1);
                throw e;
            }
        }
        // Release: every data store above is visible to a reader that acquires this version.
        storeRelease(so, odd + 1);
    }

    /** The one store that makes a write visible: a bucket now names the new slot (release). */
    private void publish(long base, int bucket, long word) {
        // Release: pairs with the readers' acquire load of the bucket; the slot's data and even
        // version are visible to whoever sees the new word.
        storeRelease(base + bucketsOffset + 8L * bucket, word);
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
        int slot = loadInt(base + MapLayout.FREE_STACK_OFFSET + 4L * (free - 1));
        if (slot < 0 || slot >= slots) {
            throw new MapCorruptedException(Messages.format("free-slot stack names a slot out of range", "location",
                    where, "stripe", stripe, "slot", slot, "slots", slots));
        }
        storeInt(base + MapLayout.STRIPE_FREE_COUNT_OFFSET, free - 1);
        return slot;
    }

    private void pushFree(long base, int slot, int stripe) {
        int free = counter(base, MapLayout.STRIPE_FREE_COUNT_OFFSET, slots, stripe);
        if (free >= slots) {
            throw new MapCorruptedException(Messages.format("free-slot stack overflows", "location", where, "stripe",
                    stripe, "freeCount", free, "slots", slots));
        }
        storeInt(base + MapLayout.FREE_STACK_OFFSET + 4L * free, slot);
        storeInt(base + MapLayout.STRIPE_FREE_COUNT_OFFSET, free + 1);
    }

    private void addTombstones(long base, int delta) {
        int t = loadInt(base + MapLayout.STRIPE_TOMBSTONES_OFFSET);
        storeInt(base + MapLayout.STRIPE_TOMBSTONES_OFFSET, Math.clamp((long) t + delta, 0, buckets));
    }

    private void bumpWrites(long base) {
        storeOpaque(base + MapLayout.STRIPE_WRITES_OFFSET, loadOpaque(base + MapLayout.STRIPE_WRITES_OFFSET) + 1);
    }

    private int counter(long base, long offset, int max, int stripe) {
        int v = loadIntOpaque(base + offset);
        if (v < 0 || v > max) {
            throw new MapCorruptedException(Messages.format("stripe counter out of range", "location", where,
                    "stripe", stripe, "counter", offset == MapLayout.STRIPE_SIZE_OFFSET ? "size" : "freeCount",
                    "value", v, "max", max));
        }
        return v;
    }

    private boolean keyEquals(long so, MemorySegment key, long klen, int stripe, int b) {
        int kl = loadInt(so + MapLayout.SLOT_KEY_LENGTH_OFFSET);
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
            return load(so + MapLayout.SLOT_KEY_OFFSET) == key.get(MapLayout.U64, 0);
        }
        long from = so + MapLayout.SLOT_KEY_OFFSET;
        return direct ? MemorySegment.mismatch(Absolute.MEMORY, address + from, address + from + kl, key, 0, klen) < 0
                : MemorySegment.mismatch(map, from, from + kl, key, 0, klen) < 0;
    }

    private int valueLength(long so, int stripe, int b) {
        int vl = loadInt(so + MapLayout.SLOT_VALUE_LENGTH_OFFSET);
        if (vl < 0 || vl > maxValue) {
            throw badSlot(stripe, b, so, map.get(I32, so + MapLayout.SLOT_KEY_LENGTH_OFFSET), vl);
        }
        return vl;
    }

    private void lock(int stripe) throws InterruptedException, SyncException {
        lock(stripe, null);
    }

    /**
     * Locks a stripe, waiting forever ({@code timeout} null) or at most {@code timeout}, and repairs
     * it first when its last holder died; false if a live holder kept it for the whole timeout.
     */
    private boolean lock(int stripe, Duration timeout) throws InterruptedException, SyncException {
        SharedMutex mutex = mutexes[stripe];
        LockResult how;
        if (timeout == null) {
            how = mutex.lock();
        } else {
            Optional<LockResult> r = mutex.tryLock(timeout);
            if (r.isEmpty()) {
                return false;
            }
            how = r.get();
        }
        if (how == LockResult.OWNER_DIED) {
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
        return true;
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
        checkOpen(); // a map closed meanwhile reads as zeros
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
                if (next == null) {
                    // A map closed meanwhile reads as empty buckets: that end is not the map's end.
                    checkOpen();
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
            } else {
                oddSlot(attempt, started, stripe, b, at, w, so, v1);
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
        enterWrite();
        try {
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
        } finally {
            leaveWrite();
        }
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

    /**
     * Views with {@code long} keys (8 bytes, little-endian, as C and Python see them). Each call
     * makes a new view object: keep one rather than calling this per operation.
     */
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

    /**
     * The map's memory, for tools. For a named map, once this handle is closed the segment no
     * longer reaches the shared object: it reads private zero pages until the handle is
     * unreachable (see {@link #close()}).
     *
     * @throws IllegalStateException if this handle is closed
     */
    public MemorySegment segment() {
        checkOpen();
        return map;
    }

    /**
     * Closes this handle: every later call throws {@link IllegalStateException}, and so does a call
     * that was running and can no longer finish on the map's memory. Never removes the map (use
     * {@link org.shm4j.SharedMemory#remove}); for a map placed in a caller's segment it only stops
     * this handle. A named map is detached from this process as soon as no write of this handle
     * is in flight (at once, or when the last running write ends): its shared memory is replaced
     * by private anonymous pages over the same addresses, so a thread still inside a read never
     * touches an unmapped page (it reads zeros and reports the map closed), and the object (its
     * descriptor, a reference-counted name) is let go; the address range is unmapped once this
     * handle is unreachable. Idempotent and thread-safe.
     */
    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            closed = true;
            if (release != null && writers.get() == 0) {
                release.detach();
            }
            // Otherwise the last write in flight detaches (leaveWrite()).
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
        return loadOpaque(base + bucketsOffset + 8L * b);
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
        if (closed) {
            throw closedError();
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException(Messages.format("map is closed", "location", where));
    }

    /** Starts a write: it keeps the shared memory mapped until {@link #leaveWrite()}. */
    private void enterWrite() {
        writers.incrementAndGet();
        // Volatile load after the increment; close() stores closed before it reads writers: one of
        // the two sees the other (both are sequentially consistent).
        if (closed) {
            leaveWrite();
            throw closedError();
        }
    }

    private void leaveWrite() {
        if (writers.decrementAndGet() == 0 && closed && release != null) {
            release.detach();
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
