package org.shm4j;

/** When storage for a new object is taken: the Windows {@code SEC_COMMIT} / {@code SEC_RESERVE}. */
public enum Commit implements SegmentOption {
    /**
     * Reserve every byte at creation ({@code fallocate}); a full file system is an
     * {@link InsufficientSpaceException} from {@code create}, never a SIGBUS later. The default.
     */
    NOW,
    /**
     * A sparse object: pages take storage when first touched. Creating is instant at any size, but
     * touching a page when the file system is full raises SIGBUS (a {@link SegmentFaultException}
     * through {@link MappedView#access(java.util.function.Consumer)}).
     */
    LAZY
}
