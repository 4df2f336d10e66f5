package org.shm4j.bench.ring;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The raw {@code futex} wait and wake of the {@code pingpong-vs-raw} baseline: the floor a ring's
 * blocking hand-off is compared with, so it is the bare system call, made here and not through
 * shm4j (whose wait engine is what is being measured). Class path only, with
 * {@code --enable-native-access=ALL-UNNAMED}.
 */
@SuppressWarnings("restricted")
final class RawFutex {
    private static final long SYS_FUTEX = "aarch64".equals(System.getProperty("os.arch")) ? 98 : 202;
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(1));

    private RawFutex() {}

    /** Sleeps while {@code word} holds {@code expected}, without a time limit; returns on any wake. */
    static void await(MemorySegment word, int expected) {
        call(word, FUTEX_WAIT, expected);
    }

    /** Wakes up to {@code count} sleepers on {@code word}. */
    static void wake(MemorySegment word, int count) {
        call(word, FUTEX_WAKE, count);
    }

    private static void call(MemorySegment word, int op, int value) {
        try {
            long rc = (long) SYSCALL.invokeExact(SYS_FUTEX, word, op, value, MemorySegment.NULL, MemorySegment.NULL, 0);
            assert rc >= -1;
        } catch (Throwable t) {
            throw new IllegalStateException("futex call failed", t);
        }
    }
}
