package org.shm4j;

/**
 * Access to a mapped view faulted, almost always because another process truncated the object
 * below the view's end (the SIGBUS case). The JVM turns the fault into an {@link InternalError};
 * {@link MappedView#access(java.util.function.Consumer)} and
 * {@link MappedView#accessAndGet(java.util.function.Function)} turn that into this exception,
 * naming the object, the view's offset and length and the object's current size, before they
 * return.
 *
 * <p>Verified on HotSpot (interpreter, C1 and C2, the access inlined into its caller or not) for
 * reads, writes and bulk operations. On another VM, or with a JVMCI compiler as the JIT, the
 * error may surface later in the caller as a raw {@code InternalError}; shm4j logs a warning
 * (logger {@code org.shm4j}) the first time a view is accessed there.
 */
public final class SegmentFaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SegmentFaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
