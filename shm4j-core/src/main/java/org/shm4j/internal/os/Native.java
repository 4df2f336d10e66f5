package org.shm4j.internal.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import org.shm4j.internal.Messages;

/**
 * The linker, the C library and the errno capture used by every downcall in this package.
 *
 * <p>Every restricted FFM operation of shm4j happens in {@code org.shm4j.internal.os}, so only this
 * package needs {@code --enable-native-access}.
 */
@SuppressWarnings("restricted")
public final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfLong C_OFF_T = ValueLayout.JAVA_LONG;
    static final ValueLayout C_POINTER = ValueLayout.ADDRESS;

    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /**
     * One errno capture buffer per thread. Downcalls write errno into it and the caller reads it
     * back right after the call, on the same thread, so no other access can interleave.
     */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private Native() {}

    /** A downcall that records errno; its first argument is the capture segment from {@link #errnoBuffer()}. */
    static MethodHandle downcallWithErrno(String symbol, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        try {
            return LINKER.downcallHandle(symbol(symbol), descriptor, options);
        } catch (IllegalCallerException denied) {
            return failing(descriptor.toMethodType().insertParameterTypes(0, MemorySegment.class));
        }
    }

    /** A downcall for a function that cannot fail or reports failure in its return value. */
    static MethodHandle downcall(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        try {
            return LINKER.downcallHandle(symbol(symbol), descriptor, options);
        } catch (IllegalCallerException denied) {
            return failing(descriptor.toMethodType());
        }
    }

    /**
     * The error for a JVM that denies this module native access ({@code --illegal-native-access=deny},
     * the default in a future JDK): one message naming the flag to add, at every call, instead of an
     * {@code ExceptionInInitializerError} once and {@code NoClassDefFoundError} after it.
     */
    public static IllegalCallerException nativeAccessDenied() {
        Module module = Native.class.getModule();
        String target = module.isNamed() ? module.getName() : "ALL-UNNAMED";
        return new IllegalCallerException(Messages.format(
                "native access is not enabled for shm4j; add --enable-native-access=" + target
                        + " to the java command line",
                "module", module.isNamed() ? module.getName() : "unnamed (class path)", "flag",
                "--enable-native-access=" + target));
    }

    /** Whether this module may make native calls; false only when the JVM denies it. */
    static boolean nativeAccessAllowed() {
        return NATIVE_ACCESS;
    }

    private static final boolean NATIVE_ACCESS = probeNativeAccess();

    private static boolean probeNativeAccess() {
        try {
            LINKER.downcallHandle(symbol("getpid"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            return true;
        } catch (IllegalCallerException denied) {
            return false;
        }
    }

    /**
     * A handle of the downcall's type that throws {@link #nativeAccessDenied()} when invoked, so the
     * classes holding handles initialise and every call reports the same clear error.
     */
    private static MethodHandle failing(MethodType type) {
        try {
            MethodHandle thrower = MethodHandles.lookup().findStatic(Native.class, "deny",
                    MethodType.methodType(Object.class));
            return MethodHandles.dropArguments(thrower.asType(MethodType.methodType(type.returnType())), 0,
                    type.parameterList());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unused") // called through a method handle
    private static Object deny() {
        throw nativeAccessDenied();
    }

    /** One downcall: gets the errno capture segment and an arena for its arguments. */
    @FunctionalInterface
    interface Downcall {
        long invoke(MemorySegment errno, Arena arena) throws Throwable;
    }

    /**
     * Makes one downcall with a confined arena for its arguments; see {@link #call(Arena, Downcall)}.
     */
    static long call(Downcall downcall) {
        try (Arena arena = Arena.ofConfined()) {
            return call(arena, downcall);
        }
    }

    /**
     * Makes one downcall and reads errno the one way this package does: right after the call, on
     * the same thread, from the capture segment. System-call wrappers of the C library return -1
     * on failure, so that value, and only it, means failure.
     *
     * @return the call's result, or minus the errno when it returned -1
     */
    static long call(Arena arena, Downcall downcall) {
        MemorySegment errno = errnoBuffer();
        long result;
        try {
            result = downcall.invoke(errno, arena);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("unexpected checked exception from a downcall", t);
        }
        if (result != -1) {
            return result;
        }
        int e = lastErrno(errno);
        // -1 with errno 0 does not happen; if it did, it must still read as a failure.
        return -(e == 0 ? Errno.EIO : e);
    }

    static MemorySegment errnoBuffer() {
        return CAPTURE.get();
    }

    static int lastErrno(MemorySegment buffer) {
        return (int) ERRNO.get(buffer, 0L);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("C library symbol not found: name=" + name));
    }
}
