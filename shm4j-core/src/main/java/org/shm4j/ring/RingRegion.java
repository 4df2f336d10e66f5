package org.shm4j.ring;

import static org.shm4j.ring.RingLayout.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import org.shm4j.internal.Messages;

/**
 * The memory of one ring (header and data region) as seen by this process, and the handles made
 * from it. Header values that shape every access (type, capacity, start position) are read and
 * validated once, when the region is attached, and kept in final fields.
 */
final class RingRegion implements AutoCloseable {
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofSeconds(2);

    final String name;
    final RingType type;
    final MemorySegment header;
    final MemorySegment data;
    final long capacity;
    final long mask;
    final int maxPayload;
    final long startPosition;
    final MemorySegment dataSignal;
    final MemorySegment spaceSignal;
    /** Whether the call that made this region created the named ring (false for open, format, attach). */
    final boolean created;
    /** Whether this handle's producers start records on cache lines ({@link RingOption#alignRecordsToCacheLines()}). */
    final boolean alignRecords;
    private final MappedView view;
    private final Set<AutoCloseable> handles = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RingRegion(String name, Header h, MemorySegment segment, MappedView view, boolean created,
            boolean alignRecords) {
        this.name = name;
        this.created = created;
        this.alignRecords = alignRecords && h.type != RingType.BROADCAST;
        this.type = h.type;
        this.capacity = h.capacity;
        this.mask = h.capacity - 1;
        this.maxPayload = maxPayload(h.type, h.capacity);
        this.startPosition = h.startPosition;
        this.header = segment.asSlice(0, DATA_OFFSET);
        this.data = segment.asSlice(DATA_OFFSET, h.capacity);
        this.dataSignal = header.asSlice(DATA_SIGNAL_OFFSET, 4);
        this.spaceSignal = header.asSlice(SPACE_SIGNAL_OFFSET, 4);
        this.view = view;
    }

    /** Validated header fields. */
    record Header(RingType type, long capacity, long startPosition, long creator) {}

    /** The {@link RingOption}s of one call, read once; each factory uses the ones that apply to it. */
    record Options(long start, SegmentOption[] segment, Duration openTimeout, boolean alignRecords) {
        static Options of(RingOption... options) {
            long start = 0;
            List<SegmentOption> segment = new ArrayList<>();
            Duration openTimeout = DEFAULT_OPEN_TIMEOUT;
            boolean alignRecords = false;
            for (RingOption o : Objects.requireNonNull(options, "options")) {
                switch (o) {
                    case RingOption.StartPosition s -> start = s.position();
                    case RingOption.Segment s -> segment.add(s.option());
                    case RingOption.OpenTimeout t -> openTimeout = t.timeout();
                    case RingOption.AlignRecords a -> alignRecords = true;
                }
            }
            return new Options(start, segment.toArray(SegmentOption[]::new), openTimeout, alignRecords);
        }
    }

    /** Bytes a ring of {@code capacity} needs: header and data region. */
    static long requiredBytes(long capacity) {
        checkCapacity(capacity);
        return DATA_OFFSET + capacity;
    }

    static void checkCapacity(long capacity) {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Long.bitCount(capacity) != 1) {
            throw new IllegalArgumentException(Messages.format("ring capacity must be a power of two in range",
                    "capacity", capacity, "min", MIN_CAPACITY, "max", MAX_CAPACITY));
        }
    }

    // ---- factories -----------------------------------------------------------------------------

    static RingRegion create(String name, RingType type, long capacity, RingOption... options) throws IOException {
        Objects.requireNonNull(name, "name");
        checkCapacity(capacity);
        Options o = Options.of(options);
        MappedView view;
        try (SharedMemory shm = SharedMemory.create(name, DATA_OFFSET + capacity, o.segment())) {
            view = shm.map(Access.READ_WRITE, 0, 0);
        }
        return initialiseNamed(name, type, capacity, o, view);
    }

    static RingRegion open(String name, Set<RingType> accepted, RingOption... options) throws IOException {
        Objects.requireNonNull(name, "name");
        Options o = Options.of(options);
        MappedView view;
        try (SharedMemory shm = SharedMemory.open(name, Access.READ_WRITE)) {
            view = mapExisting(shm, name);
        }
        return attachNamed(name, accepted, o, view);
    }

    /**
     * Opens the named ring, or creates it if the name is free. Race-free across processes:
     * {@link SharedMemory#openOrCreate} lets exactly one of several racing callers create the name,
     * and the others open it and wait for its header as {@link #open} does. An existing ring must be
     * of {@code type} and of {@code capacity}; options that only shape a new ring (start position,
     * segment options) do not apply to it.
     */
    static RingRegion openOrCreate(String name, RingType type, long capacity, RingOption... options)
            throws IOException {
        Objects.requireNonNull(name, "name");
        checkCapacity(capacity);
        Options o = Options.of(options);
        MappedView view;
        boolean created;
        try (SharedMemory shm = SharedMemory.openOrCreate(name, DATA_OFFSET + capacity, o.segment())) {
            created = shm.created();
            view = created ? shm.map(Access.READ_WRITE, 0, 0) : mapExisting(shm, name);
        }
        if (created) {
            return initialiseNamed(name, type, capacity, o, view);
        }
        RingRegion opened = attachNamed(name, EnumSet.of(type), o, view);
        if (opened.capacity != capacity) {
            opened.close();
            throw new RingFormatException(Messages.format("ring exists with another capacity", "name", name,
                    "type", type, "capacity", opened.capacity, "requested", capacity));
        }
        return opened;
    }

    /** Writes the header of a ring this call just created as a name; removes the name if that fails. */
    private static RingRegion initialiseNamed(String name, RingType type, long capacity, Options o, MappedView view)
            throws IOException {
        try {
            // A new named object reads as zeros: only the header needs writing.
            initialise(view.segment(), type, capacity, o.start(), false);
            return new RingRegion(name, new Header(type, capacity, o.start(), RingPeer.currentIdentity()),
                    view.segment(), view, true, o.alignRecords());
        } catch (RuntimeException | Error e) {
            view.close();
            SharedMemory.remove(name);
            throw e;
        }
    }

    /** Maps a named object someone else created, after checking it can hold a ring at all. */
    private static MappedView mapExisting(SharedMemory shm, String name) throws IOException {
        if (shm.byteSize() < DATA_OFFSET + MIN_CAPACITY) {
            throw new RingFormatException(Messages.format("segment too small to hold a ring", "name", name,
                    "byteSize", shm.byteSize(), "required", DATA_OFFSET + MIN_CAPACITY));
        }
        return shm.map(Access.READ_WRITE, 0, 0);
    }

    /** Waits for the header of a named ring someone else created; closes the view if that fails. */
    private static RingRegion attachNamed(String name, Set<RingType> accepted, Options o, MappedView view)
            throws IOException {
        try {
            Header h = awaitHeader(view.segment(), name, accepted, o.openTimeout());
            return new RingRegion(name, h, view.segment(), view, false, o.alignRecords());
        } catch (IOException | RuntimeException | Error e) {
            view.close();
            throw e;
        }
    }

    static RingRegion format(MemorySegment segment, RingType type, long capacity, RingOption... options) {
        checkSegment(segment, capacity);
        Options o = Options.of(options);
        initialise(segment, type, capacity, o.start(), true);
        return new RingRegion(segment.toString(), new Header(type, capacity, o.start(), RingPeer.currentIdentity()),
                segment, null, false, o.alignRecords());
    }

    static RingRegion attach(MemorySegment segment, Set<RingType> accepted) throws RingFormatException {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative() || segment.address() % 8 != 0) {
            throw new IllegalArgumentException(Messages.format("a ring needs a native segment aligned to 8 bytes",
                    "segment", segment));
        }
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException(Messages.format(
                    "cannot attach to a read-only segment; use RingStats.read for monitoring", "segment", segment));
        }
        String label = segment.toString();
        Header h = readHeader(segment, label, accepted);
        if (h == null) {
            throw new RingNotInitializedException(Messages.format("ring header not published", "segment", label));
        }
        return new RingRegion(label, h, segment, null, false, false);
    }

    private static void checkSegment(MemorySegment segment, long capacity) {
        Objects.requireNonNull(segment, "segment");
        checkCapacity(capacity);
        if (!segment.isNative() || segment.address() % 8 != 0 || segment.isReadOnly()) {
            throw new IllegalArgumentException(Messages.format(
                    "a ring needs a writable native segment aligned to 8 bytes", "segment", segment));
        }
        if (segment.byteSize() < DATA_OFFSET + capacity) {
            throw new IllegalArgumentException(Messages.format("segment too small for the ring", "byteSize",
                    segment.byteSize(), "required", DATA_OFFSET + capacity));
        }
    }

    /**
     * Writes a header: creator identity first (so an opener can tell a dead creator from a slow
     * one), then every field, then the magic with a release store. An opener's acquire load of the
     * magic pairs with that store, so whoever sees the magic sees every field.
     */
    private static void initialise(MemorySegment s, RingType type, long capacity, long start, boolean zero) {
        LONG.setRelease(s, MAGIC_OFFSET, 0L);
        if (zero) {
            s.asSlice(8, DATA_OFFSET + capacity - 8).fill((byte) 0);
        }
        LONG.setRelease(s, CREATOR_OFFSET, RingPeer.currentIdentity());
        s.set(ValueLayout.JAVA_INT, VERSION_OFFSET, LAYOUT_VERSION);
        s.set(ValueLayout.JAVA_INT, TYPE_OFFSET, type.code());
        s.set(ValueLayout.JAVA_LONG, CAPACITY_OFFSET, capacity);
        s.set(ValueLayout.JAVA_LONG, DATA_OFFSET_OFFSET, DATA_OFFSET);
        s.set(ValueLayout.JAVA_INT, MAX_PAYLOAD_OFFSET, maxPayload(type, capacity));
        s.set(ValueLayout.JAVA_INT, RECORD_HEADER_LENGTH_OFFSET, recordHeaderLength(type));
        s.set(ValueLayout.JAVA_LONG, START_POSITION_OFFSET, start);
        s.set(ValueLayout.JAVA_INT, PRODUCER_SLOTS_OFFSET, SLOT_COUNT);
        s.set(ValueLayout.JAVA_LONG, TAIL_OFFSET, start);
        s.set(ValueLayout.JAVA_LONG, TAIL_INTENT_OFFSET, start);
        s.set(ValueLayout.JAVA_LONG, LATEST_POSITION_OFFSET, start);
        s.set(ValueLayout.JAVA_LONG, HEAD_OFFSET, start);
        LONG.setRelease(s, MAGIC_OFFSET, MAGIC);
    }

    private static Header awaitHeader(MemorySegment s, String name, Set<RingType> accepted, Duration timeout)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Header h = readHeader(s, name, accepted);
            if (h != null) {
                return h;
            }
            long creator = (long) LONG.getAcquire(s, CREATOR_OFFSET);
            if (creator != 0 && !RingPeer.isAlive(creator)) {
                RingPeer peer = RingPeer.of(creator);
                throw new RingNotInitializedException(Messages.format(
                        "ring was never initialised: its creator died during creation; remove it and create again",
                        "name", name, "creatorPid", peer.pid()));
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new RingNotInitializedException(Messages.format(
                        "ring was not initialised within the open timeout", "name", name, "timeout", timeout,
                        "creatorPid", creator == 0 ? "unknown" : RingPeer.of(creator).pid()));
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RingNotInitializedException(Messages.format("interrupted waiting for ring initialisation",
                        "name", name));
            }
        }
    }

    /**
     * Reads and validates a header; null while the magic is not yet published. Every field is read
     * once into a local, then checked.
     */
    static Header readHeader(MemorySegment s, String name, Set<RingType> accepted) throws RingFormatException {
        return readHeader(s, s.byteSize(), name, accepted);
    }

    /**
     * As {@link #readHeader(MemorySegment, String, Set)} for {@code s} holding at least the header of
     * a segment of {@code segmentBytes} bytes (a monitor's copy of the header, say).
     */
    static Header readHeader(MemorySegment s, long segmentBytes, String name, Set<RingType> accepted)
            throws RingFormatException {
        if (s.byteSize() < DATA_OFFSET) {
            throw new RingFormatException(Messages.format("segment too small to hold a ring", "name", name,
                    "byteSize", s.byteSize(), "required", DATA_OFFSET + MIN_CAPACITY));
        }
        // Pairs with the creator's release store of the magic in initialise().
        long magic = (long) LONG.getAcquire(s, MAGIC_OFFSET);
        if (magic == 0) {
            return null;
        }
        if (magic != MAGIC) {
            throw new RingFormatException(Messages.format("not a shm4j ring: bad magic", "name", name, "magic",
                    "0x" + Long.toHexString(magic)));
        }
        int version = s.get(ValueLayout.JAVA_INT, VERSION_OFFSET);
        if (version != LAYOUT_VERSION) {
            throw new RingFormatException(Messages.format("unsupported ring layout version", "name", name,
                    "version", version, "supported", LAYOUT_VERSION));
        }
        int code = s.get(ValueLayout.JAVA_INT, TYPE_OFFSET);
        RingType type = RingType.ofCode(code);
        if (type == null) {
            throw new RingFormatException(Messages.format("unknown ring type", "name", name, "ringType", code));
        }
        if (!accepted.contains(type)) {
            throw new RingFormatException(Messages.format("ring has another type", "name", name, "ringType", type,
                    "expected", accepted));
        }
        long capacity = s.get(ValueLayout.JAVA_LONG, CAPACITY_OFFSET);
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Long.bitCount(capacity) != 1) {
            throw new RingFormatException(Messages.format("invalid ring capacity", "name", name, "capacity",
                    capacity));
        }
        long dataOffset = s.get(ValueLayout.JAVA_LONG, DATA_OFFSET_OFFSET);
        int maxPayload = s.get(ValueLayout.JAVA_INT, MAX_PAYLOAD_OFFSET);
        int recordHeader = s.get(ValueLayout.JAVA_INT, RECORD_HEADER_LENGTH_OFFSET);
        if (dataOffset != DATA_OFFSET || maxPayload != maxPayload(type, capacity)
                || recordHeader != recordHeaderLength(type)) {
            throw new RingFormatException(Messages.format("inconsistent ring header", "name", name, "dataOffset",
                    dataOffset, "maxPayload", maxPayload, "recordHeaderLength", recordHeader));
        }
        if (segmentBytes < DATA_OFFSET + capacity) {
            throw new RingFormatException(Messages.format("segment smaller than the ring it claims to hold", "name",
                    name, "byteSize", segmentBytes, "required", DATA_OFFSET + capacity));
        }
        long start = s.get(ValueLayout.JAVA_LONG, START_POSITION_OFFSET);
        if ((start & (RECORD_ALIGNMENT - 1)) != 0) {
            throw new RingFormatException(Messages.format("misaligned start position", "name", name,
                    "startPosition", start));
        }
        return new Header(type, capacity, start, s.get(ValueLayout.JAVA_LONG, CREATOR_OFFSET));
    }

    // ---- roles ---------------------------------------------------------------------------------

    /**
     * Takes a single-holder role (producer, consumer, transmitter) whose identity word is at
     * {@code offset}: free, or held by a dead process. A CAS decides between racing takers.
     */
    long takeRole(long offset, String role) throws RingBusyException {
        long me = RingPeer.currentIdentity();
        while (true) {
            long current = (long) LONG.getVolatile(header, offset);
            if (current != 0 && (current == me || RingPeer.isAlive(current))) {
                throw new RingBusyException(Messages.format("ring role is held by a live process", "name", name,
                        "role", role, "pid", RingPeer.of(current).pid()));
            }
            if (LONG.compareAndSet(header, offset, current, me)) {
                return me;
            }
        }
    }

    void releaseRole(long offset, long identity) {
        LONG.compareAndSet(header, offset, identity, 0L);
    }

    void register(AutoCloseable handle) {
        if (closed.get()) {
            throw new IllegalStateException(Messages.format("ring is closed", "name", name));
        }
        handles.add(handle);
    }

    void unregister(AutoCloseable handle) {
        handles.remove(handle);
    }

    boolean isOpen() {
        return !closed.get();
    }

    RingStats stats() {
        return RingStats.snapshot(header, type, capacity);
    }

    /** Closes every producer and consumer made from this region, then unmaps it if it owns the mapping. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (AutoCloseable h : List.copyOf(handles)) {
                try {
                    h.close();
                } catch (Exception ignored) {
                    // Handles release their role with a CAS and cannot fail; nothing to report.
                }
            }
            if (view != null) {
                view.close();
            }
        }
    }
}
