package org.shm4j.sync;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.shm4j.internal.block.Kinds;

/**
 * Every offset and bit of the synchronization blocks, version {@value #VERSION}. All fields are
 * fixed-width little-endian integers, naturally aligned; a block must start at an address that is a
 * multiple of {@value #ALIGNMENT} (64 is better: a block then owns its cache line). Not API, as
 * {@code RingLayout} is not: the published layout is the "Layout" section of the
 * {@linkplain org.shm4j.sync package documentation} and the C header
 * {@code interop/c/shm4j_mutex.h}, which repeat these numbers; {@code SyncLayoutTest} checks them
 * against {@link #HEADER}, {@link #LOCK}, {@link #COUNTER} and the header's {@code #define}s.
 *
 * <p>Every block starts with the same 32-byte header. The magic is written last, with a release
 * store, so a block whose magic is not {@link #MAGIC} is not (yet) a synchronization object:
 * <pre>
 *  0               4       6       8                               16
 *  +---------------+-------+-------+-------------------------------+
 *  | magic u32     | ver   | type  | creatorPid u64                |
 *  | "SYNC"        | u16   | u16   |                               |
 *  +---------------+-------+-------+-------------------------------+
 * 16                                                               32
 *  +-------------------------------+-------------------------------+
 *  | creatorStartTicks u64         | pidNamespace u64              |
 *  +-------------------------------+-------------------------------+
 * </pre>
 * {@code creatorStartTicks} is field 22 of {@code /proc/<pid>/stat}; {@code pidNamespace} is the
 * inode of {@code /proc/<pid>/ns/pid}. PIDs in a block only mean something inside one PID
 * namespace, so locks refuse to open a block made in another.
 *
 * <p>Mutex and read-write lock (64 bytes):
 * <pre>
 * 32               36              40                              48
 *  +---------------+---------------+-------------------------------+
 *  | state u32     | reserved u32  | ownerIdentity u64             |
 *  | (futex word)  | (zero)        |                               |
 *  +---------------+---------------+-------------------------------+
 * 48                               56                              64
 *  +-------------------------------+-------------------------------+
 *  | ownerToken u64                | reserved2 u64 (zero)          |
 *  +-------------------------------+-------------------------------+
 * </pre>
 * The owner record names the holder of a mutex or of a read-write lock's write side beyond the
 * PID in the state word. {@code ownerIdentity} is the holder's PID in bits 42-63 and the low 42
 * bits of its start time (field 22 of {@code /proc/<pid>/stat}) below; it is not cleared on
 * unlock. {@code ownerToken} is nonzero exactly while a holder that wrote the record holds the
 * lock: bits 0-62 name the holding thread, unique to a thread of one process (shm4j uses a
 * per-process salt XOR the thread id, with bit 62 set so the token is never zero), and bit 63,
 * {@link #TOKEN_OWNER_DIED}, mirrors {@link #OWNER_DIED} in the state word while the holder that
 * took over from a dead one has not called {@code markConsistent()}.
 *
 * Mutex state: bits 0-21 the holder's PID (0: free), bit 29 {@link #OWNER_DIED}, bit 30
 * {@link #WAITERS}; the value {@link #NOT_RECOVERABLE} alone marks a mutex that can no longer be
 * locked. Any other bit pattern is corrupt.
 *
 * <p>Read-write lock state: bit 31 {@link #WRITE_LOCKED}; bits 0-21 the writer's PID when it is set,
 * else the number of read holds; bit 29 {@link #OWNER_DIED}, bit 30 {@link #WAITERS} (writers or
 * readers sleep), bit 27 {@link #WRITER_WAITING} (new readers stand back); {@link #NOT_RECOVERABLE}
 * as for the mutex.
 *
 * <p>Event (40 bytes) and semaphore (40 bytes):
 * <pre>
 * 32               36              40
 *  +---------------+---------------+
 *  | state u32     | param u32     |
 *  +---------------+---------------+
 * </pre>
 * Event state: bit 0 {@link #SIGNALED}, bit 1 {@link #EVENT_WAITERS}; param 0 manual-reset, 1
 * auto-reset. Semaphore state: bits 0-30 the count, bit 31 {@link #SEMAPHORE_WAITERS}; param the
 * maximum count (1 to 2^31-1).
 */
final class SyncLayout {
    /** {@code "SYNC"} read as a little-endian u32. */
    static final int MAGIC = Kinds.SYNC_MAGIC;
    /** Written in place of the magic while one process builds the block in place. */
    static final int BUILDING = Kinds.SYNC_BUILDING; // "BILD"
    /**
     * Version 2 replaced version 1's owner record ({@code ownerPid}, {@code ownerStartTicks},
     * {@code ownerToken}, with {@code ownerPid} as the validity mark) by an identity word and a token
     * that is the mark, so an uncontended lock and unlock touch the record twice, not five times.
     */
    static final short VERSION = 2;
    static final long ALIGNMENT = 8;

    static final short TYPE_MUTEX = 1;
    static final short TYPE_READ_WRITE_LOCK = 2;
    static final short TYPE_EVENT = 3;
    static final short TYPE_SEMAPHORE = 4;

    static final int PID_MASK = 0x003F_FFFF;
    static final int NOT_RECOVERABLE = 0x1000_0000;
    static final int OWNER_DIED = 0x2000_0000;
    static final int WAITERS = 0x4000_0000;
    static final int WRITE_LOCKED = 0x8000_0000;
    static final int WRITER_WAITING = 0x0800_0000;

    /** Bit 63 of {@code ownerToken}: the holder took over from a dead owner and has not repaired. */
    static final long TOKEN_OWNER_DIED = 0x8000_0000_0000_0000L;

    static final int SIGNALED = 1;
    static final int EVENT_WAITERS = 2;
    static final int SEMAPHORE_WAITERS = 0x8000_0000;
    static final int SEMAPHORE_COUNT_MASK = 0x7FFF_FFFF;

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final StructLayout HEADER = MemoryLayout.structLayout(
            U32.withName("magic"),
            U16.withName("version"),
            U16.withName("type"),
            U64.withName("creatorPid"),
            U64.withName("creatorStartTicks"),
            U64.withName("pidNamespace")).withName("header");

    static final StructLayout LOCK = MemoryLayout.structLayout(
            HEADER,
            U32.withName("state"),
            U32.withName("reserved"),
            U64.withName("ownerIdentity"),
            U64.withName("ownerToken"),
            U64.withName("reserved2")).withName("lock");

    static final StructLayout COUNTER = MemoryLayout.structLayout(
            HEADER,
            U32.withName("state"),
            U32.withName("param")).withName("counter");

    static final long MAGIC_OFFSET = HEADER.byteOffset(PathElement.groupElement("magic"));
    static final long VERSION_OFFSET = HEADER.byteOffset(PathElement.groupElement("version"));
    static final long TYPE_OFFSET = HEADER.byteOffset(PathElement.groupElement("type"));
    static final long CREATOR_PID_OFFSET = HEADER.byteOffset(PathElement.groupElement("creatorPid"));
    static final long CREATOR_START_OFFSET = HEADER.byteOffset(PathElement.groupElement("creatorStartTicks"));
    static final long PID_NAMESPACE_OFFSET = HEADER.byteOffset(PathElement.groupElement("pidNamespace"));
    static final long HEADER_BYTES = HEADER.byteSize();

    static final long STATE_OFFSET = LOCK.byteOffset(PathElement.groupElement("state"));
    static final long RESERVED_OFFSET = LOCK.byteOffset(PathElement.groupElement("reserved"));
    static final long OWNER_IDENTITY_OFFSET = LOCK.byteOffset(PathElement.groupElement("ownerIdentity"));
    static final long OWNER_TOKEN_OFFSET = LOCK.byteOffset(PathElement.groupElement("ownerToken"));
    static final long RESERVED2_OFFSET = LOCK.byteOffset(PathElement.groupElement("reserved2"));
    static final long PARAM_OFFSET = COUNTER.byteOffset(PathElement.groupElement("param"));

    /** Bytes of a mutex or read-write lock block. */
    static final long LOCK_BYTES = LOCK.byteSize();
    /** Bytes of an event block. */
    static final long EVENT_BYTES = COUNTER.byteSize();
    /** Bytes of a semaphore block. */
    static final long SEMAPHORE_BYTES = COUNTER.byteSize();

    private SyncLayout() {}

    /** The type's name as used in messages. */
    static String typeName(int type) {
        return switch (type) {
            case TYPE_MUTEX -> "mutex";
            case TYPE_READ_WRITE_LOCK -> "read-write-lock";
            case TYPE_EVENT -> "event";
            case TYPE_SEMAPHORE -> "semaphore";
            default -> "unknown(" + type + ")";
        };
    }
}
