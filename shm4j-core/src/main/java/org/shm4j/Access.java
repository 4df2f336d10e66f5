package org.shm4j;

/**
 * How an object or a view may be used; the Windows {@code PAGE_*} / {@code FILE_MAP_*} values.
 * Enforced by the OS mapping ({@code PROT_*}, {@code MAP_PRIVATE}), not only by this API.
 */
public enum Access {
    /** Reads only. The view's segment is read-only and its pages are mapped {@code PROT_READ}. */
    READ_ONLY,
    /** Reads and writes that every process mapping the object sees. */
    READ_WRITE,
    /**
     * Reads, and writes that stay private to this view ({@code MAP_PRIVATE}): they never reach the
     * file or another process. Allowed on objects opened read-only.
     */
    COPY_ON_WRITE;

    /**
     * Whether a view with {@code viewAccess} may be made of an object opened with this access:
     * a read-write object allows every view; a read-only or copy-on-write object allows read-only
     * and copy-on-write views.
     */
    public boolean permitsView(Access viewAccess) {
        return this == READ_WRITE || viewAccess != READ_WRITE;
    }
}
