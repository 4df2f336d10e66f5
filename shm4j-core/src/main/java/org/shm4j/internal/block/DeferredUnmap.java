package org.shm4j.internal.block;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import org.shm4j.MappedView;
import org.shm4j.internal.ViewDetach;

/**
 * The end of a named object's mapping that a thread-safe handle reaches by absolute address
 * ({@link Absolute}), in two steps, since such a handle cannot know whether another of its threads
 * is still inside a call.
 *
 * <ol>
 * <li>{@link #detach()}, from the handle's {@code close()}: the shared memory is replaced at once
 * by private pages over the same addresses ({@link ViewDetach}), so the shared object is no longer
 * mapped, and a thread still inside a call reads zeros and writes private memory (the handle then
 * reports itself closed), never an unmapped page. The view's hold on its object (descriptor,
 * reference-counted name) ends here too, as a close would end it: nothing but the address range
 * waits for the garbage collector.</li>
 * <li>The address range itself is unmapped (the cleaner runs this object) once the handle is
 * unreachable, which proves that no thread is inside one of its calls: every method that reaches
 * the memory by absolute address ends with {@code Reference.reachabilityFence(this)}, since the
 * JIT may otherwise drop {@code this} once the fields it needs are in registers. A handle that was
 * never closed is never unmapped here.</li>
 * </ol>
 *
 * This is the one deferred release in shm4j (STYLE.md asks for none), and only of an address
 * range (the object's pages, now private and mostly untouched): the shared memory and the object
 * are let go by {@code close()}, at once. The handle owns the view through
 * this object; nothing else closes it.
 */
public final class DeferredUnmap implements Runnable {
    /** One daemon thread for every handle of the process. */
    private static final Cleaner CLEANER = Cleaner.create();

    private final MappedView view;
    private final AtomicBoolean detached = new AtomicBoolean();

    private DeferredUnmap(MappedView view) {
        this.view = view;
    }

    /** Takes over {@code view} for {@code handle}: unmapped once the handle is detached and unreachable. */
    public static DeferredUnmap register(Object handle, MappedView view) {
        DeferredUnmap release = new DeferredUnmap(view);
        CLEANER.register(handle, release);
        return release;
    }

    /** Detaches the shared memory (step 1). Idempotent. */
    public void detach() {
        if (detached.compareAndSet(false, true)) {
            // If the kernel refuses, the shared memory and the object stay until run(): still never
            // unmapped under a caller.
            ViewDetach.detach(view);
        }
    }

    /** Step 2, the cleaner's action. */
    @Override
    public void run() {
        if (detached.get()) {
            view.close();
        }
    }
}
