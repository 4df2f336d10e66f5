package org.shm4j.aeron;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.SharedMemoryException;

/**
 * A bridge end's state segment in {@code /dev/shm}, named {@code <ring>.bridge.<role>.<stream>}:
 * who runs it, on which channel, its counters, and its progress, which outlives the process so a
 * restarted end continues the numbering instead of repeating or hiding records.
 *
 * <pre>
 * offset  size  field
 *      0     8  magic "S4BRSTAT", published last (release) when the segment is first laid out
 *      8     4  layout version
 *     12     4  role: 1 send, 2 receive
 *     16     8  owner pid (0: none), taken by compare-and-set
 *     24     8  owner start time, epoch milliseconds (tells a recycled pid from the owner)
 *     32     4  stream id
 *     36     4  ring type ordinal
 *     40     8  epoch: a sender's numbering, random, chosen once
 *     48     8  progress version: odd/even selects slot 1/0 (release store after the slot)
 *     56    24  progress slot 0: three longs
 *     80    24  progress slot 1
 *    104     8  records
 *    112     8  payload bytes
 *    120     8  back-pressure events
 *    128     8  records lost (gaps seen by a receiver, records given up by a sender)
 *    136     8  frames refused
 *    144     8  duplicate frames dropped
 *    152     8  connected (1) or not (0)
 *    160     8  heartbeat, epoch milliseconds
 *    168     4  ring name length, 172  4  channel length
 *    176   256  ring name, UTF-8
 *    432  1024  channel, UTF-8
 *   1456     8  ring identity: its creator's pid and start time, to tell a re-created ring
 *   1464        end (segment 4096 bytes)
 * </pre>
 *
 * A progress slot is {@code (last sequence, ring position, 0)} for a sender: the last record it
 * published and the consumer position before it; and {@code (epoch, last sequence, pending)} for a
 * receiver: the last record it wrote, and 1 while a write is in progress. A crash at any point
 * leaves one consistent slot.
 */
final class BridgeState implements AutoCloseable {
    static final long MAGIC = 0x5441545352423453L; // "S4BRSTAT" little-endian
    static final int LAYOUT_VERSION = 1;
    static final int ROLE_SEND = 1;
    static final int ROLE_RECEIVE = 2;
    static final long BYTE_SIZE = 4096;
    static final long MAGIC_OFFSET = 0;
    static final long LAYOUT_VERSION_OFFSET = 8;
    static final long ROLE_OFFSET = 12;
    static final long OWNER_PID_OFFSET = 16;
    static final long OWNER_START_OFFSET = 24;
    static final long STREAM_ID_OFFSET = 32;
    static final long RING_TYPE_OFFSET = 36;
    static final long EPOCH_OFFSET = 40;
    static final long PROGRESS_VERSION_OFFSET = 48;
    static final long SLOT0_OFFSET = 56;
    static final long SLOT1_OFFSET = 80;
    static final long RECORDS_OFFSET = 104;
    static final long BYTES_OFFSET = 112;
    static final long BACK_PRESSURE_OFFSET = 120;
    static final long LOST_OFFSET = 128;
    static final long REFUSED_OFFSET = 136;
    static final long DUPLICATES_OFFSET = 144;
    static final long CONNECTED_OFFSET = 152;
    static final long HEARTBEAT_OFFSET = 160;
    static final long RING_NAME_LENGTH_OFFSET = 168;
    static final long CHANNEL_LENGTH_OFFSET = 172;
    static final long RING_NAME_OFFSET = 176;
    static final int RING_NAME_MAX = 256;
    static final long CHANNEL_OFFSET = 432;
    static final int CHANNEL_MAX = 1024;

    static final long RING_IDENTITY_OFFSET = 1456;

    static final String INFIX = ".bridge.";
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    final String name;
    private final SharedMemory memory;
    private final MappedView view;
    final MemorySegment segment;
    private final long ownerPid;

    private BridgeState(String name, SharedMemory memory, MappedView view, long ownerPid) {
        this.name = name;
        this.memory = memory;
        this.view = view;
        this.segment = view.segment();
        this.ownerPid = ownerPid;
    }

    static String stateName(String ringName, int role, int streamId) {
        return ringName + INFIX + (role == ROLE_SEND ? "send." : "receive.") + streamId;
    }

    /**
     * Opens or lays out the state segment for one bridge end and becomes its owner.
     *
     * @throws BridgeBusyException if a live process owns it
     * @throws SharedMemoryException if the name holds something that is not a bridge state
     */
    static BridgeState acquire(String ringName, int role, int streamId, int ringType, String channel)
            throws IOException {
        byte[] ringBytes = ringName.getBytes(StandardCharsets.UTF_8);
        byte[] channelBytes = channel.getBytes(StandardCharsets.UTF_8);
        if (ringBytes.length > RING_NAME_MAX || channelBytes.length > CHANNEL_MAX) {
            throw new IllegalArgumentException(Msg.format("ring name or channel too long for the bridge state",
                    "ringNameBytes", ringBytes.length, "max", RING_NAME_MAX, "channelBytes", channelBytes.length,
                    "maxChannel", CHANNEL_MAX));
        }
        String name = stateName(ringName, role, streamId);
        SharedMemory memory = SharedMemory.openOrCreate(name, BYTE_SIZE);
        MappedView view = null;
        try {
            if (memory.byteSize() < BYTE_SIZE) {
                throw new SharedMemoryException(Msg.format("not a bridge state segment", "name", name, "byteSize",
                        memory.byteSize(), "required", BYTE_SIZE));
            }
            view = memory.map(Access.READ_WRITE, 0, BYTE_SIZE);
            MemorySegment s = view.segment();
            long me = ProcessHandle.current().pid();
            long myStart = startMillis(me);
            takeOwnership(name, s, me);
            long magic = (long) LONG.getAcquire(s, MAGIC_OFFSET);
            if (magic == 0) {
                // Laid out here for the first time (or by a creator that died before publishing).
                s.asSlice(8, BYTE_SIZE - 8).fill((byte) 0);
                s.set(ValueLayout.JAVA_LONG, OWNER_PID_OFFSET, me);
                s.set(ValueLayout.JAVA_INT, LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
                s.set(ValueLayout.JAVA_INT, ROLE_OFFSET, role);
                s.set(ValueLayout.JAVA_LONG, EPOCH_OFFSET, newEpoch());
                // Pairs with the acquire load of the magic by readers and later owners.
                LONG.setRelease(s, MAGIC_OFFSET, MAGIC);
            } else if (magic != MAGIC || s.get(ValueLayout.JAVA_INT, LAYOUT_VERSION_OFFSET) != LAYOUT_VERSION
                    || s.get(ValueLayout.JAVA_INT, ROLE_OFFSET) != role) {
                LONG.setRelease(s, OWNER_PID_OFFSET, 0L);
                throw new SharedMemoryException(Msg.format("not a bridge state segment of this version and role",
                        "name", name, "magic", Long.toHexString(magic), "role", role));
            }
            s.set(ValueLayout.JAVA_LONG, OWNER_START_OFFSET, myStart);
            s.set(ValueLayout.JAVA_INT, STREAM_ID_OFFSET, streamId);
            s.set(ValueLayout.JAVA_INT, RING_TYPE_OFFSET, ringType);
            s.set(ValueLayout.JAVA_INT, RING_NAME_LENGTH_OFFSET, ringBytes.length);
            MemorySegment.copy(MemorySegment.ofArray(ringBytes), 0, s, RING_NAME_OFFSET, ringBytes.length);
            s.set(ValueLayout.JAVA_INT, CHANNEL_LENGTH_OFFSET, channelBytes.length);
            MemorySegment.copy(MemorySegment.ofArray(channelBytes), 0, s, CHANNEL_OFFSET, channelBytes.length);
            for (long off = RECORDS_OFFSET; off <= HEARTBEAT_OFFSET; off += 8) {
                LONG.setOpaque(s, off, 0L);
            }
            return new BridgeState(name, memory, view, me);
        } catch (IOException | RuntimeException e) {
            if (view != null) {
                view.close();
            }
            memory.close();
            throw e;
        }
    }

    private static void takeOwnership(String name, MemorySegment s, long me) throws BridgeBusyException {
        for (int attempt = 0; attempt < 3; attempt++) {
            long owner = (long) LONG.getAcquire(s, OWNER_PID_OFFSET);
            if (owner != 0 && owner != me && ownerAlive(owner, s.get(ValueLayout.JAVA_LONG, OWNER_START_OFFSET))) {
                throw new BridgeBusyException(Msg.format("bridge end already running", "state", name, "pid", owner));
            }
            // Pairs with the CAS of another process taking over the same dead or absent owner.
            if (LONG.compareAndSet(s, OWNER_PID_OFFSET, owner, me)) {
                return;
            }
        }
        throw new BridgeBusyException(Msg.format("bridge end being taken over by another process", "state", name));
    }

    static boolean ownerAlive(long pid, long startMillis) {
        if (pid <= 0) {
            return false;
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(h -> startMillis == 0 || h.info().startInstant().map(i -> i.toEpochMilli() == startMillis)
                        .orElse(true))
                .orElse(false);
    }

    private static long startMillis(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(i -> i.toEpochMilli()).orElse(0L);
    }

    private static long newEpoch() {
        long e;
        SecureRandom random = new SecureRandom();
        do {
            e = random.nextLong();
        } while (e == 0);
        return e;
    }

    long epoch() {
        return segment.get(ValueLayout.JAVA_LONG, EPOCH_OFFSET);
    }

    /** Reads the current progress slot into {@code out} (three longs). */
    void progress(long[] out) {
        long version = (long) LONG.getAcquire(segment, PROGRESS_VERSION_OFFSET);
        long base = (version & 1) == 0 ? SLOT0_OFFSET : SLOT1_OFFSET;
        out[0] = segment.get(ValueLayout.JAVA_LONG, base);
        out[1] = segment.get(ValueLayout.JAVA_LONG, base + 8);
        out[2] = segment.get(ValueLayout.JAVA_LONG, base + 16);
    }

    /**
     * Writes a new progress triple into the slot not in use, then switches to it. Only the owner
     * writes; a crash before the switch leaves the previous triple in force.
     */
    void commitProgress(long a, long b, long c) {
        long version = segment.get(ValueLayout.JAVA_LONG, PROGRESS_VERSION_OFFSET);
        long next = version + 1;
        long base = (next & 1) == 0 ? SLOT0_OFFSET : SLOT1_OFFSET;
        segment.set(ValueLayout.JAVA_LONG, base, a);
        segment.set(ValueLayout.JAVA_LONG, base + 8, b);
        segment.set(ValueLayout.JAVA_LONG, base + 16, c);
        // Orders the slot before the switch; pairs with the acquire load in progress().
        LONG.setRelease(segment, PROGRESS_VERSION_OFFSET, next);
    }

    void add(long offset, long delta) {
        LONG.setOpaque(segment, offset, (long) LONG.getOpaque(segment, offset) + delta);
    }

    void put(long offset, long value) {
        LONG.setOpaque(segment, offset, value);
    }

    long get(long offset) {
        return (long) LONG.getOpaque(segment, offset);
    }

    /** Gives up ownership (the progress stays for the next owner) and unmaps. Idempotent. */
    @Override
    public void close() {
        if (view.isOpen()) {
            LONG.setOpaque(segment, CONNECTED_OFFSET, 0L);
            LONG.compareAndSet(segment, OWNER_PID_OFFSET, ownerPid, 0L);
            view.close();
        }
        memory.close();
    }
}
