package org.shm4j.cli.inspect;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;

/**
 * Recognises the state segment of an Aeron bridge end ({@code <ring>.bridge.<send|receive>.<stream>},
 * written by the optional shm4j-aeron module) and shows its process, channel and counters. The
 * layout is documented in docs/bridge.md and in shm4j-aeron's {@code BridgeState}; it is read
 * here without that module, so that the command never loads Aeron. shm4j-aeron's tests run this
 * probe on a state segment a real bridge wrote, which keeps the two in step.
 */
public final class BridgeProbe implements SegmentTypeProbe {
    static final long MAGIC = 0x5441545352423453L; // "S4BRSTAT"
    static final int LAYOUT_VERSION = 1;
    private static final int BYTES = 1464;

    @Override
    public String type() {
        return "bridge";
    }

    @Override
    public int headerBytes() {
        return BYTES;
    }

    @Override
    public Optional<Recognised> probe(SegmentBytes bytes) {
        ByteBuffer h = bytes.header().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (h.remaining() < 8 || h.getLong(0) != MAGIC) {
            return Optional.empty();
        }
        Map<String, Object> d = new LinkedHashMap<>();
        if (h.remaining() < BYTES || h.getInt(8) != LAYOUT_VERSION) {
            d.put("error", "bridge state of another layout version or truncated: bytes=" + h.remaining()
                    + ", version=" + (h.remaining() >= 12 ? h.getInt(8) : -1));
            return Optional.of(new Recognised(type(), d));
        }
        int role = h.getInt(12);
        int ringLength = h.getInt(168);
        int channelLength = h.getInt(172);
        if ((role != 1 && role != 2) || ringLength < 0 || ringLength > 256 || channelLength < 0
                || channelLength > 1024) {
            d.put("error", "bridge state with fields out of range: role=" + role + ", ringNameLength=" + ringLength
                    + ", channelLength=" + channelLength);
            return Optional.of(new Recognised(type(), d));
        }
        long pid = h.getLong(16);
        long startMillis = h.getLong(24);
        boolean alive = alive(pid, startMillis);
        d.put("role", role == 1 ? "send" : "receive");
        d.put("ring", utf8(h, 176, ringLength));
        d.put("stream", h.getInt(32));
        d.put("channel", utf8(h, 432, channelLength));
        d.put("bridgePid", pid);
        d.put("bridgeAlive", alive);
        d.put("connected", alive && h.getLong(152) != 0);
        d.put("records", h.getLong(104));
        d.put("bytes", h.getLong(112));
        d.put("backPressureEvents", h.getLong(120));
        d.put("lostRecords", h.getLong(128));
        d.put("refusedFrames", h.getLong(136));
        d.put("duplicateFrames", h.getLong(144));
        return Optional.of(new Recognised(type(), d));
    }

    /** Alive if a process with this pid runs and started at the recorded time; never signals it. */
    static boolean alive(long pid, long startMillis) {
        if (pid <= 0) {
            return false;
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(p -> startMillis == 0
                        || p.info().startInstant().map(i -> i.toEpochMilli() == startMillis).orElse(true))
                .orElse(false);
    }

    private static String utf8(ByteBuffer h, int offset, int length) {
        byte[] b = new byte[length];
        h.get(offset, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
