package org.shm4j.internal.os;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * Makes HotSpot deliver a pending memory-fault error here, inside the caller's {@code try}, instead
 * of at some later point in the caller.
 *
 * <p>Why it is needed. A SIGBUS in a memory access made by JIT-compiled code (a view whose object
 * another process truncated) does not throw where it happens: the VM's signal handler
 * ({@code SharedRuntime::handle_unsafe_access}) skips the faulting instruction (a load returns
 * garbage), queues an asynchronous {@code UnsafeAccessErrorHandshake} on the thread and arms the
 * thread's poll. The {@code InternalError} is thrown where the thread next processes its
 * handshakes: a safepoint poll (a loop back edge, a method return) or a thread-state transition.
 * When C2 inlines {@code view.access(...)} into a hot caller, the first such point can lie after
 * the library's {@code try}, so the caller saw a raw {@code InternalError}. The interpreter and C1
 * happen to poll in time (the return of the accessor method); C2 does not.
 *
 * <p>What this does. A downcall that is not {@code Linker.Option.critical} makes the thread go
 * to {@code _thread_in_native} and back. On the way back the downcall stub tests the poll word;
 * an armed poll takes the slow path, {@code JavaThread::check_special_condition_for_native_trans},
 * which processes the queued handshakes with asynchronous exceptions allowed. The
 * {@code UnsafeAccessErrorHandshake} then builds the {@code InternalError}; because the top frame
 * is the downcall's runtime stub, {@code JavaThread::handle_async_exception} deoptimizes the
 * compiled caller, and the error is thrown at this call's bytecode, inside the caller's
 * {@code try}. The stub is a call, so no memory access of the caller can be moved after it.
 *
 * <p>Measured on JDK 25 (1,000 faults after 300,000 warm calls, each shape in its own JVM, reads and
 * writes): a non-critical downcall, {@code Thread.yield()}, {@code Thread.holdsLock} and a call
 * through a non-constant method handle delivered every fault inside the {@code try} under C2;
 * nothing, a critical downcall, {@code Thread.onSpinWait()}, {@code VarHandle.fullFence()},
 * {@code Reference.reachabilityFence} and {@code Class.isHidden()} delivered none. Of the reliable
 * shapes the downcall is the one whose delivery is the VM's documented native-to-Java transition
 * rather than a JIT inlining decision, and it costs no system call: {@code getpagesize} only
 * returns a value the C library keeps.
 */
@SuppressWarnings("restricted")
public final class FaultBarrier {
    private static final MethodHandle GETPAGESIZE =
            Native.downcall("getpagesize", FunctionDescriptor.of(Native.C_INT));

    /**
     * Whether this VM is one on which the delivery above was verified: HotSpot with its own
     * interpreter, C1 and C2. A JVMCI compiler (Graal as the JIT) or another VM (OpenJ9) may deliver
     * the error elsewhere; on those, the first use says so in the log instead of promising it.
     */
    public static final boolean VERIFIED_VM = verifiedVm(System.getProperty("java.vm.name", ""),
            System.getProperty("jdk.internal.vm.ci.enabled", "false"));

    static {
        if (!VERIFIED_VM) {
            System.getLogger("org.shm4j").log(System.Logger.Level.WARNING,
                    "memory faults in views may surface outside view.access on this VM: delivery inside access is"
                            + " verified on HotSpot with C1, C2 and the interpreter only; vm="
                            + System.getProperty("java.vm.name") + ", jvmci="
                            + System.getProperty("jdk.internal.vm.ci.enabled", "false"));
        }
    }

    private FaultBarrier() {}

    static boolean verifiedVm(String vmName, String jvmciEnabled) {
        boolean hotSpot = vmName.contains("HotSpot") || vmName.startsWith("OpenJDK");
        return hotSpot && !Boolean.parseBoolean(jvmciEnabled);
    }

    /**
     * Throws here the {@code InternalError} of a memory fault this thread took since its last
     * safepoint poll, if any; otherwise returns. A few nanoseconds (a native transition).
     */
    public static void deliverPendingFault() {
        try {
            int unused = (int) GETPAGESIZE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("getpagesize cannot throw a checked exception", t);
        }
    }
}
