package org.shm4j.internal.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.shm4j.internal.Messages;

/**
 * {@code futex_waitv(2)} (Linux 5.16+): sleep until any of several process-shared 32-bit futex
 * words is woken. Each word is compared with its expected value first, as {@code FUTEX_WAIT} does.
 */
public final class FutexWaitv {
    /** The same number on x86-64 and AArch64 (the new unified syscall table). */
    private static final long SYS_FUTEX_WAITV = 449;
    private static final int FUTEX2_SIZE_U32 = 0x02;
    private static final int CLOCK_MONOTONIC = 1;
    /** The kernel's FUTEX_WAITV_MAX. */
    public static final int MAX_WORDS = 128;
    private static final long ENTRY_BYTES = 24; // u64 val, u64 uaddr, u32 flags, u32 reserved

    /** {@code long syscall(long nr, struct futex_waitv *w, unsigned nr, unsigned flags, struct timespec *t, clockid_t c)}. */
    private static final MethodHandle SYSCALL = Native.downcallWithErrno("syscall",
            FunctionDescriptor.of(Native.C_LONG, Native.C_LONG, Native.C_POINTER, Native.C_INT, Native.C_INT,
                    Native.C_POINTER, Native.C_INT),
            Linker.Option.firstVariadicArg(1));

    private static volatile boolean unsupported;

    /** Result of {@link #await} when no word was woken. */
    public static final int TIMED_OUT = -1;
    public static final int VALUE_CHANGED = -2;
    public static final int INTERRUPTED = -3;
    /** The kernel has no {@code futex_waitv}; poll instead. */
    public static final int UNSUPPORTED = -4;

    private FutexWaitv() {}

    /**
     * Sleeps until one of {@code words} is woken, one no longer holds its expected value, or
     * {@code timeoutNanos} passes.
     *
     * @return the index of the word that was woken, or one of the negative constants
     */
    public static int await(MemorySegment[] words, int[] expected, long timeoutNanos) {
        if (unsupported) {
            return UNSUPPORTED;
        }
        if (words.length == 0 || words.length > MAX_WORDS || words.length != expected.length) {
            throw new IllegalArgumentException(Messages.format("futex_waitv takes 1 to 128 words", "words",
                    words.length, "expected", expected.length));
        }
        long deadline = System.nanoTime() + timeoutNanos; // CLOCK_MONOTONIC, as System.nanoTime on Linux
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(ENTRY_BYTES * words.length, 8);
            for (int i = 0; i < words.length; i++) {
                long base = ENTRY_BYTES * i;
                entries.set(ValueLayout.JAVA_LONG, base, Integer.toUnsignedLong(expected[i]));
                entries.set(ValueLayout.JAVA_LONG, base + 8, words[i].address());
                entries.set(ValueLayout.JAVA_INT, base + 16, FUTEX2_SIZE_U32);
                entries.set(ValueLayout.JAVA_INT, base + 20, 0);
            }
            MemorySegment timespec = arena.allocate(16, 8);
            timespec.set(ValueLayout.JAVA_LONG, 0, deadline / 1_000_000_000L);
            timespec.set(ValueLayout.JAVA_LONG, 8, deadline % 1_000_000_000L);
            MemorySegment errno = Native.errnoBuffer();
            long rc;
            try {
                rc = (long) SYSCALL.invokeExact(errno, SYS_FUTEX_WAITV, entries, words.length, 0, timespec,
                        CLOCK_MONOTONIC);
            } catch (Throwable t) {
                throw LinuxOs.rethrow(t);
            }
            if (rc >= 0) {
                return (int) rc;
            }
            int e = Native.lastErrno(errno);
            return switch (e) {
                case Errno.EAGAIN -> VALUE_CHANGED;
                case Errno.ETIMEDOUT -> TIMED_OUT;
                case Errno.EINTR -> INTERRUPTED;
                case Errno.ENOSYS -> {
                    unsupported = true;
                    yield UNSUPPORTED;
                }
                default -> throw new IllegalStateException(Messages.format("futex_waitv failed", "words",
                        words.length, "errno", Errno.name(e)));
            };
        }
    }
}
