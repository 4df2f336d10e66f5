package org.shm4j;

import java.nio.file.AccessDeniedException;

/**
 * A named object exists but belongs to another user, and the caller did not pass
 * {@link SegmentOption.Flag#ALLOW_FOREIGN_OWNER}. Opening someone else's segment by accident is how
 * data leaks between tenants, so shm4j refuses by default.
 */
public final class ForeignOwnerException extends AccessDeniedException {
    private static final long serialVersionUID = 1L;

    private final int ownerUid;

    public ForeignOwnerException(String path, String message, int ownerUid) {
        super(path, null, message);
        this.ownerUid = ownerUid;
    }

    /** The numeric user id that owns the object. */
    public int ownerUid() {
        return ownerUid;
    }

    @Override
    public String getMessage() {
        return getReason();
    }
}
