package org.shm4j.internal.os;

import static org.shm4j.internal.os.Native.C_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code flock(2)}: whole-file locks that belong to an open file description, so each handle holds
 * its own and the kernel drops them when the last descriptor closes, a kill -9 included. Unlike
 * {@code fcntl} write locks, an exclusive {@code flock} can be taken through a read-only
 * descriptor, so read-only attachers of a reference-counted object count like the others.
 *
 * <p>Converting a shared lock to an exclusive one is not atomic: under one kernel lock, the
 * caller's shared lock is dropped and then the exclusive one is tried. Of several holders
 * converting at once, the last to run therefore succeeds (the others have dropped theirs), unless
 * a holder that is not converting remains.
 */
public final class Flock {
    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    private static final MethodHandle FLOCK = Native.downcallWithErrno("flock",
            FunctionDescriptor.of(C_INT, C_INT, C_INT));

    private Flock() {}

    /** {@code flock(fd, operation)}; returns 0 or the errno ({@code EWOULDBLOCK} = {@code EAGAIN} when held). */
    public static int flock(int fd, int operation) {
        long rc = Native.call((errno, arena) -> (int) FLOCK.invokeExact(errno, fd, operation));
        return rc == 0 ? 0 : (int) -rc;
    }
}
