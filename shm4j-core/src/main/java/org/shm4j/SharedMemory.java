package org.shm4j;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.Kinds;
import org.shm4j.internal.os.Errno;
import org.shm4j.internal.os.FileStat;
import org.shm4j.internal.os.LinuxOs;
import org.shm4j.internal.os.PathAttributes;

/**
 * A handle to a shared-memory object: a named object in {@code /dev/shm}, a mapped file, or an
 * anonymous memory file. It is the Windows file-mapping object ({@code CreateFileMapping} /
 * {@code OpenFileMapping}); {@link #map} makes views of it ({@code MapViewOfFile}).
 *
 * <p>A raw object has no hidden header: byte 0 a view writes is byte 0 that C ({@code shm_open})
 * and Python ({@code multiprocessing.shared_memory}) read under the same name.
 *
 * {@snippet :
 * try (SharedMemory shm = SharedMemory.openOrCreate("orders", 4096);
 *      MappedView view = shm.map(Access.READ_WRITE, 0, 0)) {
 *     view.segment().set(ValueLayout.JAVA_LONG, 0, 42L);
 * }
 * }
 *
 * <p>Handles and views may be closed in any order: an open view keeps the object alive, as on
 * Windows. {@link #close()} is idempotent and thread-safe; it never removes the name (see
 * {@link #remove} and {@link Lifetime#REFERENCE_COUNTED}).
 */
public final class SharedMemory implements AutoCloseable {
    private final SharedObject object;
    private final SegmentName name;
    private final boolean created;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SharedMemory(SharedObject object, SegmentName name, boolean created) {
        this.object = object;
        this.name = name;
        this.created = created;
    }

    // ---- factories ---------------------------------------------------------------------------

    /**
     * Creates a named object; fails if the name exists. Storage is reserved now unless
     * {@link Commit#LAZY} is passed; permissions are {@code 0600} unless a {@link SegmentOption.Mode}
     * is passed, applied exactly whatever the umask.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     * @throws InsufficientSpaceException if {@code /dev/shm} cannot hold {@code byteSize} bytes
     * @throws InvalidNameException if {@code name} is not a valid name (see {@link SegmentName})
     * @throws IllegalArgumentException if {@code byteSize} is not positive
     * @throws IOException for any other failure of the system calls
     */
    public static SharedMemory create(String name, long byteSize, SegmentOption... options) throws IOException {
        SegmentName n = SegmentName.of(name);
        return new SharedMemory(ObjectOpener.createNamed(n, byteSize, Options.of(options)), n, true);
    }

    /**
     * Opens an existing named object, like {@code OpenFileMapping}. The size is the object's. If the
     * name is a named file mapping (see {@link #mapFile(String, Path, long, Access, SegmentOption...)}),
     * the file it names is mapped, with the file's size now, and {@link #path()} is that file.
     *
     * @throws java.nio.file.NoSuchFileException if there is no object of that name (or a
     *     reference-counted one whose attachers are all gone: that orphan is removed)
     * @throws ForeignOwnerException if another user owns it and {@link SegmentOption.Flag#ALLOW_FOREIGN_OWNER}
     *     was not passed
     * @throws UnexpectedFileTypeException if the name is a symbolic link, directory, FIFO, socket or device
     * @throws java.nio.file.AccessDeniedException if its permissions do not allow {@code access}, or
     *     a named file mapping was made with less access than {@code access}
     * @throws StaleFileMappingException if a named file mapping's file is no longer the file that was
     *     named (deleted, moved, replaced, a symbolic link in its place, another owner or mode)
     * @throws SharedMemoryException if a named file mapping's record is malformed
     * @throws WrongObjectKindException if the name holds a ring, lock, event, semaphore or map (see
     *     {@link ObjectKind}) and {@link SegmentOption.Flag#ANY_KIND} was not passed
     */
    public static SharedMemory open(String name, Access access, SegmentOption... options) throws IOException {
        SegmentName n = SegmentName.of(name);
        Objects.requireNonNull(access, "access");
        Options o = Options.of(options);
        return requireSegment(new SharedMemory(ObjectOpener.openNamed(n, access, o), n, false), o);
    }

    /**
     * Closes {@code shm} and throws {@link WrongObjectKindException} if it holds a typed object
     * (a ring, a lock, a map...) and {@link SegmentOption.Flag#ANY_KIND} was not passed.
     */
    private static final ThreadLocal<MemorySegment> HEAD =
            ThreadLocal.withInitial(() -> java.lang.foreign.Arena.ofAuto().allocate(Kinds.HEAD_BYTES, 8));

    private static SharedMemory requireSegment(SharedMemory shm, Options options) throws IOException {
        if (options.has(SegmentOption.Flag.ANY_KIND) || shm.isNamedFileMapping()) {
            // A named file mapping's name resolved to its file: the name was a file mapping, and
            // the file's bytes are the caller's, whatever they hold.
            return shm;
        }
        try {
            // pread into a per-thread buffer, not a view: no mapping and no allocation per open.
            MemorySegment head = HEAD.get();
            long n = LinuxOs.pread(shm.object.fd(), head.asSlice(0, Math.min(shm.byteSize(), Kinds.HEAD_BYTES)), 0,
                    shm.displayName());
            ObjectKind found = Kinds.recognise(head.asSlice(0, n), shm.byteSize());
            if (found != ObjectKind.SEGMENT && found != ObjectKind.FILE_MAPPING) {
                throw new WrongObjectKindException(shm.displayName(), found, java.util.Set.of(ObjectKind.SEGMENT));
            }
            return shm;
        } catch (IOException | RuntimeException | Error e) {
            shm.close();
            throw e;
        }
    }

    /**
     * Opens the named object, creating it with {@code byteSize} bytes if there is none, race-free:
     * when many processes race, exactly one creates. If it existed, its size wins and
     * {@link #created()} is false (the {@code ERROR_ALREADY_EXISTS} case); read {@link #byteSize()}.
     * Options about creation (commit, mode, lifetime) apply only when this call creates. The handle
     * is {@link Access#READ_WRITE}; see {@link #openOrCreate(String, long, Access, SegmentOption...)}.
     *
     * @throws WrongObjectKindException if the name holds a ring, lock, event, semaphore or map (see
     *     {@link ObjectKind}) and {@link SegmentOption.Flag#ANY_KIND} was not passed
     */
    public static SharedMemory openOrCreate(String name, long byteSize, SegmentOption... options) throws IOException {
        return openOrCreate(name, byteSize, Access.READ_WRITE, options);
    }

    /**
     * As {@link #openOrCreate(String, long, SegmentOption...)}, with the most this handle's views may
     * do, as {@code OpenFileMapping}'s access: an existing object is opened with {@code access}
     * (so a {@link Access#READ_ONLY} caller needs only read permission on it); a created one is
     * built read-write and the handle is then limited to {@code access}. If the name is a named
     * file mapping (see {@link #mapFile(String, Path, long, Access, SegmentOption...)}), its file is
     * mapped.
     *
     * @throws java.nio.file.AccessDeniedException if an existing object's permissions do not allow
     *     {@code access}
     */
    public static SharedMemory openOrCreate(String name, long byteSize, Access access, SegmentOption... options)
            throws IOException {
        SegmentName n = SegmentName.of(name);
        Objects.requireNonNull(access, "access");
        Options o = Options.of(options);
        ObjectOpener.Opened opened = ObjectOpener.openOrCreateNamed(n, byteSize, access, o);
        SharedMemory shm = new SharedMemory(opened.object(), n, opened.created());
        return opened.created() ? shm : requireSegment(shm, o);
    }

    /**
     * Maps a file, like {@code CreateFile} + {@code CreateFileMapping(hFile, ...)}.
     *
     * @param byteSize 0 for the file's size; larger than the file grows it (needs
     *     {@link Access#READ_WRITE})
     * @param access the most any view may do; a file nobody may write can only be
     *     {@link Access#READ_ONLY} or {@link Access#COPY_ON_WRITE}
     * @param options a {@link SegmentOption.Disposition} (default: the file must exist), a
     *     {@link SegmentOption.Mode} for a created file, {@link Commit}
     * @throws java.nio.file.AccessDeniedException if the file may not be opened or grown as asked
     * @throws SharedMemoryException if the file is empty and no size was given
     */
    public static SharedMemory mapFile(Path file, long byteSize, Access access, SegmentOption... options)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(access, "access");
        ObjectOpener.Opened opened = ObjectOpener.openFile(file, byteSize, access, Options.of(options), null);
        return new SharedMemory(opened.object(), null, opened.created());
    }

    /**
     * Maps a file and gives the mapping a name, like {@code CreateFileMapping(hFile, ..., lpName)}:
     * any process may then {@link #open} or {@link #openOrCreate} the name and map the same file,
     * with its size then, without knowing its path. The name lives in the same namespace as
     * memory-only objects (one name, one object): it is a small record in {@code /dev/shm} (see
     * {@link FileMappingRecord}) holding the file's path, device, inode, owner and mode, and an
     * opener maps the file only if it is still that file. {@link #remove} removes the name, never
     * the file.
     *
     * {@snippet :
     * try (SharedMemory orders = SharedMemory.mapFile("orders", Path.of("orders.bin"), 1 << 20,
     *         Access.READ_WRITE, SegmentOption.Disposition.OPEN_OR_CREATE)) {
     *     // another process: SharedMemory.open("orders", Access.READ_ONLY) maps orders.bin
     * }
     * }
     *
     * @param name the mapping's name; {@link #name()} of the handle
     * @param options as for {@link #mapFile(Path, long, Access, SegmentOption...)}, plus a
     *     {@link Lifetime} for the name ({@link Lifetime#PERSISTENT}, the default, or
     *     {@link Lifetime#REFERENCE_COUNTED}: the name goes with the last handle in any process, the
     *     file stays); a {@link SegmentOption.Mode} applies to the record too (who may open the name)
     * @throws java.nio.file.FileAlreadyExistsException if the name exists (the file is left as it was)
     * @throws InvalidNameException if {@code name} is not a valid name
     */
    public static SharedMemory mapFile(String name, Path file, long byteSize, Access access,
            SegmentOption... options) throws IOException {
        SegmentName n = SegmentName.of(name);
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(access, "access");
        ObjectOpener.Opened opened = ObjectOpener.openFile(file, byteSize, access, Options.of(options), n);
        return new SharedMemory(opened.object(), n, opened.created());
    }

    /**
     * Creates an anonymous object ({@code memfd_create}): no name in any directory; it lives while a
     * handle, view or descriptor to it exists in any process. Hand it over with
     * {@link SharedMemoryProcessBuilder} or {@link SegmentChannel}.
     *
     * @param debugName a label shown in {@code /proc/<pid>/maps} ({@code memfd:shm4j:<label>})
     */
    public static SharedMemory createAnonymous(String debugName, long byteSize, SegmentOption... options)
            throws IOException {
        Objects.requireNonNull(debugName, "debugName");
        if (debugName.length() > 200 || debugName.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(Messages.format("invalid debug name", "debugName",
                    Messages.quote(debugName)));
        }
        return new SharedMemory(ObjectOpener.createAnonymous(debugName, byteSize, Options.of(options)), null, true);
    }

    /**
     * Removes a named object, like {@code shm_unlink}. Processes that have it open or mapped keep
     * using it; the name can be created afresh at once (and then reads as zeros).
     *
     * @return true if it was removed, false if there was none
     * @throws UnexpectedFileTypeException if the name is not a regular file (nothing is removed)
     */
    public static boolean remove(String name) throws IOException {
        SegmentName n = SegmentName.of(name);
        String path = n.path().toString();
        try {
            var stat = LinuxOs.lstat(path);
            if (!stat.isRegularFile()) {
                throw new UnexpectedFileTypeException(Messages.format("not a shared-memory object, not removed",
                        "name", n, "type", stat.typeName()));
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        int e = LinuxOs.unlink(path);
        if (e == Errno.ENOENT) {
            return false;
        }
        if (e != 0) {
            throw Errno.exception(e, "unlink", path);
        }
        return true;
    }

    /**
     * Whether a named object exists, as {@link #open} would find it: a
     * {@link Lifetime#REFERENCE_COUNTED} object whose every holder died is an orphan, which this
     * call removes and reports as absent (see {@link SegmentInfo.AttachState}).
     */
    public static boolean exists(String name) {
        String path = SegmentName.of(name).path().toString();
        FileStat stat;
        try {
            stat = LinuxOs.lstat(path);
        } catch (IOException e) {
            return false;
        }
        if (!stat.isRegularFile()) {
            return false;
        }
        if (!ObjectOpener.REFERENCE_COUNTED_TAG.equals(PathAttributes.lgetxattr(path, SharedObject.LIFETIME_XATTR))) {
            return true;
        }
        try {
            SegmentInfo.AttachState state = ObjectOpener.probeAttach(path, stat);
            return state != SegmentInfo.AttachState.ORPHAN_REMOVED && state != SegmentInfo.AttachState.ORPHAN;
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return true; // it is there, though this process may not test its lock
        }
    }

    /**
     * Opens an object the parent process passed with {@link SharedMemoryProcessBuilder#share}.
     *
     * @throws java.nio.file.NoSuchFileException if this process was not started with {@code key}
     * @throws SharedMemoryException if the inherited description is malformed
     */
    public static SharedMemory openInherited(String key) throws IOException {
        return SharedMemoryProcessBuilder.openInherited(key);
    }

    /**
     * The system's page size in bytes (4096 on x86-64; 4096, 16384 or 65536 on aarch64): what
     * {@link MapOption#at} addresses and offsets must be multiples of. Views at any other offset
     * work too; the library aligns them.
     */
    public static long pageSize() {
        LinuxOs.requireNativeAccess();
        return LinuxOs.PAGE_SIZE;
    }

    /**
     * The granularity of view offsets the system maps without slicing, Windows'
     * {@code dwAllocationGranularity} (64 KiB there): on Linux, the page size. Chunked views whose
     * offsets are multiples of it map exactly at the page they start on.
     */
    public static long allocationGranularity() {
        LinuxOs.requireNativeAccess();
        return LinuxOs.PAGE_SIZE;
    }

    static SharedMemory wrap(SharedObject object) {
        return new SharedMemory(object, null, false);
    }

    // ---- views --------------------------------------------------------------------------------

    /**
     * Maps a view of {@code length} bytes at {@code offset}, like {@code MapViewOfFile(Ex)}. Any
     * offset works: the library aligns the mapping to pages and the view's segment starts exactly at
     * {@code offset}. Views longer than 2 GiB are fine.
     *
     * @param access the view's access; never more than the object's ({@link Access#permitsView})
     * @param offset byte offset into the object
     * @param length bytes to map; 0 maps from {@code offset} to the end of the object
     * @throws IllegalArgumentException if {@code access} exceeds the object's access, or a fixed
     *     address is not page-aligned or the offset is not
     * @throws IndexOutOfBoundsException if the range is not inside the object
     * @throws SharedMemoryException if the object is empty (another process created it without a
     *     size, or truncated it to nothing)
     * @throws IllegalStateException if this handle is closed
     * @throws AddressInUseException if {@link MapOption#at} names a range that is already mapped
     * @throws ResourceLimitException if {@link MapOption.Flag#LOCK} or huge pages are refused
     */
    public MappedView map(Access access, long offset, long length, MapOption... options) throws IOException {
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(options, "options");
        if (closed.get() || !object.retain()) {
            throw new IllegalStateException(Messages.format("shared memory handle is closed", "name", displayName()));
        }
        try {
            return MappedView.map(object, access, offset, length, options);
        } catch (IOException | RuntimeException | Error e) {
            object.release();
            throw e;
        }
    }

    /** Maps the whole object with the handle's access. */
    public MappedView map() throws IOException {
        return map(object.access(), 0, 0);
    }

    // ---- queries ------------------------------------------------------------------------------

    /** The object's name, empty for files and anonymous objects. */
    public Optional<SegmentName> name() {
        return Optional.ofNullable(name);
    }

    /** The backing file ({@code /dev/shm/<name>} or the mapped file); empty for anonymous objects. */
    public Optional<Path> path() {
        return Optional.ofNullable(object.path()).map(Path::of);
    }

    /** The size of the object, fixed when it was opened: the existing object's size after {@code openOrCreate}. */
    public long byteSize() {
        return object.byteSize();
    }

    /** Whether the call that returned this handle created the object. */
    public boolean created() {
        return created;
    }

    /** The most any view of this handle may do. */
    public Access access() {
        return object.access();
    }

    public Lifetime lifetime() {
        return object.lifetime();
    }

    public boolean isOpen() {
        return !closed.get();
    }

    SharedObject object() {
        return object;
    }

    /** Whether this handle maps the file a named file mapping's record names. */
    boolean isNamedFileMapping() {
        return object.namePath() != null && !object.namePath().equals(object.path());
    }

    String displayName() {
        return object.displayName();
    }

    /**
     * Closes this handle. Views stay valid; the object's descriptor closes when the last view closes.
     * Idempotent and thread-safe.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            object.release();
        }
    }

    @Override
    public String toString() {
        return Messages.format("SharedMemory", "name", displayName(), "byteSize", byteSize(), "access", access(),
                "lifetime", lifetime(), "open", isOpen());
    }
}
