package org.shm4j.cli.inspect;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;
import org.shm4j.ring.RingFormatException;
import org.shm4j.ring.RingPeer;
import org.shm4j.ring.RingStats;

/**
 * Recognises a message ring ({@code org.shm4j.ring}) by its magic and shows its positions, lag,
 * capacity, counters (which {@code watch} turns into rates) and producer/consumer liveness. The
 * header bytes are a copy read with {@code read(2)}; {@link RingStats} validates every field.
 */
public final class RingProbe implements SegmentTypeProbe {
    @Override
    public String type() {
        return "ring";
    }

    @Override
    public int headerBytes() {
        return RingStats.HEADER_BYTES;
    }

    @Override
    public Optional<Recognised> probe(SegmentBytes bytes) {
        var header = bytes.header();
        try (Arena arena = Arena.ofConfined()) {
            // An aligned native copy: the counters are read with the ring's own accessors.
            MemorySegment copy = arena.allocate(Math.max(8, header.remaining()), 8);
            copy.asByteBuffer().put(header.duplicate());
            if (!RingStats.startsWithRingMagic(copy)) {
                return Optional.empty();
            }
            Map<String, Object> d = new LinkedHashMap<>();
            try {
                RingStats s = RingStats.read(copy, bytes.byteSize());
                d.put("ringType", s.type().toString());
                d.put("capacity", s.capacityBytes());
                d.put("headPosition", s.headPosition());
                d.put("tailPosition", s.tailPosition());
                d.put("lagBytes", s.lagBytes());
                d.put("messagesWritten", s.messagesWritten());
                d.put("bytesWritten", s.payloadBytesWritten());
                d.put("messagesRead", s.messagesRead());
                d.put("bytesRead", s.payloadBytesRead());
                d.put("skippedRecords", s.skippedRecords());
                d.put("producers", s.producers().size());
                d.put("producersAlive", s.producers().stream().filter(RingPeer::alive).count());
                s.consumer().ifPresent(c -> {
                    d.put("consumerPid", c.pid());
                    d.put("consumerAlive", c.alive());
                });
                s.creator().ifPresent(c -> d.put("creatorPid", c.pid()));
            } catch (RingFormatException e) {
                d.put("error", e.getMessage());
            }
            return Optional.of(new Recognised(type(), d));
        }
    }
}
