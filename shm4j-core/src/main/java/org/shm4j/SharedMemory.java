package org.shm4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.shm4j.internal.Messages;
import org.shm4j.internal.os.Errno;
import org.shm4j.internal.os.LinuxOs;

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
     * Opens an existing named object, like {@code OpenFileMapping}. The size is the object's.
     *
     * @throws java.nio.file.NoSuchFileException if there is no object of that name (or a
     *     reference-counted one whose attachers are all gone)
     * @throws ForeignOwnerException if another user owns it and {@link SegmentOption.Flag#ALLOW_FOREIGN_OWNER}
     *     was not passed
     * @throws UnexpectedFileTypeException if the name is a symbolic link, directory, FIFO, socket or device
     * @throws java.nio.file.AccessDeniedException if its permissions do not allow {@code access}
     */
    public static SharedMemory open(String name, Access access, SegmentOption... options) throws IOException {
        SegmentName n = SegmentName.of(name);
        Objects.requireNonNull(access, "access");
        return new SharedMemory(ObjectOpener.openNamed(n, access, Options.of(options)), n, false);
    }

    /**
     * Opens the named object, creating it with {@code byteSize} bytes if there is none, race-free:
     * when many processes race, exactly one creates. If it existed, its size wins and
     * {@link #created()} is false (the {@code ERROR_ALREADY_EXISTS} case); read {@link #byteSize()}.
     * Options about creation (commit, mode, lifetime) apply only when this call creates.
     */
    public static SharedMemory openOrCreate(String name, long byteSize, SegmentOption... options) throws IOException {
        SegmentName n = SegmentName.of(name);
        ObjectOpener.Opened opened = ObjectOpener.openOrCreateNamed(n, byteSize, Options.of(options));
        return new SharedMemory(opened.object(), n, opened.created());
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
        ObjectOpener.Opened opened = ObjectOpener.openFile(file, byteSize, access, Options.of(options));
        return new SharedMemory(opened.object(), null, opened.created());
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
            throw Errno.exception(e, "unlink", path, "name", n);
        }
        return true;
    }

    /** Whether a named object exists. */
    public static boolean exists(String name) {
        return java.nio.file.Files.isRegularFile(SegmentName.of(name).path(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
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
