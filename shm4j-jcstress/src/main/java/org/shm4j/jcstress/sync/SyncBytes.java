package org.shm4j.jcstress.sync;

/**
 * The published bytes of a sync block (layout version 2) that these tests look at, as
 * {@code interop/c/shm4j_mutex.h} and the {@code org.shm4j.sync} package documentation state them:
 * the tests read the block the way another process (or language) would, not through the library's
 * own layout class, which is not API.
 */
final class SyncBytes {
    private SyncBytes() {}

    /** {@code "SYNC"} as a little-endian u32 ({@code SHM4J_MAGIC}). */
    static final int MAGIC = 0x434E5953;
    /** {@code "BILD"} as a little-endian u32: the magic word while a creator builds the block ({@code SHM4J_BUILDING}). */
    static final int BUILDING = 0x444C4942;
    static final short TYPE_MUTEX = 1;

    static final long MAGIC_OFFSET = 0;
    static final long TYPE_OFFSET = 6;
    static final long CREATOR_PID_OFFSET = 8;
    static final long STATE_OFFSET = 32;
    static final long OWNER_IDENTITY_OFFSET = 40;
    static final long OWNER_TOKEN_OFFSET = 48;
}
