package org.shm4j.sync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.shm4j.internal.ProcessIdentity;

/**
 * What a monitoring tool can tell about a synchronization block from a copy of its bytes, without
 * mapping it, taking it or disturbing it: type, state, holder and whether the holder still runs,
 * and whether anybody sleeps on it. Used by {@code shm4j ls}, {@code info} and {@code watch}.
 *
 * <p>The bytes are untrusted. Every field is checked against the layout (see the
 * {@linkplain org.shm4j.sync package documentation}); a block with an unknown type, version or state
 * bits is described as corrupt, never acted on. A holder's PID is
 * only looked up in {@code /proc}; nothing is ever signalled.
 *
 * @param type {@code mutex}, {@code read-write-lock}, {@code event} or {@code semaphore}
 * @param details facts in display order: {@code state}, {@code holderPid}, {@code holderAlive},
 *     {@code waiters}, {@code signaled}, {@code count}, {@code maxCount}, {@code creatorPid}
 */
public record SyncSnapshot(String type, Map<String, Object> details) {

    /** Bytes a snapshot needs from the start of the block. */
    public static final int BYTES = (int) SyncLayout.LOCK_BYTES;

    public SyncSnapshot {
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /**
     * Describes the block whose first bytes are in {@code block} (from position 0, any byte order:
     * it is read little-endian).
     *
     * @return empty if the bytes do not start with a published synchronization header
     */
    public static Optional<SyncSnapshot> decode(ByteBuffer block) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < SyncLayout.HEADER_BYTES + 8 || b.getInt((int) SyncLayout.MAGIC_OFFSET) != SyncLayout.MAGIC) {
            return Optional.empty();
        }
        Map<String, Object> d = new LinkedHashMap<>();
        short version = b.getShort((int) SyncLayout.VERSION_OFFSET);
        int typeCode = Short.toUnsignedInt(b.getShort((int) SyncLayout.TYPE_OFFSET));
        String type = SyncLayout.typeName(typeCode);
        if (version != SyncLayout.VERSION) {
            d.put("state", "unsupported layout version " + version);
            return Optional.of(new SyncSnapshot(type, d));
        }
        int state = b.getInt((int) SyncLayout.STATE_OFFSET);
        switch (typeCode) {
            case SyncLayout.TYPE_MUTEX -> describeMutex(b, state, d);
            case SyncLayout.TYPE_READ_WRITE_LOCK -> describeReadWriteLock(b, state, d);
            case SyncLayout.TYPE_EVENT -> describeEvent(b, state, d);
            case SyncLayout.TYPE_SEMAPHORE -> describeSemaphore(b, state, d);
            default -> d.put("state", "unknown type " + typeCode);
        }
        d.put("creatorPid", b.getLong((int) SyncLayout.CREATOR_PID_OFFSET));
        return Optional.of(new SyncSnapshot(type, d));
    }

    private static void describeMutex(ByteBuffer b, int state, Map<String, Object> d) {
        if (state == SyncLayout.NOT_RECOVERABLE) {
            d.put("state", "not recoverable");
            return;
        }
        int known = SyncLayout.PID_MASK | SyncLayout.OWNER_DIED | SyncLayout.WAITERS;
        if ((state & ~known) != 0) {
            d.put("state", "corrupt (0x" + Integer.toHexString(state) + ")");
            return;
        }
        int pid = state & SyncLayout.PID_MASK;
        d.put("state", pid == 0 ? "free" : (state & SyncLayout.OWNER_DIED) != 0 ? "held, owner died" : "held");
        holder(b, pid, d);
        d.put("waiters", (state & SyncLayout.WAITERS) != 0);
    }

    private static void describeReadWriteLock(ByteBuffer b, int state, Map<String, Object> d) {
        if (state == SyncLayout.NOT_RECOVERABLE) {
            d.put("state", "not recoverable");
            return;
        }
        if ((state & SyncLayout.WRITE_LOCKED) != 0) {
            int pid = state & SyncLayout.PID_MASK;
            d.put("state", (state & SyncLayout.OWNER_DIED) != 0 ? "write-locked, owner died" : "write-locked");
            holder(b, pid, d);
        } else {
            int readers = state & SyncLayout.PID_MASK;
            d.put("state", readers == 0 ? "free" : "read-locked");
            d.put("readers", readers);
        }
        d.put("waiters", (state & SyncLayout.WAITERS) != 0);
        d.put("writerWaiting", (state & SyncLayout.WRITER_WAITING) != 0);
    }

    private static void describeEvent(ByteBuffer b, int state, Map<String, Object> d) {
        if ((state & ~(SyncLayout.SIGNALED | SyncLayout.EVENT_WAITERS)) != 0) {
            d.put("state", "corrupt (0x" + Integer.toHexString(state) + ")");
            return;
        }
        int param = b.getInt((int) SyncLayout.PARAM_OFFSET);
        d.put("state", (state & SyncLayout.SIGNALED) != 0 ? "signaled" : "not signaled");
        d.put("reset", param == 0 ? "manual" : param == 1 ? "auto" : "corrupt (" + param + ")");
        d.put("waiters", (state & SyncLayout.EVENT_WAITERS) != 0);
    }

    private static void describeSemaphore(ByteBuffer b, int state, Map<String, Object> d) {
        int max = b.getInt((int) SyncLayout.PARAM_OFFSET);
        long count = state & SyncLayout.SEMAPHORE_COUNT_MASK;
        d.put("state", max <= 0 || count > max ? "corrupt (count " + count + ", max " + max + ")" : "ok");
        d.put("count", count);
        d.put("maxCount", (long) max);
        d.put("waiters", (state & SyncLayout.SEMAPHORE_WAITERS) != 0);
    }

    private static void holder(ByteBuffer b, int pid, Map<String, Object> d) {
        if (pid == 0) {
            return;
        }
        // The owner record names the holder's start time when it is set and names the PID in the
        // word; otherwise only the PID is known.
        boolean hasRecord = b.limit() >= SyncLayout.LOCK_BYTES;
        long start = hasRecord ? OwnerRecord.recordedStart(b.getLong((int) SyncLayout.OWNER_TOKEN_OFFSET),
                b.getLong((int) SyncLayout.OWNER_IDENTITY_OFFSET), pid) : 0;
        d.put("holderPid", (long) pid);
        d.put("holderAlive", ProcessIdentity.isAlive(pid, start));
    }
}
