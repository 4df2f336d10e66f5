package org.shm4j.internal.os;

import static org.shm4j.internal.os.Native.C_INT;
import static org.shm4j.internal.os.Native.C_LONG;
import static org.shm4j.internal.os.Native.C_OFF_T;
import static org.shm4j.internal.os.Native.C_POINTER;
import static org.shm4j.internal.os.Native.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * Method handles for the C library functions shm4j calls. Each handle that can fail takes the
 * errno capture segment as its first argument (see {@link Native#downcallWithErrno}).
 * Variadic functions ({@code open}, {@code fcntl}, {@code syscall}) declare their fixed
 * arguments with {@link Linker.Option#firstVariadicArg}.
 *
 * <p>Linking a downcall costs about 7-10 ms each in a cold JVM, so the handles every opener of a
 * segment, ring or lock needs (open, statx, getxattr, fcntl, mmap, futex) are linked when this
 * class is initialised, and the others in the nested holder classes ({@link Create},
 * {@link Sockets}, {@link Files}, {@link Memory}) only when their group is first used: a process
 * that opens a ring does not wait for handles it never calls (measured 2026-12-03: initialising
 * every handle took 0.3-0.4 s of a cold ring open; the opener's set alone, see docs/ring.md).
 */
final class Libc {
    static final MethodHandle OPEN = Native.downcallWithErrno("open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    static final MethodHandle CLOSE = Native.downcallWithErrno("close", FunctionDescriptor.of(C_INT, C_INT));
    static final MethodHandle STATX = Native.downcallWithErrno("statx",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT, C_POINTER));
    static final MethodHandle MMAP = Native.downcallWithErrno("mmap",
            FunctionDescriptor.of(C_POINTER, C_POINTER, C_SIZE_T, C_INT, C_INT, C_INT, C_OFF_T));
    static final MethodHandle MUNMAP = Native.downcallWithErrno("munmap",
            FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T));
    static final MethodHandle FCNTL_PTR = Native.downcallWithErrno("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER), Linker.Option.firstVariadicArg(2));
    static final MethodHandle FGETXATTR = Native.downcallWithErrno("fgetxattr",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_POINTER, C_SIZE_T));
    static final MethodHandle GETEUID = Native.downcall("geteuid", FunctionDescriptor.of(C_INT));
    static final MethodHandle SYSCONF = Native.downcall("sysconf", FunctionDescriptor.of(C_LONG, C_INT));
    /** {@code long syscall(long number, ...)} with the six futex arguments. */
    static final MethodHandle SYSCALL_FUTEX = Native.downcallWithErrno("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT, C_POINTER, C_POINTER, C_INT),
            Linker.Option.firstVariadicArg(1));
    /**
     * The same {@code syscall} for {@code FUTEX_WAKE} only: no errno capture (a wake on a valid word
     * cannot fail; on failure the caller repeats it through {@link #SYSCALL_FUTEX} to learn errno)
     * and a critical call (no thread-state transition), since {@code FUTEX_WAKE} never blocks.
     */
    static final MethodHandle SYSCALL_FUTEX_WAKE = Native.downcall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT, C_POINTER, C_POINTER, C_INT),
            Linker.Option.firstVariadicArg(1), Linker.Option.critical(false));

    /**
     * What creating, sizing, tagging, publishing and removing a name need (ftruncate, fallocate,
     * fchmod, fsetxattr, renameat2, unlink): linked when a process first creates or removes
     * something, so a process that only opens what others made never links them.
     */
    static final class Create {
        static final MethodHandle FTRUNCATE = Native.downcallWithErrno("ftruncate",
                FunctionDescriptor.of(C_INT, C_INT, C_OFF_T));
        static final MethodHandle FALLOCATE = Native.downcallWithErrno("fallocate",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_OFF_T, C_OFF_T));
        static final MethodHandle FCHMOD = Native.downcallWithErrno("fchmod", FunctionDescriptor.of(C_INT, C_INT, C_INT));
        static final MethodHandle FSETXATTR = Native.downcallWithErrno("fsetxattr",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_SIZE_T, C_INT));
        static final MethodHandle RENAMEAT2 = Native.downcallWithErrno("renameat2",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_POINTER, C_INT));
        static final MethodHandle UNLINK = Native.downcallWithErrno("unlink", FunctionDescriptor.of(C_INT, C_POINTER));

        private Create() {}
    }

    /** Unix-domain sockets (descriptor passing): linked when a socket is first used. */
    static final class Sockets {
        static final MethodHandle SOCKET = Native.downcallWithErrno("socket",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
        static final MethodHandle BIND = Native.downcallWithErrno("bind", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
        static final MethodHandle LISTEN = Native.downcallWithErrno("listen", FunctionDescriptor.of(C_INT, C_INT, C_INT));
        static final MethodHandle ACCEPT = Native.downcallWithErrno("accept",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
        static final MethodHandle CONNECT = Native.downcallWithErrno("connect",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
        static final MethodHandle SENDMSG = Native.downcallWithErrno("sendmsg",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
        static final MethodHandle RECVMSG = Native.downcallWithErrno("recvmsg",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
        static final MethodHandle SETSOCKOPT = Native.downcallWithErrno("setsockopt",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_INT));

        private Sockets() {}
    }

    /**
     * File operations off the create/open/map path (hard links, positional reads and writes, memfd,
     * fsync): linked on first use.
     */
    static final class Files {
        static final MethodHandle PREAD = Native.downcallWithErrno("pread",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_OFF_T));
        static final MethodHandle LINK = Native.downcallWithErrno("link", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
        static final MethodHandle PWRITE = Native.downcallWithErrno("pwrite",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_OFF_T));
        static final MethodHandle MEMFD_CREATE = Native.downcallWithErrno("memfd_create",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
        static final MethodHandle FSYNC = Native.downcallWithErrno("fsync", FunctionDescriptor.of(C_INT, C_INT));

        private Files() {}
    }

    /** Mapping hints and flushes (msync, madvise, mlock): linked on first use. */
    static final class Memory {
        static final MethodHandle MSYNC = Native.downcallWithErrno("msync",
                FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T, C_INT));
        static final MethodHandle MADVISE = Native.downcallWithErrno("madvise",
                FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T, C_INT));
        static final MethodHandle MLOCK = Native.downcallWithErrno("mlock", FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T));

        private Memory() {}
    }

    private Libc() {}
}
