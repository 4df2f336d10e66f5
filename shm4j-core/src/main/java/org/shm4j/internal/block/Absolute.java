package org.shm4j.internal.block;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.shm4j.internal.os.LinuxOs;

/**
 * All of this process's address space as one segment, for hot paths that reach shared memory by
 * absolute address ({@code base + offset}).
 *
 * <p><b>Why.</b> An access through a segment held in an instance field keeps the JDK's liveness,
 * bounds and alignment checks on every access, because C2 cannot treat the segment as a constant.
 * Through this {@code static final} segment of the global scope, starting at address 0 and
 * covering {@code Long.MAX_VALUE} bytes, C2 folds the liveness check (the global scope never
 * closes) and the segment's base, and what remains is a compare against a constant. Measured with
 * JMH (docs/ring.md), a ring's offer + poll costs about two thirds as much this way.
 *
 * <p><b>The rules</b>, for every caller; the JDK no longer enforces them, the caller does:
 * <ol>
 * <li>Only memory this process keeps mapped for as long as any thread may still access it: the
 * object using {@link #MEMORY} holds the mapping (a {@code MappedView} it owns, closed only once
 * every user of the addresses has been closed). Never a caller-provided segment, whose arena the
 * caller may close at any time: keep the scoped segment for those.</li>
 * <li>Every offset added to a base is validated by the caller first: offsets masked into the data
 * region, lengths and positions read from shared memory checked against the region's size before
 * use (a hostile process can write anything there).</li>
 * <li>Every call checks a closed flag first, so a use after {@code close()} is an
 * {@link IllegalStateException}, never an access to memory that may be gone.</li>
 * <li>What user code touches (a record slice, a claim's segment) stays a checked, scoped slice of
 * the mapping: absolute addresses never leave the library.</li>
 * <li>Natural alignment: the address itself must be aligned to the access size (the segment
 * starts at 0, so the alignment check is on the address).</li>
 * </ol>
 */
@SuppressWarnings("restricted") // reinterpret: the whole point, under the rules above
public final class Absolute {
    /** Every address of the process, in the global scope. See the class documentation for the rules. */
    public static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    /** {@code long} at an absolute address: coordinates {@code (MEMORY, address)}. */
    public static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** {@code int} at an absolute address: coordinates {@code (MEMORY, address)}. */
    public static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private Absolute() {}

    /**
     * Detaches the shared memory under {@code mapped} from this process at once while keeping its
     * address range: the pages covering it are replaced, in one {@code mmap(MAP_FIXED)}, by private
     * anonymous pages. A thread that is inside a call (it passed its closed-flag check before the
     * object was closed) then reads zeros and writes into private memory, never the shared object
     * and never an unmapped page; the caller must treat what such a thread read as "closed" (its
     * next check of the closed flag says so). The range itself is unmapped later, when the mapping's
     * owner closes it, once no thread can still be inside a call.
     *
     * @param mapped a segment of a mapping this process owns (its pages, rounded out, are replaced)
     * @return false if the kernel refused (the shared memory then stays mapped until the owner closes
     *     it: still never unmapped under a caller)
     */
    public static boolean detach(MemorySegment mapped, String nameForMessages) {
        long page = LinuxOs.PAGE_SIZE;
        long start = mapped.address() & -page;
        long end = (mapped.address() + mapped.byteSize() + page - 1) & -page;
        try {
            LinuxOs.mmap(start, end - start, LinuxOs.PROT_READ | LinuxOs.PROT_WRITE,
                    LinuxOs.MAP_PRIVATE | LinuxOs.MAP_ANONYMOUS | LinuxOs.MAP_FIXED | LinuxOs.MAP_NORESERVE, -1, 0,
                    nameForMessages);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
