package org.shm4j;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.os.Errno;
import org.shm4j.internal.os.FileStat;
import org.shm4j.internal.os.Flock;
import org.shm4j.internal.os.LinuxOs;

/**
 * Creates and opens the OS objects behind {@link SharedMemory}. Every path that fails after a
 * descriptor or a file was made closes or removes it before the exception leaves.
 */
final class ObjectOpener {
    /** Prefix of the private file a named object is built in before it is linked under its name. */
    static final String INIT_PREFIX = ".shm4j-init.";
    static final String REFERENCE_COUNTED_TAG = "reference-counted";
    private static final int OPEN_OR_CREATE_ATTEMPTS = 100;
    private static final long ORPHAN_LOCK_WAIT_NANOS = 2_000_000_000L;

    private ObjectOpener() {}

    // ---- named objects ---------------------------------------------------------------------

    /**
     * Creates a named object, fully sized and reserved, under a private name, then publishes it with
     * {@link #publish}, which fails rather than replace an existing name. So exactly one of many racing
     * creators succeeds, and no opener ever sees an object before its size and mode are final.
     */
    static SharedObject createNamed(SegmentName name, long byteSize, Options options) throws IOException {
        requireShmemHugePages(name, options);
        Prepared prepared = prepare(name, byteSize, Access.READ_WRITE, options);
        try {
            publish(prepared.initPath, name);
            return prepared.object;
        } catch (FileAlreadyExistsException e) {
            prepared.object.release();
            throw new FileAlreadyExistsException(name.path().toString(), null, Messages.format(
                    "segment already exists", "name", name));
        } catch (IOException | RuntimeException | Error e) {
            prepared.object.release();
            throw e;
        }
    }

    /**
     * Moves a fully built private file to its public name, or removes it and fails with
     * {@link FileAlreadyExistsException} when the name exists. A rename (not link + unlink) keeps one
     * name on the file throughout, so the creator's mappings show the object's name in
     * {@code /proc/<pid>/maps}, {@code pmap} and {@code lsof}, not a deleted private name.
     */
    static void publish(String initPath, SegmentName name) throws IOException {
        try {
            LinuxOs.renameNoReplace(initPath, name.path().toString());
        } catch (IOException | RuntimeException | Error e) {
            LinuxOs.unlink(initPath);
            throw e;
        }
    }

    /** Opens the named object, or creates it when there is none; see {@link SharedMemory#openOrCreate}. */
    static Opened openOrCreateNamed(SegmentName name, long byteSize, Access access, Options options)
            throws IOException {
        requireShmemHugePages(name, options);
        Prepared prepared = null;
        try {
            for (int attempt = 0; attempt < OPEN_OR_CREATE_ATTEMPTS; attempt++) {
                try {
                    return new Opened(openNamed(name, access, options), false);
                } catch (NoSuchFileException absent) {
                    // Nobody has it: try to be the creator.
                }
                if (prepared == null) {
                    prepared = prepare(name, byteSize, access, options);
                }
                try {
                    LinuxOs.renameNoReplace(prepared.initPath, name.path().toString());
                    SharedObject created = prepared.object;
                    prepared = null;
                    return new Opened(created, true);
                } catch (FileAlreadyExistsException lostRace) {
                    // Another process published first: loop to open theirs.
                }
            }
            throw new SharedMemoryException(Messages.format("open-or-create kept racing with removal",
                    "name", name, "attempts", OPEN_OR_CREATE_ATTEMPTS));
        } finally {
            if (prepared != null) {
                prepared.object.release();
                LinuxOs.unlink(prepared.initPath);
            }
        }
    }

    /** The freshly created, linked-later object and its private path. */
    private record Prepared(SharedObject object, String initPath) {}

    private static Prepared prepare(SegmentName name, long byteSize, Access access, Options options)
            throws IOException {
        requirePositive(byteSize, name.value());
        if (options.lifetime() == Lifetime.ANONYMOUS) {
            throw new IllegalArgumentException(Messages.format(
                    "a named object cannot have the ANONYMOUS lifetime; use SharedMemory.createAnonymous", "name", name));
        }
        String initPath = newInitPath();
        int fd = LinuxOs.open(initPath,
                LinuxOs.O_RDWR | LinuxOs.O_CREAT | LinuxOs.O_EXCL | LinuxOs.O_NOFOLLOW | LinuxOs.O_CLOEXEC, 0600);
        // The descriptor is read-write (the creator sizes the file); access limits this handle's views.
        SharedObject object = new SharedObject(name.value(), name.path().toString(), fd, access,
                options.lifetime(), byteSize, options.has(SegmentOption.Flag.HUGE_PAGES));
        try {
            // fchmod, not the open mode: the umask must not change what the caller asked for.
            LinuxOs.fchmod(fd, options.mode().bits(), name.path().toString());
            LinuxOs.ftruncate(fd, byteSize, name.path().toString());
            if (options.commit() == Commit.NOW) {
                reserve(fd, byteSize, name.value(), SegmentName.SHM_DIRECTORY);
            }
            LinuxOs.setXattr(fd, SharedObject.CREATOR_XATTR, ProcessIdentity.current().encode());
            if (options.lifetime() == Lifetime.REFERENCE_COUNTED) {
                markReferenceCounted(fd, name);
                // Held before the name exists, so no opener can find the object unlocked.
                requireOk(Flock.flock(fd, Flock.LOCK_SH | Flock.LOCK_NB), "flock(LOCK_SH)", name.path());
            }
            return new Prepared(object, initPath);
        } catch (IOException | RuntimeException | Error e) {
            object.release();
            LinuxOs.unlink(initPath);
            throw e;
        }
    }

    private static void markReferenceCounted(int fd, SegmentName name) throws IOException {
        int e = LinuxOs.setXattr(fd, SharedObject.LIFETIME_XATTR, REFERENCE_COUNTED_TAG);
        if (e != 0) {
            throw new SharedMemoryException(Messages.format(
                    "cannot mark object reference-counted: the file system refused a user extended attribute",
                    "name", name, "errno", Errno.name(e)), Errno.name(e));
        }
    }

    /** Opens an existing named object, with the checks of {@link SharedMemory#open}. */
    static SharedObject openNamed(SegmentName name, Access access, Options options) throws IOException {
        requireShmemHugePages(name, options);
        String path = name.path().toString();
        // Look before opening: opening a FIFO or a device can block or have side effects.
        FileStat before;
        try {
            before = LinuxOs.lstat(path);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path, null, Messages.format("no such segment", "name", name));
        }
        if (!before.isRegularFile()) {
            throw notRegular(name.value(), path, before);
        }
        int fd = LinuxOs.open(path, openFlags(access) | LinuxOs.O_NOFOLLOW | LinuxOs.O_NONBLOCK, 0);
        try {
            FileStat stat = LinuxOs.fstat(fd, path);
            if (!stat.isRegularFile()) {
                throw notRegular(name.value(), path, stat);
            }
            checkOwner(stat, path, name.value(), options);
            Optional<FileMappingRecord> record = FileMappingRecord.readFrom(fd, name.value(), stat);
            Lifetime lifetime = Lifetime.PERSISTENT;
            if (REFERENCE_COUNTED_TAG.equals(LinuxOs.getXattr(fd, SharedObject.LIFETIME_XATTR))) {
                lifetime = Lifetime.REFERENCE_COUNTED;
                stat = attachReferenceCounted(fd, name, path);
            }
            if (record.isPresent()) {
                SharedObject mapped = openRecordedFile(name, record.get(), fd, stat.uid(), access, lifetime, options);
                if (lifetime != Lifetime.REFERENCE_COUNTED) {
                    LinuxOs.close(fd); // a persistent name needs no lock: the record is read
                }
                return mapped;
            }
            return new SharedObject(name.value(), path, fd, access, lifetime, stat.size(),
                    options.has(SegmentOption.Flag.HUGE_PAGES));
        } catch (IOException | RuntimeException | Error e) {
            LinuxOs.close(fd);
            throw e;
        }
    }

    /**
     * Opens the file a named file mapping's record names, and only that file: it is looked at with
     * {@code lstat} first (so a FIFO or device planted at the path is never opened), opened with
     * {@code O_NOFOLLOW}, and its {@code fstat} must give the recorded device, inode, owner and mode.
     * A reference-counted name's lock stays on {@code recordFd}, which the returned object then owns.
     */
    private static SharedObject openRecordedFile(SegmentName name, FileMappingRecord record, int recordFd,
            int recordOwner, Access access, Lifetime lifetime, Options options) throws IOException {
        String file = record.path();
        if (recordOwner != 0 && recordOwner != record.ownerUid()) {
            // Whoever may write a record could otherwise point this process at any file it can open.
            throw new AccessDeniedException(name.path().toString(), null, Messages.format(
                    "named file mapping names a file its record's owner does not own", "name", name, "file", file,
                    "recordOwnerUid", recordOwner, "fileOwnerUid", record.ownerUid()));
        }
        if (!record.access().permitsView(access)) {
            throw new AccessDeniedException(name.path().toString(), null, Messages.format(
                    "named file mapping does not allow this access", "name", name, "access", access,
                    "mappingAccess", record.access(), "file", file));
        }
        FileStat before;
        try {
            before = LinuxOs.lstat(file);
        } catch (NoSuchFileException e) {
            throw stale("named file mapping refers to a file that was deleted or moved", name, record, "nothing");
        }
        if (!record.matches(before)) {
            throw stale(before.isRegularFile() ? "named file mapping refers to a replaced or changed file"
                    : "named file mapping refers to a path that is no longer a regular file", name, record,
                    describe(before));
        }
        int fd;
        try {
            fd = LinuxOs.open(file, openFlags(access) | LinuxOs.O_NOFOLLOW | LinuxOs.O_NONBLOCK, 0);
        } catch (NoSuchFileException e) {
            throw stale("named file mapping refers to a file that was deleted or moved", name, record, "nothing");
        } catch (UnexpectedFileTypeException e) {
            throw stale("named file mapping refers to a path where a symbolic link now stands", name, record,
                    "symbolic link");
        }
        try {
            FileStat stat = LinuxOs.fstat(fd, file);
            if (!record.matches(stat)) {
                throw stale("named file mapping refers to a replaced or changed file", name, record, describe(stat));
            }
            if (stat.size() == 0) {
                throw new SharedMemoryException(Messages.format("file of a named file mapping is empty", "name", name,
                        "file", file));
            }
            return new SharedObject(name.value(), file, fd, access, lifetime, stat.size(),
                    options.has(SegmentOption.Flag.HUGE_PAGES), name.path().toString(),
                    lifetime == Lifetime.REFERENCE_COUNTED ? recordFd : -1);
        } catch (IOException | RuntimeException | Error e) {
            LinuxOs.close(fd);
            throw e;
        }
    }

    private static StaleFileMappingException stale(String what, SegmentName name, FileMappingRecord record,
            String found) {
        return new StaleFileMappingException(Messages.format(what, "name", name, "file", record.path(), "recorded",
                describe(record.device(), record.inode(), record.ownerUid(), record.mode()), "found", found),
                name.value(), record.path());
    }

    private static String describe(FileStat stat) {
        return describe(stat.device(), stat.inode(), stat.uid(), stat.mode());
    }

    private static String describe(long device, long inode, int uid, int mode) {
        return "dev=" + (device >>> 32) + ":" + (int) device + "/inode=" + inode + "/uid=" + uid + "/mode=0"
                + Integer.toOctalString(mode);
    }

    /**
     * Takes this handle's shared lock on a reference-counted object. If no process holds one, every
     * attacher is gone (killed, since a clean close removes the name) and the object is an orphan:
     * it is removed and reported as absent, as Windows would have destroyed it.
     */
    private static FileStat attachReferenceCounted(int fd, SegmentName name, String path) throws IOException {
        long deadline = System.nanoTime() + ORPHAN_LOCK_WAIT_NANOS;
        while (true) {
            // Works through a read-only descriptor too, so a read-only opener never adopts an orphan.
            if (Flock.flock(fd, Flock.LOCK_EX | Flock.LOCK_NB) == 0) {
                FileStat stat = LinuxOs.fstat(fd, path);
                if (stat.links() > 0 && stat.sameFileAs(LinuxOs.lstat(path))) {
                    LinuxOs.unlink(path);
                }
                throw new NoSuchFileException(path, null, Messages.format(
                        "reference-counted object has no live attachers and was removed", "name", name));
            }
            int e = Flock.flock(fd, Flock.LOCK_SH | Flock.LOCK_NB);
            if (e == 0) {
                FileStat stat = LinuxOs.fstat(fd, path);
                if (stat.links() == 0) {
                    // The last attacher removed the name between our open and our lock.
                    throw new NoSuchFileException(path, null, Messages.format(
                            "object was removed while opening", "name", name));
                }
                return stat;
            }
            // A closer holds the exclusive lock while it removes the name; it is brief.
            if (System.nanoTime() - deadline > 0) {
                throw new SharedMemoryException(Messages.format(
                        "timed out taking the attach lock of a reference-counted object", "name", name,
                        "waitedMillis", ORPHAN_LOCK_WAIT_NANOS / 1_000_000, "errno", Errno.name(e)), Errno.name(e));
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * Looks at a reference-counted entry without attaching to it: if some handle in some process
     * holds its attach lock it is {@link SegmentInfo.AttachState#ATTACHED}; if none does, every
     * attacher is gone and it is an orphan, which this look removes, as {@link #openNamed} would.
     * The test lock is taken through a read-only descriptor and dropped with it.
     *
     * @param expected the entry as the caller saw it; a different file under the path is not judged
     */
    static SegmentInfo.AttachState probeAttach(String path, FileStat expected) throws IOException {
        int fd = LinuxOs.open(path, LinuxOs.O_RDONLY | LinuxOs.O_NOFOLLOW | LinuxOs.O_NONBLOCK | LinuxOs.O_NOCTTY
                | LinuxOs.O_CLOEXEC, 0);
        try {
            FileStat now = LinuxOs.fstat(fd, path);
            if (!now.isRegularFile() || (expected != null && !now.sameFileAs(expected))
                    || !REFERENCE_COUNTED_TAG.equals(LinuxOs.getXattr(fd, SharedObject.LIFETIME_XATTR))) {
                return SegmentInfo.AttachState.NOT_REFERENCE_COUNTED;
            }
            if (Flock.flock(fd, Flock.LOCK_EX | Flock.LOCK_NB) != 0) {
                return SegmentInfo.AttachState.ATTACHED;
            }
            // Nobody holds it: the last holder died without closing (a clean close removes the name).
            FileStat named;
            try {
                named = LinuxOs.lstat(path);
            } catch (NoSuchFileException gone) {
                return SegmentInfo.AttachState.ORPHAN_REMOVED;
            }
            if (!named.sameFileAs(now)) {
                return SegmentInfo.AttachState.ORPHAN_REMOVED; // already removed, and the name reused
            }
            return LinuxOs.unlink(path) == 0 ? SegmentInfo.AttachState.ORPHAN_REMOVED
                    : SegmentInfo.AttachState.ORPHAN;
        } finally {
            LinuxOs.close(fd);
        }
    }

    // ---- anonymous objects -----------------------------------------------------------------

    static SharedObject createAnonymous(String debugName, long byteSize, Options options) throws IOException {
        requirePositive(byteSize, debugName);
        int flags = LinuxOs.MFD_CLOEXEC | (options.has(SegmentOption.Flag.HUGE_PAGES) ? LinuxOs.MFD_HUGETLB : 0);
        int fd = LinuxOs.memfdCreate("shm4j:" + debugName, flags);
        String display = "memfd:" + debugName;
        SharedObject object = new SharedObject(display, null, fd, Access.READ_WRITE, Lifetime.ANONYMOUS, byteSize);
        try {
            try {
                LinuxOs.ftruncate(fd, byteSize, display);
            } catch (SharedMemoryException e) {
                if (options.has(SegmentOption.Flag.HUGE_PAGES)) {
                    throw new ResourceLimitException(Messages.format(
                            "huge pages refused: size must be a multiple of the huge page size", "name", display,
                            "byteSize", byteSize), e.errno().orElse(null));
                }
                throw e;
            }
            if (options.commit() == Commit.NOW) {
                try {
                    reserve(fd, byteSize, display, null);
                } catch (InsufficientSpaceException e) {
                    if (options.has(SegmentOption.Flag.HUGE_PAGES)) {
                        // hugetlbfs takes its pages from the reserved pool only, never from free memory.
                        throw new ResourceLimitException(Messages.format(
                                "huge pages refused: not enough free huge pages in the pool", "name", display,
                                "byteSize", byteSize, "errno", e.errno().orElse(null), "hint",
                                "raise vm.nr_hugepages"), e.errno().orElse(null));
                    }
                    throw e;
                }
            }
            return object;
        } catch (IOException | RuntimeException | Error e) {
            object.release();
            throw e;
        }
    }

    /** Opens an object another process handed over as {@code /proc/<pid>/fd/<n>}. */
    static SharedObject openDescriptorPath(String path, String displayName, Access access) throws IOException {
        // A magic link: following it is the point, so no O_NOFOLLOW here.
        int fd = LinuxOs.open(path, openFlags(access) | LinuxOs.O_NONBLOCK, 0);
        try {
            FileStat stat = LinuxOs.fstat(fd, path);
            if (!stat.isRegularFile()) {
                throw notRegular(displayName, path, stat);
            }
            return new SharedObject(displayName, null, fd, access, Lifetime.ANONYMOUS, stat.size());
        } catch (IOException | RuntimeException | Error e) {
            LinuxOs.close(fd);
            throw e;
        }
    }

    /** Wraps a descriptor received over a socket; takes ownership of {@code fd}. */
    static SharedObject adoptDescriptor(int fd, String displayName, Access access) throws IOException {
        try {
            FileStat stat = LinuxOs.fstat(fd, displayName);
            if (!stat.isRegularFile()) {
                throw notRegular(displayName, displayName, stat);
            }
            return new SharedObject(displayName, null, fd, access, Lifetime.ANONYMOUS, stat.size());
        } catch (IOException | RuntimeException | Error e) {
            LinuxOs.close(fd);
            throw e;
        }
    }

    // ---- files ---------------------------------------------------------------------------

    /**
     * Opens (or creates) a file for mapping; see {@link SharedMemory#mapFile}. With a {@code name},
     * the name's record is written and published before the handle is returned, and every failure
     * leaves the file as it was found (a created file removed, a grown one shrunk back).
     */
    static Opened openFile(Path file, long byteSize, Access access, Options options, SegmentName name)
            throws IOException {
        if (byteSize < 0) {
            throw new IllegalArgumentException(Messages.format("negative size", "path", file, "byteSize", byteSize));
        }
        if (name == null && options.lifetime() != Lifetime.PERSISTENT) {
            throw new IllegalArgumentException(Messages.format(
                    "a file mapping without a name is always PERSISTENT", "path", file, "lifetime",
                    options.lifetime()));
        }
        if (name != null) {
            if (options.lifetime() == Lifetime.ANONYMOUS) {
                throw new IllegalArgumentException(Messages.format(
                        "a named file mapping is PERSISTENT or REFERENCE_COUNTED", "name", name, "lifetime",
                        options.lifetime()));
            }
            // Fails early, before the file is created or grown; publishing the record decides races.
            if (Files.exists(name.path(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw nameTaken(name);
            }
        }
        String path = file.toAbsolutePath().toString();
        int fd = -1;
        boolean created = false;
        long sizeBeforeGrowing = -1;
        boolean noFollow = options.has(SegmentOption.Flag.NOFOLLOW_LINKS);
        switch (options.disposition()) {
            case OPEN_EXISTING -> fd = openExistingFile(path, access, noFollow);
            case CREATE_NEW -> {
                fd = createFile(path, access, options);
                created = true;
            }
            case OPEN_OR_CREATE -> {
                try {
                    fd = createFile(path, access, options);
                    created = true;
                } catch (FileAlreadyExistsException exists) {
                    // Also where the name is a symbolic link: O_EXCL never creates through one.
                    fd = openExistingFile(path, access, noFollow);
                }
            }
        }
        try {
            FileStat stat = LinuxOs.fstat(fd, path);
            if (!stat.isRegularFile()) {
                throw notRegular(path, path, stat);
            }
            if (access == Access.READ_WRITE && (stat.permissions() & 0222) == 0) {
                // Root may open any file for writing; a file nobody may write is still read-only to us.
                throw new AccessDeniedException(path, null, Messages.format(
                        "file is read-only; map it READ_ONLY or COPY_ON_WRITE", "path", path,
                        "mode", "0" + Integer.toOctalString(stat.permissions())));
            }
            long size = byteSize == 0 ? stat.size() : byteSize;
            if (size == 0) {
                throw new SharedMemoryException(Messages.format(
                        "cannot map an empty file; pass a size to grow it", "path", path, "fileSize", 0));
            }
            if (size > stat.size()) {
                if (access != Access.READ_WRITE) {
                    throw new AccessDeniedException(path, null, Messages.format(
                            "file is smaller than the mapping and may not be grown without READ_WRITE access",
                            "path", path, "fileSize", stat.size(), "byteSize", size, "access", access));
                }
                sizeBeforeGrowing = stat.size();
                LinuxOs.ftruncate(fd, size, path);
                if (options.commit() == Commit.NOW) {
                    reserve(fd, size, path, file.toAbsolutePath().getParent());
                }
            }
            if (name == null) {
                SharedObject object = new SharedObject(path, path, fd, access, Lifetime.PERSISTENT, size,
                        options.has(SegmentOption.Flag.HUGE_PAGES));
                return new Opened(object, created);
            }
            int recordFd = publishRecord(name, fd, path, access, options);
            boolean referenceCounted = options.lifetime() == Lifetime.REFERENCE_COUNTED;
            if (!referenceCounted) {
                LinuxOs.close(recordFd);
            }
            SharedObject object = new SharedObject(name.value(), path, fd, access, options.lifetime(), size,
                    options.has(SegmentOption.Flag.HUGE_PAGES), name.path().toString(),
                    referenceCounted ? recordFd : -1);
            return new Opened(object, created);
        } catch (IOException | RuntimeException | Error e) {
            if (created) {
                LinuxOs.unlink(path);
            } else if (sizeBeforeGrowing >= 0) {
                // A failed open leaves the caller's file as it found it.
                try {
                    LinuxOs.ftruncate(fd, sizeBeforeGrowing, path);
                } catch (IOException restoreFailed) {
                    e.addSuppressed(restoreFailed);
                }
            }
            LinuxOs.close(fd);
            throw e;
        }
    }

    /**
     * Writes a named file mapping's record for the open file {@code fd} under a private name and
     * publishes it under {@code name}, exactly as a memory-only object is published: the name appears
     * complete or not at all, and never replaces an existing name.
     *
     * @return the record's descriptor, holding the attach lock when the name is reference-counted
     */
    private static int publishRecord(SegmentName name, int fd, String path, Access access, Options options)
            throws IOException {
        FileStat stat = LinuxOs.fstat(fd, path);
        int me = LinuxOs.geteuid();
        if (me != 0 && stat.uid() != me) {
            throw new AccessDeniedException(path, null, Messages.format(
                    "a named file mapping can only name a file its creator owns", "name", name, "path", path,
                    "fileOwnerUid", stat.uid(), "uid", me));
        }
        // The path of the descriptor itself, with every symbolic link resolved: what C and Python
        // will open, and a path no link in the caller's spelling of it can redirect later.
        String real = Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd))).toString();
        if (!real.startsWith("/") || real.endsWith(" (deleted)")) {
            throw new SharedMemoryException(Messages.format("cannot name a file that has no path", "name", name,
                    "path", path, "resolved", real));
        }
        java.nio.ByteBuffer bytes = FileMappingRecord.of(real, stat, access).encode();
        if (bytes.capacity() > FileMappingRecord.MAX_BYTES) {
            throw new IllegalArgumentException(Messages.format("path too long for a named file mapping", "name", name,
                    "path", real, "maxPathBytes", FileMappingRecord.MAX_PATH_BYTES));
        }
        String initPath = newInitPath();
        int recordFd = LinuxOs.open(initPath,
                LinuxOs.O_RDWR | LinuxOs.O_CREAT | LinuxOs.O_EXCL | LinuxOs.O_NOFOLLOW | LinuxOs.O_CLOEXEC, 0600);
        try {
            LinuxOs.fchmod(recordFd, options.mode().bits(), name.path().toString());
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                java.lang.foreign.MemorySegment data = arena.allocate(bytes.capacity());
                data.copyFrom(java.lang.foreign.MemorySegment.ofBuffer(bytes));
                LinuxOs.pwrite(recordFd, data, 0, name.value());
            }
            LinuxOs.setXattr(recordFd, SharedObject.CREATOR_XATTR, ProcessIdentity.current().encode());
            if (options.lifetime() == Lifetime.REFERENCE_COUNTED) {
                markReferenceCounted(recordFd, name);
                requireOk(Flock.flock(recordFd, Flock.LOCK_SH | Flock.LOCK_NB), "flock(LOCK_SH)", name.path());
            }
        } catch (IOException | RuntimeException | Error e) {
            LinuxOs.close(recordFd);
            LinuxOs.unlink(initPath);
            throw e;
        }
        try {
            publish(initPath, name);
            return recordFd;
        } catch (FileAlreadyExistsException e) {
            LinuxOs.close(recordFd);
            throw nameTaken(name);
        } catch (IOException | RuntimeException | Error e) {
            LinuxOs.close(recordFd);
            throw e;
        }
    }

    private static FileAlreadyExistsException nameTaken(SegmentName name) {
        return new FileAlreadyExistsException(name.path().toString(), null, Messages.format(
                "name already exists; open it with SharedMemory.open or remove it first", "name", name));
    }

    private static String newInitPath() {
        return SegmentName.SHM_DIRECTORY.resolve(INIT_PREFIX + ProcessHandle.current().pid() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())).toString();
    }

    /** Follows a symbolic link in the last component unless {@code noFollow}, as {@code CreateFile} does. */
    private static int openExistingFile(String path, Access access, boolean noFollow) throws IOException {
        int flags = openFlags(access) | LinuxOs.O_NONBLOCK | (noFollow ? LinuxOs.O_NOFOLLOW : 0);
        return LinuxOs.open(path, flags, 0);
    }

    private static int createFile(String path, Access access, Options options) throws IOException {
        if (access != Access.READ_WRITE) {
            throw new IllegalArgumentException(Messages.format("creating a file needs READ_WRITE access", "path", path,
                    "access", access));
        }
        int fd = LinuxOs.open(path,
                LinuxOs.O_RDWR | LinuxOs.O_CREAT | LinuxOs.O_EXCL | LinuxOs.O_NOFOLLOW | LinuxOs.O_CLOEXEC, 0600);
        try {
            LinuxOs.fchmod(fd, options.mode().bits(), path);
            return fd;
        } catch (IOException e) {
            LinuxOs.close(fd);
            LinuxOs.unlink(path);
            throw e;
        }
    }

    /** The object and whether this call created it. */
    record Opened(SharedObject object, boolean created) {}

    // ---- shared checks -------------------------------------------------------------------

    private static int openFlags(Access access) {
        int rw = access == Access.READ_WRITE ? LinuxOs.O_RDWR : LinuxOs.O_RDONLY;
        return rw | LinuxOs.O_CLOEXEC | LinuxOs.O_NOCTTY;
    }

    private static void checkOwner(FileStat stat, String path, String name, Options options) throws IOException {
        int me = LinuxOs.geteuid();
        if (stat.uid() != me && !options.has(SegmentOption.Flag.ALLOW_FOREIGN_OWNER)) {
            throw new ForeignOwnerException(path, Messages.format(
                    "object is owned by another user; pass SegmentOption.Flag.ALLOW_FOREIGN_OWNER to open it",
                    "name", name, "ownerUid", stat.uid(), "uid", me), stat.uid());
        }
    }

    /** Reserves every byte now so that a full file system fails here and not with SIGBUS later. */
    private static void reserve(int fd, long byteSize, String name, Path directory) throws IOException {
        int e = LinuxOs.fallocate(fd, 0, byteSize);
        if (e == 0) {
            return;
        }
        if (e == Errno.ENOSPC || e == Errno.EFBIG) {
            long free = -1;
            if (directory != null) {
                try {
                    free = Files.getFileStore(directory).getUsableSpace();
                } catch (IOException ignored) {
                    // Free space unknown: reported as -1.
                }
            }
            throw new InsufficientSpaceException(Messages.format("not enough space for segment", "name", name,
                    "required", byteSize, "free", free, "directory", directory == null ? "memfd" : directory,
                    "errno", Errno.name(e)), byteSize, free);
        }
        if (e == Errno.EOPNOTSUPP) {
            throw new SharedMemoryException(Messages.format(
                    "the file system cannot reserve storage; pass Commit.LAZY", "name", name, "errno", Errno.name(e)),
                    Errno.name(e));
        }
        throw Errno.exception(e, "fallocate", name, "length", byteSize);
    }

    /**
     * Named objects live in tmpfs, which gives huge pages only when the kernel's shmem THP setting
     * allows it; refuse up front, before anything is created, when it cannot.
     */
    private static void requireShmemHugePages(SegmentName name, Options options) throws IOException {
        if (options.has(SegmentOption.Flag.HUGE_PAGES)) {
            MappedView.requireShmemHugePages(name.value());
        }
    }

    private static void requirePositive(long byteSize, String name) {
        if (byteSize <= 0) {
            throw new IllegalArgumentException(Messages.format("size must be positive", "name", name, "byteSize",
                    byteSize));
        }
    }

    private static void requireOk(int errno, String call, Path path) throws IOException {
        if (errno != 0) {
            throw Errno.exception(errno, call, path.toString());
        }
    }

    private static UnexpectedFileTypeException notRegular(String name, String path, FileStat stat) {
        // A named object is named by its name; a file (whose "name" is its path) by its path.
        return new UnexpectedFileTypeException(Messages.format("not a regular file", name.equals(path) ? "path" : "name",
                name, "type", stat.typeName()));
    }
}
