package org.shm4j.cli.inspect;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.shm4j.ObjectKind;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SyncSnapshot;

/**
 * Recognises a named lock, event or semaphore ({@code org.shm4j.sync}) by its {@code SYNC} magic
 * and shows its state, holder (and whether the holder still runs) and waiters. The library gives a
 * typed {@link SyncSnapshot}; the words and their order on screen are chosen here: {@code primitive},
 * {@code state}, then the kind's facts ({@code holderPid}, {@code holderAlive}, {@code readers},
 * {@code reset}, {@code count}, {@code maxCount}, {@code waiters}, {@code writerWaiting}), then
 * {@code creatorPid}.
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
        return SyncSnapshot.decode(bytes.header()).map(s -> new Recognised(type(), details(s)));
    }

    /** The facts of {@code snapshot} in display order. */
    static Map<String, Object> details(SyncSnapshot snapshot) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("primitive", primitive(snapshot));
        switch (snapshot) {
            case SyncSnapshot.Mutex m -> mutex(m, d);
            case SyncSnapshot.ReadWriteLock l -> readWriteLock(l, d);
            case SyncSnapshot.Event e -> event(e, d);
            case SyncSnapshot.Semaphore s -> {
                d.put("state", s.corrupt() ? "corrupt (count " + s.count() + ", max " + s.maxCount() + ")" : "ok");
                d.put("count", s.count());
                d.put("maxCount", s.maxCount());
                d.put("waiters", s.waiters());
            }
            case SyncSnapshot.Unreadable u -> {
                if (u.unsupportedVersion()) {
                    // Nothing past the version field is known to mean anything.
                    d.put("state", "unsupported layout version " + u.version());
                    return d;
                }
                d.put("state", "unknown type " + u.typeCode());
            }
        }
        d.put("creatorPid", snapshot.creatorPid());
        return d;
    }

    private static String primitive(SyncSnapshot snapshot) {
        return snapshot.kind().map(ObjectKind::label).orElseGet(() -> snapshot instanceof SyncSnapshot.Unreadable u
                ? "unknown(" + u.typeCode() + ")" : "unknown");
    }

    private static void mutex(SyncSnapshot.Mutex m, Map<String, Object> d) {
        switch (m.state()) {
            case NOT_RECOVERABLE -> d.put("state", "not recoverable");
            case CORRUPT -> d.put("state", "corrupt (0x" + Integer.toHexString(m.stateWord()) + ")");
            default -> {
                d.put("state", switch (m.state()) {
                    case FREE -> "free";
                    case HELD_OWNER_DIED -> "held, owner died";
                    default -> "held";
                });
                holder(m.holder(), d);
                d.put("waiters", m.waiters());
            }
        }
    }

    private static void readWriteLock(SyncSnapshot.ReadWriteLock l, Map<String, Object> d) {
        switch (l.state()) {
            case NOT_RECOVERABLE -> {
                d.put("state", "not recoverable");
                return;
            }
            case HELD, HELD_OWNER_DIED -> {
                d.put("state", l.state() == SyncSnapshot.LockState.HELD ? "write-locked" : "write-locked, owner died");
                holder(l.holder(), d);
            }
            default -> {
                d.put("state", l.state() == SyncSnapshot.LockState.FREE ? "free" : "read-locked");
                d.put("readers", l.readers());
            }
        }
        d.put("waiters", l.waiters());
        d.put("writerWaiting", l.writerWaiting());
    }

    private static void event(SyncSnapshot.Event e, Map<String, Object> d) {
        if (e.corruptState()) {
            d.put("state", "corrupt (0x" + Integer.toHexString(e.stateWord()) + ")");
            return;
        }
        d.put("state", e.signaled() ? "signaled" : "not signaled");
        d.put("reset", e.reset().map(r -> r == EventReset.MANUAL ? "manual" : "auto")
                .orElse("corrupt (" + e.resetWord() + ")"));
        d.put("waiters", e.waiters());
    }

    private static void holder(Optional<SyncSnapshot.Holder> holder, Map<String, Object> d) {
        holder.ifPresent(h -> {
            d.put("holderPid", h.pid());
            d.put("holderAlive", h.alive());
        });
    }
}
