package org.shm4j;

/**
 * Access to a mapped view faulted, almost always because another process truncated the object
 * below the view's end (the SIGBUS case). The JVM turns the fault into an {@link InternalError};
 * {@link MappedView#access(java.util.function.Consumer)} and shm4j's own bulk operations turn that into this exception, naming
 * the segment, the view and the object's current size.
 */
public final class SegmentFaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SegmentFaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
