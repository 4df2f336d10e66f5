package org.shm4j.aeron;

import static org.shm4j.aeron.BridgeState.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SegmentName;
import org.shm4j.SharedMemory;

/**
 * A snapshot of one bridge end's counters and process, read from its state segment in {@code /dev/shm}
 * ({@code <ring>.bridge.<send|receive>.<stream>}). Reading needs neither Aeron nor the bridge's
 * process, so the {@code shm4j} command shows bridges without loading Aeron.
 *
 * @param stateName the state segment's name
 * @param ringName the bridged ring
 * @param role {@code send} or {@code receive}
 * @param streamId the Aeron stream id
 * @param channel the Aeron channel URI
 * @param pid the process that runs (or last ran) this end; 0 if none holds it
 * @param alive whether that process is running
 * @param connected whether the end had an Aeron peer when last updated (and is alive)
 * @param records records sent or written
 * @param bytes payload bytes sent or written
 * @param backPressureEvents times the end had to wait for its peer (sender) or its ring (receiver)
 * @param lostRecords records reported as possibly lost
 * @param refusedFrames frames refused (not a bridge frame of this version, or a length that does not fit)
 * @param duplicateFrames frames dropped as repeats of records already written
 * @param heartbeatMillis when the end last updated its counters, epoch milliseconds
 */
public record BridgeStats(String stateName, String ringName, String role, int streamId, String channel, long pid,
        boolean alive, boolean connected, long records, long bytes, long backPressureEvents, long lostRecords,
        long refusedFrames, long duplicateFrames, long heartbeatMillis) {

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** Every bridge state in {@code /dev/shm}, running or not, sorted by name; unreadable entries are skipped. */
    public static List<BridgeStats> list() throws IOException {
        List<BridgeStats> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(SegmentName.SHM_DIRECTORY)) {
            for (Path p : (Iterable<Path>) entries.sorted(Comparator.naturalOrder())::iterator) {
                String n = p.getFileName().toString();
                if (n.contains(INFIX) && Files.isRegularFile(p)) {
                    read(n).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** The bridges (running or not) of one ring. */
    public static List<BridgeStats> forRing(String ringName) throws IOException {
        return list().stream().filter(b -> b.ringName.equals(ringName)).toList();
    }

    /** Reads one state segment; empty if it is absent, not a bridge state, or being laid out. */
    public static Optional<BridgeStats> read(String stateName) {
        try (SharedMemory memory = SharedMemory.open(stateName, Access.READ_ONLY)) {
            if (memory.byteSize() < BYTE_SIZE) {
                return Optional.empty();
            }
            try (MappedView view = memory.map(Access.READ_ONLY, 0, BYTE_SIZE)) {
                return decode(stateName, view.segment());
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<BridgeStats> decode(String stateName, MemorySegment s) {
        // Pairs with the release store of the magic by the process that laid the segment out.
        if ((long) LONG.getAcquire(s, MAGIC_OFFSET) != MAGIC
                || s.get(ValueLayout.JAVA_INT, LAYOUT_VERSION_OFFSET) != LAYOUT_VERSION) {
            return Optional.empty();
        }
        int role = s.get(ValueLayout.JAVA_INT, ROLE_OFFSET);
        int ringLength = s.get(ValueLayout.JAVA_INT, RING_NAME_LENGTH_OFFSET);
        int channelLength = s.get(ValueLayout.JAVA_INT, CHANNEL_LENGTH_OFFSET);
        if ((role != ROLE_SEND && role != ROLE_RECEIVE) || ringLength < 0 || ringLength > RING_NAME_MAX
                || channelLength < 0 || channelLength > CHANNEL_MAX) {
            return Optional.empty();
        }
        String ring = new String(s.asSlice(RING_NAME_OFFSET, ringLength).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8);
        String channel = new String(s.asSlice(CHANNEL_OFFSET, channelLength).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8);
        long pid = (long) LONG.getOpaque(s, OWNER_PID_OFFSET);
        boolean alive = ownerAlive(pid, s.get(ValueLayout.JAVA_LONG, OWNER_START_OFFSET));
        return Optional.of(new BridgeStats(stateName, ring, role == ROLE_SEND ? "send" : "receive",
                s.get(ValueLayout.JAVA_INT, STREAM_ID_OFFSET), channel, pid, alive,
                alive && (long) LONG.getOpaque(s, CONNECTED_OFFSET) != 0, (long) LONG.getOpaque(s, RECORDS_OFFSET),
                (long) LONG.getOpaque(s, BYTES_OFFSET), (long) LONG.getOpaque(s, BACK_PRESSURE_OFFSET),
                (long) LONG.getOpaque(s, LOST_OFFSET), (long) LONG.getOpaque(s, REFUSED_OFFSET),
                (long) LONG.getOpaque(s, DUPLICATES_OFFSET), (long) LONG.getOpaque(s, HEARTBEAT_OFFSET)));
    }

    /**
     * Removes the state segment of a bridge end that is not running, so the next start begins a
     * new numbering (its receivers then see a new stream, not a gap).
     *
     * @return false if there was none
     * @throws BridgeBusyException if a live process runs it
     */
    public static boolean remove(String ringName, String role, int streamId) throws IOException {
        String name = BridgeState.stateName(ringName, role.equals("send") ? ROLE_SEND : ROLE_RECEIVE, streamId);
        Optional<BridgeStats> status = read(name);
        if (status.isPresent() && status.get().alive()) {
            throw new BridgeBusyException(Msg.format("bridge end is running", "state", name, "pid",
                    status.get().pid()));
        }
        return SharedMemory.remove(name);
    }
}
