package org.shm4j.cli.demo;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;

/** Recognises the demo's segment ({@code SHM4JDMO}), so {@code shm4j ls} shows it as {@code demo} while it runs. */
public final class DemoSegmentProbe implements SegmentTypeProbe {
    @Override
    public String type() {
        return "demo";
    }

    @Override
    public int headerBytes() {
        return 32;
    }

    @Override
    public Optional<Recognised> probe(SegmentBytes bytes) {
        ByteBuffer h = bytes.header();
        if (h.remaining() < 32 || h.getLong(0) != DemoLayout.MAGIC) {
            return Optional.empty();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("version", h.getInt((int) DemoLayout.VERSION_OFFSET));
        int state = h.getInt((int) DemoLayout.STATE_OFFSET);
        details.put("state", switch (state) {
            case DemoLayout.STATE_EMPTY -> "empty";
            case DemoLayout.STATE_MESSAGE -> "message written";
            case DemoLayout.STATE_ANSWER -> "answered";
            default -> "invalid (" + state + ")";
        });
        // Shown as numbers only: a PID read from memory is never acted on.
        details.put("parentPid", h.getLong((int) DemoLayout.PARENT_PID_OFFSET));
        details.put("peerPid", h.getLong((int) DemoLayout.PEER_PID_OFFSET));
        return Optional.of(new Recognised(type(), details));
    }
}
