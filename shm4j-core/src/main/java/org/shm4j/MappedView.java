package org.shm4j;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ViewDetach;
import org.shm4j.internal.block.Absolute;
import org.shm4j.internal.os.Errno;
import org.shm4j.internal.os.FaultBarrier;
import org.shm4j.internal.os.LinuxOs;

/**
 * A mapped view of a {@link SharedMemory} object: {@code MapViewOfFile}'s result. Its
 * {@link #segment()} is bounds-checked and, for a {@link Access#READ_ONLY} view, read-only both in
 * Java and in the page tables.
 *
 * <p>The view owns its mapping through one arena: {@link #close()} unmaps at once, and any later
 * access through the segment throws {@link IllegalStateException}, never a crash. A view keeps its
 * object alive after the handle is closed. By default the arena is shared, so any thread may use
 * and close the view; {@link MapOption.Flag#CONFINED} makes a cheaper, single-thread view.
 *
 * <p>A view that is never closed is never unmapped: the garbage collector does not close its arena,
 * so the mapping, the object's descriptor and a reference-counted name stay until the process
 * exits. Close views with try-with-resources.
 */
public final class MappedView implements AutoCloseable {
    private final SharedObject object;
    private final Access access;
    private final long offset;
    private final MemorySegment mapping;
    private final long delta;
    private final Arena arena;
    private final MemorySegment segment;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ObjectHold hold;
    private final AtomicBoolean detached = new AtomicBoolean();

    private MappedView(SharedObject object, ObjectHold hold, Access access, long offset, MemorySegment mapping,
            long delta, Arena arena, MemorySegment segment) {
        this.object = object;
        this.hold = hold;
        this.access = access;
        this.offset = offset;
        this.mapping = mapping;
        this.delta = delta;
        this.arena = arena;
        this.segment = segment;
    }

    /** Maps a view; the caller has taken a reference on {@code object}, which the view now owns. */
    static MappedView map(SharedObject object, Access access, long offset, long length, MapOption... options)
            throws IOException {
        String name = object.displayName();
        if (!object.access().permitsView(access)) {
            throw new IllegalArgumentException(Messages.format("view access exceeds the object's access", "name", name,
                    "objectAccess", object.access(), "viewAccess", access));
        }
        long objectSize = object.byteSize();
        if (objectSize == 0) {
            // The size is another process's doing (created and not yet sized, or truncated to
            // nothing), not a range the caller got wrong.
            throw new SharedMemoryException(Messages.format("cannot map an empty object", "name", name, "byteSize", 0));
        }
        if (offset < 0 || length < 0 || offset > objectSize || (length == 0 && offset == objectSize)) {
            throw new IndexOutOfBoundsException(Messages.format("view outside the object", "name", name, "offset",
                    offset, "length", length, "byteSize", objectSize));
        }
        long viewLength = length == 0 ? objectSize - offset : length;
        if (viewLength > objectSize - offset) {
            throw new IndexOutOfBoundsException(Messages.format("view outside the object", "name", name, "offset",
                    offset, "length", length, "byteSize", objectSize));
        }
        long current = object.currentSize();
        if (offset + viewLength > current) {
            throw new SharedMemoryException(Messages.format("object was truncated below the requested view", "name",
                    name, "offset", offset, "length", viewLength, "currentSize", current));
        }

        long pageMask = LinuxOs.PAGE_SIZE - 1;
        long alignedOffset = offset & ~pageMask;
        long delta = offset - alignedOffset;
        long mappingLength = delta + viewLength;

        long address = 0;
        int flags = access == Access.COPY_ON_WRITE ? LinuxOs.MAP_PRIVATE : LinuxOs.MAP_SHARED;
        int prot = access == Access.READ_ONLY ? LinuxOs.PROT_READ : LinuxOs.PROT_READ | LinuxOs.PROT_WRITE;
        boolean confined = false;
        boolean lock = false;
        boolean hugePages = false;
        for (MapOption option : options) {
            switch (Objects.requireNonNull(option, "option")) {
                case MapOption.At at -> {
                    if ((at.address() & pageMask) != 0 || delta != 0 || at.address() == 0) {
                        throw new IllegalArgumentException(Messages.format(
                                "a fixed-address view needs a non-zero page-aligned address and offset", "name", name,
                                "address", "0x" + Long.toHexString(at.address()), "offset", offset, "pageSize",
                                LinuxOs.PAGE_SIZE));
                    }
                    address = at.address();
                    flags |= LinuxOs.MAP_FIXED_NOREPLACE;
                }
                case MapOption.Flag f -> {
                    switch (f) {
                        case POPULATE -> flags |= LinuxOs.MAP_POPULATE;
                        case LOCK -> lock = true;
                        case HUGE_PAGES -> hugePages = true;
                        case CONFINED -> confined = true;
                    }
                }
            }
        }

        long mapped = LinuxOs.mmap(address, mappingLength, prot, flags, object.fd(), alignedOffset, name);
        try {
            if (hugePages || object.hugePages()) {
                adviseHugePages(object, mapped, mappingLength, name);
            }
            if (lock) {
                lock(mapped, mappingLength, name);
            }
        } catch (IOException | RuntimeException | Error e) {
            LinuxOs.munmap(mapped, mappingLength);
            throw e;
        }
        Arena arena = confined ? Arena.ofConfined() : Arena.ofShared();
        ObjectHold hold = new ObjectHold(object);
        // The cleanup runs once, when the arena closes: after it, the JDK fails every access through
        // the segment, so unmapping cannot leave a dangling Java reference.
        MemorySegment mapping = LinuxOs.mappedSegment(mapped, mappingLength, arena, s -> {
            LinuxOs.munmap(mapped, mappingLength);
            hold.release();
        });
        MemorySegment segment = mapping.asSlice(delta, viewLength);
        if (access == Access.READ_ONLY) {
            segment = segment.asReadOnly();
        }
        return new MappedView(object, hold, access, offset, mapping, delta, arena, segment);
    }

    /** The view's reference on its object, dropped once: by the unmapping, or earlier by a detach. */
    private static final class ObjectHold {
        private final SharedObject object;
        private final AtomicBoolean released = new AtomicBoolean();

        ObjectHold(SharedObject object) {
            this.object = object;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                object.release();
            }
        }
    }

    static {
        ViewDetach.register(MappedView::detach);
    }

    /** See {@link ViewDetach}: private pages in place of the shared memory, the object released now. */
    private boolean detach() {
        if (!detached.compareAndSet(false, true)) {
            return true;
        }
        if (!Absolute.detach(mapping, object.displayName())) {
            detached.set(false);
            return false;
        }
        hold.release();
        return true;
    }

    /** Fails when the kernel gives no transparent huge pages to shared memory (tmpfs, memfd). */
    static void requireShmemHugePages(String name) throws IOException {
        String shmem = readSysfs("/sys/kernel/mm/transparent_hugepage/shmem_enabled");
        if (shmem.contains("[never]") || shmem.contains("[deny]")) {
            throw new ResourceLimitException(Messages.format(
                    "huge pages refused: transparent huge pages for shared memory are disabled", "name", name,
                    "shmem_enabled", shmem.trim(), "hint",
                    "echo advise > /sys/kernel/mm/transparent_hugepage/shmem_enabled"), null);
        }
    }

    private static void adviseHugePages(SharedObject object, long address, long length, String name)
            throws IOException {
        String path = object.path();
        if (path == null || path.startsWith(SegmentName.SHM_DIRECTORY + "/")) {
            requireShmemHugePages(name);
        }
        int e = LinuxOs.madvise(address, length, LinuxOs.MADV_HUGEPAGE);
        if (e != 0) {
            throw new ResourceLimitException(Messages.format("huge pages refused", "name", name, "length", length,
                    "errno", Errno.name(e)), Errno.name(e));
        }
    }

    private static String readSysfs(String file) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(file));
        } catch (IOException e) {
            return "[unknown]";
        }
    }

    private static void lock(long address, long length, String name) throws IOException {
        int e = LinuxOs.mlock(address, length);
        if (e == Errno.ENOMEM || e == Errno.EPERM || e == Errno.EAGAIN) {
            throw new ResourceLimitException(Messages.format(
                    "cannot lock view in memory: over RLIMIT_MEMLOCK; raise it with 'ulimit -l' or memlock in limits.conf",
                    "name", name, "length", length, "errno", Errno.name(e)), Errno.name(e));
        }
        if (e != 0) {
            throw Errno.exception(e, "mlock", null, "name", name, "length", length);
        }
    }

    /**
     * The view's memory: {@link #byteSize()} bytes starting at the view's offset in the object.
     * Read-only for a {@link Access#READ_ONLY} view. Do not keep its {@code address()}: after
     * {@link #close()} that memory is gone.
     */
    public MemorySegment segment() {
        return segment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    /** The view's offset in the object, as asked for (not page-aligned). */
    public long offset() {
        return offset;
    }

    public Access access() {
        return access;
    }

    /** The name (or path) of the object this view maps, for messages. */
    public String objectName() {
        return object.displayName();
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Writes the view's dirty pages back to the file and waits, like {@code FlushViewOfFile}.
     * For a copy-on-write or read-only view there is nothing to write and this returns at once.
     */
    public void force() throws IOException {
        force(0, byteSize(), Flush.DATA);
    }

    /** As {@link #force()}, choosing whether metadata is synced too. */
    public void force(Flush flush) throws IOException {
        force(0, byteSize(), flush);
    }

    /** As {@link #force(long, long, Flush)} with {@link Flush#DATA}. */
    public void force(long offset, long length) throws IOException {
        force(offset, length, Flush.DATA);
    }

    /**
     * Writes back the pages that hold {@code [offset, offset + length)} of this view, like
     * {@code FlushViewOfFile}: the range is widened to whole pages, and a {@code length} of 0 means
     * from {@code offset} to the end of the view (as {@code FlushViewOfFile(p, 0)} does, and as
     * {@link SharedMemory#map}'s length 0 does). A clean range costs a system call and no I/O.
     *
     * @param offset where the range starts, from the start of the view: {@code 0 <= offset < byteSize()}
     * @param length bytes to write back; 0 for all from {@code offset} to the end of the view
     * @throws IndexOutOfBoundsException if {@code offset} or {@code length} is negative, or the range
     *     does not lie inside the view (the message names both and the view's size)
     * @throws IllegalStateException if the view is closed
     */
    public void force(long offset, long length, Flush flush) throws IOException {
        Objects.requireNonNull(flush, "flush");
        long viewBytes = byteSize();
        if (offset < 0 || length < 0 || offset >= viewBytes || length > viewBytes - offset) {
            throw new IndexOutOfBoundsException(Messages.format("flush range outside the view", "name", objectName(),
                    "offset", offset, "length", length, "viewByteSize", viewBytes));
        }
        if (length == 0) {
            length = viewBytes - offset; // FlushViewOfFile: 0 bytes = to the end of the view
        }
        if (!isOpen()) {
            throw new IllegalStateException(Messages.format("view is closed", "name", objectName()));
        }
        if (access != Access.READ_WRITE) {
            return;
        }
        // The mapping starts on a page boundary, so whole pages are offsets rounded down within it.
        long start = (delta + offset) & ~(LinuxOs.PAGE_SIZE - 1);
        long end = delta + offset + length;
        // Passing the segment (not its address) keeps the arena alive for the call: a concurrent
        // close cannot unmap the range while msync runs on it.
        LinuxOs.msync(mapping.asSlice(start, end - start), LinuxOs.MS_SYNC, objectName());
        if (flush == Flush.DATA_AND_METADATA) {
            LinuxOs.fsync(object.fd(), objectName());
        }
    }

    /**
     * Runs {@code action} on the view's segment and turns a memory fault into a
     * {@link SegmentFaultException} naming the object, the view and the object's current size. A
     * fault happens when another process truncated the object below the view (SIGBUS), which the
     * JVM reports as an {@link InternalError}; the exception is thrown by this method, before it
     * returns, whether the caller is interpreted, C1- or C2-compiled and whether the JIT inlined
     * this method into it.
     *
     * <p>Where the JIT compiled {@code action}, the VM delivers the fault asynchronously: the
     * faulting read returns an unspecified value and the action may go on running with it until
     * its next safepoint poll or this method's end. Do not let values read inside the action
     * decide writes outside the view; inside the view they are harmless (the page is gone).
     * If the action fails with another exception after a fault, the {@code SegmentFaultException}
     * is thrown with that exception suppressed. See {@link SegmentFaultException} for the VMs on
     * which this is verified.
     *
     * @throws SegmentFaultException if the action touched a page the object no longer has
     */
    public <T> T accessAndGet(Function<MemorySegment, T> action) {
        try {
            T result = action.apply(segment);
            FaultBarrier.deliverPendingFault();
            return result;
        } catch (InternalError e) {
            throw translateFault(e);
        } catch (RuntimeException | Error e) {
            throw afterActionFailed(e);
        }
    }

    /**
     * As {@link #accessAndGet(Function)}, for actions that return nothing.
     *
     * @throws SegmentFaultException if the action touched a page the object no longer has
     */
    public void access(Consumer<MemorySegment> action) {
        try {
            action.accept(segment);
            FaultBarrier.deliverPendingFault();
        } catch (InternalError e) {
            throw translateFault(e);
        } catch (RuntimeException | Error e) {
            throw afterActionFailed(e);
        }
    }

    /**
     * The action threw: a fault may still be pending (the action may have failed on the garbage a
     * faulting read returned), so it is delivered now, while we are still inside the safe path.
     */
    private RuntimeException afterActionFailed(Throwable failure) {
        try {
            FaultBarrier.deliverPendingFault();
        } catch (InternalError fault) {
            RuntimeException translated = translateFault(fault);
            translated.addSuppressed(failure);
            throw translated;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return (RuntimeException) failure;
    }

    private RuntimeException translateFault(InternalError e) {
        String message = e.getMessage();
        if (message == null || !message.contains("unsafe memory access")) {
            // Not a memory fault (the action's own InternalError): a pending fault still wins.
            return afterActionFailed(e);
        }
        long size;
        try {
            size = object.currentSize();
        } catch (IOException statFailed) {
            size = -1;
        }
        return new SegmentFaultException(Messages.format(
                "memory fault in view; the object was probably truncated by another process", "name", objectName(),
                "viewOffset", offset, "viewLength", byteSize(), "objectSize", size), e);
    }

    /**
     * Unmaps the view. Dirty pages of a shared view still reach the object (the kernel keeps them);
     * call {@link #force()} first if they must be on disk now. Idempotent; thread-safe unless the
     * view is {@link MapOption.Flag#CONFINED}, when only the mapping thread may close it.
     *
     * @throws WrongThreadException if the view is confined and this is not its thread
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                arena.close();
            } catch (RuntimeException e) {
                closed.set(false);
                throw e;
            }
        }
    }

    @Override
    public String toString() {
        return Messages.format("MappedView", "name", objectName(), "offset", offset, "byteSize", byteSize(), "access",
                access, "open", isOpen());
    }
}
