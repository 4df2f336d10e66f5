package org.shm4j.ring;

import static org.shm4j.ring.RingLayout.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import org.shm4j.ObjectKind;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.block.Absolute;
import org.shm4j.internal.block.Blocks;
import org.shm4j.internal.block.FutexWait;
import org.shm4j.internal.os.LinuxOs;

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
    /** Open peers; also the lock for {@link #holds}. */
    private final Set<RingRole.Member> handles = new HashSet<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Holds on the mapping: one for this handle until {@link #close()}, one per peer from its
     * registration to its own close. The last one dropped unmaps (when this region owns a view).
     */
    private int holds = 1;
    /**
     * The address of the data region when peers may reach it by absolute address
     * ({@link org.shm4j.internal.block.Absolute}): only when this region owns its mapping, so no
     * one else can unmap it under a peer. 0 for a caller's segment, whose arena the caller may
     * close at any time: peers then keep the scoped, checked segment.
     */
    final long dataAddress;
    /** As {@link #dataAddress} for the header. */
    final long headerAddress;

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
        this.headerAddress = view != null ? header.address() : 0;
        this.dataAddress = view != null ? data.address() : 0;
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
        Blocks.Named n = Blocks.openNamed(Blocks.Mode.CREATE, name, DATA_OFFSET + capacity, Set.of(kind(type)),
                o.segment());
        return initialiseNamed(name, type, capacity, o, n.view());
    }

    static RingRegion open(String name, Set<RingType> accepted, RingOption... options) throws IOException {
        Objects.requireNonNull(name, "name");
        Options o = Options.of(options);
        Blocks.Named n = Blocks.openNamed(Blocks.Mode.OPEN, name, 0, kinds(accepted), o.segment());
        return attachNamed(name, accepted, o, n.view());
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
        Blocks.Named n = Blocks.openNamed(Blocks.Mode.OPEN_OR_CREATE, name, DATA_OFFSET + capacity,
                Set.of(kind(type)), o.segment());
        if (n.created()) {
            return initialiseNamed(name, type, capacity, o, n.view());
        }
        RingRegion opened = attachNamed(name, EnumSet.of(type), o, n.view());
        if (opened.capacity != capacity) {
            opened.close();
            throw new RingFormatException(Messages.format("ring exists with another capacity", "name", name,
                    "type", type, "capacity", opened.capacity, "requested", capacity));
        }
        return opened;
    }

    /** The namespace kind of a ring type. */
    static ObjectKind kind(RingType type) {
        return switch (type) {
            case SPSC -> ObjectKind.SPSC_RING;
            case MPSC -> ObjectKind.MPSC_RING;
            case BROADCAST -> ObjectKind.BROADCAST_RING;
        };
    }

    private static Set<ObjectKind> kinds(Set<RingType> types) {
        Set<ObjectKind> kinds = EnumSet.noneOf(ObjectKind.class);
        for (RingType t : types) {
            kinds.add(kind(t));
        }
        return kinds;
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

    /** Waits for the header of a named ring someone else created; closes the view if that fails. */
    private static RingRegion attachNamed(String name, Set<RingType> accepted, Options o, MappedView view)
            throws IOException {
        try {
            MemorySegment s = view.segment();
            Header h = Blocks.awaitPublished(() -> readHeader(s, name, accepted), () -> creator(s), name, name,
                    FutexWait.timeoutNanos(o.openTimeout()), RingNotInitializedException::new);
            return new RingRegion(name, h, s, view, false, o.alignRecords());
        } catch (IOException | RuntimeException | Error e) {
            view.close();
            throw e;
        }
    }

    /** The creator written in a ring's header, null while not yet written. */
    private static ProcessIdentity creator(MemorySegment s) {
        long word = (long) LONG.getAcquire(s, CREATOR_OFFSET);
        return word == 0 ? null : ProcessIdentity.ofWord(word);
    }

    static RingRegion format(MemorySegment segment, RingType type, long capacity, RingOption... options) {
        checkCapacity(capacity);
        MemorySegment s = Blocks.place(segment, DATA_OFFSET + capacity, RECORD_ALIGNMENT, kind(type));
        Options o = Options.of(options);
        initialise(s, type, capacity, o.start(), true);
        return new RingRegion(segment.toString(), new Header(type, capacity, o.start(), RingPeer.currentIdentity()),
                s, null, false, o.alignRecords());
    }

    static RingRegion attach(MemorySegment segment, Set<RingType> accepted) throws RingFormatException {
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException(Messages.format(
                    "cannot attach to a read-only segment; use RingStats.read for monitoring", "segment", segment));
        }
        // Size is checked with the header, below, as a format error.
        Blocks.place(segment, 0, RECORD_ALIGNMENT, ObjectKind.SPSC_RING);
        String label = segment.toString();
        Header h = readHeader(segment, label, accepted);
        if (h == null) {
            throw new RingNotInitializedException(Messages.format("ring header not published", "segment", label));
        }
        return new RingRegion(label, h, segment, null, false, false);
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

    // ---- waiting ---------------------------------------------------------------------------------

    /*
     * The futex hand-off of every ring (FutexWait.sleepRegistered / wakeIfWaiting): a side that
     * waits registers in a waiters count, re-checks its condition, and sleeps on a signal word; the
     * other side, after publishing, reads the waiters count and, if non-zero, bumps the signal word
     * and wakes. The publishing side does not fence between its publishing store and its read of
     * the count (that would cost a full fence per message); the publication that races a
     * registration is caught by the extra re-check every registered sleep makes after
     * FutexWait.RACE_RECHECK_NANOS (see there).
     */

    /** Longest sleep at all, so {@link Thread#interrupt()} is noticed within a second. */
    static final long MAX_SLEEP_NANOS = 1_000_000_000L;

    /** The kernel sleep of a blocking wait, for at most {@code maxNanos}. */
    interface Sleep {
        void sleep(long maxNanos);
    }

    /**
     * One idle step of a timed wait with {@code wait}: spin, yield or {@code sleep}, as the
     * strategy says for the {@code idle}-th step since {@code begin}.
     *
     * @return false once {@code timeoutNanos} have passed since {@code begin}
     * @throws InterruptedException if the thread is interrupted
     */
    static boolean pause(WaitStrategy wait, int idle, long begin, long timeoutNanos, Sleep sleep)
            throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long left = timeoutNanos - (System.nanoTime() - begin);
        if (left <= 0) {
            return false;
        }
        switch (wait) {
            case WaitStrategy.BusySpin b -> WaitStrategy.BusySpin.spin(idle);
            case WaitStrategy.SpinThenYield s -> {
                if (idle < s.spins()) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            case WaitStrategy.Blocking b -> {
                if (idle < b.spins()) {
                    Thread.onSpinWait();
                } else {
                    sleep.sleep(Math.min(left, MAX_SLEEP_NANOS));
                }
            }
        }
        return true;
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
            if (current == me) {
                throw new RingBusyException(Messages.format(
                        "ring role is already held by this process: close the other handle that holds it first",
                        "name", name, "role", role, "pid", RingPeer.of(current).pid()));
            }
            if (current != 0 && RingPeer.isAlive(current)) {
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

    /** Registers a peer, which then holds the mapping until {@link #unregister}. */
    void register(RingRole.Member handle) {
        synchronized (handles) {
            if (holds == 0 || closed.get()) {
                throw new IllegalStateException(Messages.format("ring is closed", "name", name));
            }
            holds++;
            handles.add(handle);
        }
    }

    /** Unregisters a peer and drops its hold; the last hold unmaps. */
    void unregister(RingRole.Member handle) {
        synchronized (handles) {
            if (handles.remove(handle)) {
                drop();
            }
        }
    }

    /** Drops one hold; the last unmaps. Called with the lock on {@link #handles}. */
    private void drop() {
        if (--holds == 0 && view != null) {
            view.close();
        }
    }

    boolean isOpen() {
        return !closed.get();
    }

    RingStats stats() {
        return RingStats.snapshot(header, type, capacity);
    }

    /**
     * Revokes every producer and consumer made from this region (later calls on them throw
     * {@link IllegalStateException}, roles are given back) and unmaps the ring if this handle mapped
     * it. Peers reach the mapping by absolute address, so it must never be unmapped under a peer
     * whose thread is inside a call: when peers are still open, the shared memory is detached at
     * once ({@link Absolute#detach}) and the address range is unmapped when the last of them is closed.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            List<RingRole.Member> open;
            synchronized (handles) {
                open = List.copyOf(handles);
            }
            for (RingRole.Member h : open) {
                h.revoke();
            }
            synchronized (handles) {
                if (holds > 1 && view != null) {
                    // Peers still hold the range and a thread may be inside a call: the shared memory
                    // goes now, the range when the last peer closes (drop()). If the kernel refuses,
                    // the shared mapping stays until then: still never unmapped under a peer.
                    Absolute.detach(view.segment(), name);
                }
                drop();
            }
        }
    }
}
