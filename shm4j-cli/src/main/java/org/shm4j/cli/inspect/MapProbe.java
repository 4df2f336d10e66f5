package org.shm4j.cli.inspect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;
import org.shm4j.map.MapFormatException;
import org.shm4j.map.MapStats;

/**
 * Recognises a shared map ({@code org.shm4j.map}) by its magic and shows its entries, capacity,
 * load factor, stripes and which stripes are locked by whom (and whether that holder still runs).
 * The header and each stripe header are copies read with {@code read(2)}; {@link MapStats}
 * validates every field against the header before use.
 */
public final class MapProbe implements SegmentTypeProbe {
    @Override
    public String type() {
        return "map";
    }

    @Override
    public int headerBytes() {
        return MapStats.HEADER_BYTES;
    }

    @Override
    public Optional<Recognised> probe(SegmentBytes bytes) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = copy(arena, bytes.header());
            if (!MapStats.startsWithMapMagic(header)) {
                return Optional.empty();
            }
            Map<String, Object> d = new LinkedHashMap<>();
            try {
                long size = bytes.byteSize();
                MapStats s = MapStats.read(header, size, i -> {
                    try {
                        return copy(arena, bytes.read(MapStats.stripeOffset(header, size, i), MapStats.STRIPE_HEADER_BYTES));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                d.put("entries", s.entries());
                d.put("capacity", s.capacity());
                d.put("loadFactor", Math.round(s.loadFactor() * 1000) / 1000.0);
                d.put("requestedEntries", s.requestedEntries());
                d.put("maxKeyBytes", s.maxKeyBytes());
                d.put("maxValueBytes", s.maxValueBytes());
                d.put("stripes", s.stripes().size());
                d.put("stripeEntriesMax", s.stripes().stream().mapToInt(MapStats.Stripe::entries).max().orElse(0));
                d.put("tombstones", s.stripes().stream().mapToLong(MapStats.Stripe::tombstones).sum());
                d.put("writes", s.stripes().stream().mapToLong(MapStats.Stripe::writes).sum());
                d.put("lockedStripes", s.stripes().stream().filter(t -> t.holderPid().isPresent()).count());
                String holders = s.stripes().stream().filter(t -> t.holderPid().isPresent())
                        .map(t -> t.index() + ":pid " + t.holderPid().getAsLong() + (t.holderAlive() ? " (alive)"
                                : " (dead: recovered by the next writer)"))
                        .collect(Collectors.joining("; "));
                d.put("stripeHolders", holders.isEmpty() ? "none" : holders);
                d.put("creatorPid", s.creatorPid());
            } catch (MapFormatException e) {
                d.put("error", e.getMessage());
            } catch (UncheckedIOException e) {
                d.put("error", "cannot read a stripe header: " + e.getCause().getMessage());
            }
            return Optional.of(new Recognised(type(), d));
        }
    }

    /** An aligned native copy, so the map's own accessors read it. */
    private static MemorySegment copy(Arena arena, ByteBuffer buffer) {
        MemorySegment copy = arena.allocate(Math.max(8, buffer.remaining()), 8);
        copy.asByteBuffer().put(buffer.duplicate());
        return copy.asSlice(0, buffer.remaining());
    }
}
