package org.shm4j.cli.inspect;

import java.util.Optional;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;
import org.shm4j.sync.SyncSnapshot;

/**
 * Recognises a named lock, event or semaphore ({@code org.shm4j.sync}) by its {@code SYNC} magic
 * and shows its state, holder (and whether the holder still runs) and waiters.
 */
public final class SyncProbe implements SegmentTypeProbe {
    @Override
    public String type() {
        return "lock";
    }

    @Override
    public int headerBytes() {
        return SyncSnapshot.BYTES;
    }

    @Override
    public Optional<Recognised> probe(SegmentBytes bytes) {
        return SyncSnapshot.decode(bytes.header()).map(s -> {
            var details = new java.util.LinkedHashMap<String, Object>();
            details.put("primitive", s.type());
            details.putAll(s.details());
            return new Recognised(type(), details);
        });
    }
}
