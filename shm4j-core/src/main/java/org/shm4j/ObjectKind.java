package org.shm4j;

import java.lang.foreign.MemorySegment;
import org.shm4j.internal.block.Kinds;

/**
 * What a name in the shared-memory namespace holds. One name holds one object of one kind, as on
 * Windows, where opening a mutex's name as an event fails: opening a name as another kind than
 * the one it holds fails at once with {@link WrongObjectKindException}.
 *
 * <p>The kind is recognised from the object's first bytes (a magic number at a known offset, and a
 * size consistent with it), never from a side file, so a {@link #SEGMENT} made by C, Python or
 * Boost opens as a segment. {@code shm4j ls} shows it.
 */
public enum ObjectKind {
    /** Plain bytes: {@link SharedMemory}. Anything no other kind recognises is a segment. */
    SEGMENT("segment"),
    /** A named file mapping record: a name that stands for a file. */
    FILE_MAPPING("file-mapping"),
    /** {@code org.shm4j.sync.SharedMutex}. */
    MUTEX("mutex"),
    /** {@code org.shm4j.sync.SharedReadWriteLock}. */
    READ_WRITE_LOCK("read-write-lock"),
    /** {@code org.shm4j.sync.SharedEvent}. */
    EVENT("event"),
    /** {@code org.shm4j.sync.SharedSemaphore}. */
    SEMAPHORE("semaphore"),
    /** {@code org.shm4j.ring.SpscRing}. */
    SPSC_RING("spsc-ring"),
    /** {@code org.shm4j.ring.MpscRing}. */
    MPSC_RING("mpsc-ring"),
    /** {@code org.shm4j.ring.BroadcastRing}. */
    BROADCAST_RING("broadcast-ring"),
    /** {@code org.shm4j.map.SharedMap} (and its {@code LongKeyMap} and {@code StringMap} views). */
    MAP("map");

    private final String label;

    ObjectKind(String label) {
        this.label = label;
    }

    /** The kind as {@code shm4j ls} and error messages write it: {@code spsc-ring}, {@code mutex}. */
    public String label() {
        return label;
    }

    /** How many leading bytes {@link #recognise} looks at. */
    public static final int HEAD_BYTES = Kinds.HEAD_BYTES;

    /**
     * The kind of an object from its first bytes, as {@code open} judges it: what tools such as
     * {@code shm4j ls} show.
     *
     * @param head the object's first {@code min(objectBytes, HEAD_BYTES)} bytes (any bytes at all)
     * @param objectBytes the object's size
     * @return the kind; {@link #SEGMENT} for anything no recogniser claims
     */
    public static ObjectKind recognise(MemorySegment head, long objectBytes) {
        return Kinds.recognise(java.util.Objects.requireNonNull(head, "head"), objectBytes);
    }

    @Override
    public String toString() {
        return label;
    }
}
