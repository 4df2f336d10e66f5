package org.shm4j;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.shm4j.internal.Messages;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.os.FileStat;
import org.shm4j.internal.os.LinuxOs;
import org.shm4j.internal.os.PathAttributes;

/**
 * What the file system says about one entry of a shared-memory directory, read without opening
 * it: type, owner, permissions, size, storage used, and the marks shm4j leaves on the objects it
 * creates (the creator's identity and the lifetime, kept in the extended attributes
 * {@code user.shm4j.creator} and {@code user.shm4j.lifetime}). Tools such as the {@code shm4j}
 * command use it to list, inspect and clean up segments.
 *
 * <p>{@link #of(Path)} never opens the entry and never follows a symbolic link, so a FIFO, a
 * device or a link planted in {@code /dev/shm} is described, not touched. Everything here comes
 * from the file system and from other processes, so it is a snapshot: the entry can change or
 * vanish at any time.
 *
 * {@snippet :
 * SegmentInfo info = SegmentInfo.of(SegmentName.of("orders"));
 * if (info.creatorLiveness() == SegmentInfo.Liveness.DEAD) {
 *     System.out.println("orders was created by a process that is gone: " + info.creatorPid());
 * }
 * }
 */
public final class SegmentInfo {
    /** The kind of directory entry. Only {@link #REGULAR_FILE} can be a shared-memory object. */
    public enum FileType { REGULAR_FILE, DIRECTORY, SYMBOLIC_LINK, FIFO, SOCKET, CHARACTER_DEVICE, BLOCK_DEVICE, UNKNOWN }

    /** Whether the process that created an object still runs. */
    public enum Liveness {
        /** A process with the creator's PID and start time runs now. */
        ALIVE,
        /** No process with the creator's PID and start time runs. */
        DEAD,
        /** No creator is recorded (the object was not made by shm4j) or the record is unreadable. */
        UNKNOWN
    }

    /**
     * Whether a {@link Lifetime#REFERENCE_COUNTED} object still has a holder. Linux cannot remove a
     * name when a process dies, so the name of an object whose last holder was killed stays in the
     * directory until someone looks: {@link #attachState()}, {@link SharedMemory#exists},
     * {@link SharedMemory#open} and {@link SharedMemory#openOrCreate} all find such an orphan the
     * same way (no process holds its attach lock) and remove it on sight.
     */
    public enum AttachState {
        /** Not a reference-counted object (or not a regular file): nothing holds its name. */
        NOT_REFERENCE_COUNTED,
        /** At least one handle or view in some process holds it. */
        ATTACHED,
        /** An orphan: no process holds it any more; this look removed its name. */
        ORPHAN_REMOVED,
        /** An orphan whose name this process may not remove (for example another user's, in a sticky directory). */
        ORPHAN
    }

    private final Path path;
    private final FileStat stat;
    private final ProcessIdentity creator;
    private final Lifetime lifetime;

    private SegmentInfo(Path path, FileStat stat, ProcessIdentity creator, Lifetime lifetime) {
        this.path = path;
        this.stat = stat;
        this.creator = creator;
        this.lifetime = lifetime;
    }

    /** Describes the named object in {@code /dev/shm}. */
    public static SegmentInfo of(SegmentName name) throws IOException {
        return of(Objects.requireNonNull(name, "name").path());
    }

    /**
     * Describes a directory entry without opening it or following a final symbolic link
     * ({@code statx(AT_SYMLINK_NOFOLLOW)}, {@code lgetxattr}).
     *
     * @throws java.nio.file.NoSuchFileException if there is no such entry
     * @throws java.nio.file.AccessDeniedException if the directory may not be searched
     * @throws IOException for any other failure of {@code statx}
     */
    public static SegmentInfo of(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        String p = path.toString();
        FileStat stat = LinuxOs.lstat(p);
        ProcessIdentity creator = null;
        Lifetime lifetime = null;
        if (stat.isRegularFile()) {
            // Attribute values are written by whoever owns the file: parsed strictly, never trusted.
            creator = ProcessIdentity.decode(PathAttributes.lgetxattr(p, SharedObject.CREATOR_XATTR)).orElse(null);
            String tag = PathAttributes.lgetxattr(p, SharedObject.LIFETIME_XATTR);
            if (ObjectOpener.REFERENCE_COUNTED_TAG.equals(tag)) {
                lifetime = Lifetime.REFERENCE_COUNTED;
            } else if (creator != null) {
                lifetime = Lifetime.PERSISTENT;
            }
        }
        return new SegmentInfo(path, stat, creator, lifetime);
    }

    public Path path() {
        return path;
    }

    public FileType fileType() {
        return switch (stat.mode() & FileStat.S_IFMT) {
            case FileStat.S_IFREG -> FileType.REGULAR_FILE;
            case FileStat.S_IFDIR -> FileType.DIRECTORY;
            case FileStat.S_IFLNK -> FileType.SYMBOLIC_LINK;
            case FileStat.S_IFIFO -> FileType.FIFO;
            case FileStat.S_IFSOCK -> FileType.SOCKET;
            case FileStat.S_IFCHR -> FileType.CHARACTER_DEVICE;
            case FileStat.S_IFBLK -> FileType.BLOCK_DEVICE;
            default -> FileType.UNKNOWN;
        };
    }

    public boolean isRegularFile() {
        return stat.isRegularFile();
    }

    /** Permission bits, e.g. {@code 0600}. */
    public int permissions() {
        return stat.permissions();
    }

    public int ownerUid() {
        return stat.uid();
    }

    /** The size in bytes ({@code st_size}); a sparse object may be far larger than {@link #allocatedBytes()}. */
    public long byteSize() {
        return stat.size();
    }

    /** Storage actually taken ({@code st_blocks * 512}). */
    public long allocatedBytes() {
        return stat.allocatedBytes();
    }

    public long inode() {
        return stat.inode();
    }

    /** Device of the file system holding the entry, as {@code major << 32 | minor}. */
    public long device() {
        return stat.device();
    }

    public int deviceMajor() {
        return (int) (stat.device() >>> 32);
    }

    public int deviceMinor() {
        return (int) stat.device();
    }

    public Instant modified() {
        return Instant.ofEpochSecond(stat.modifiedEpochSeconds());
    }

    /** Last status change; for an object nobody resized or chmod-ed since, its creation time. */
    public Instant changed() {
        return Instant.ofEpochSecond(stat.changedEpochSeconds());
    }

    /** Whether shm4j created this object (it carries a creator mark). */
    public boolean createdByShm4j() {
        return creator != null;
    }

    /** The PID of the process that created the object, if shm4j created it. */
    public OptionalLong creatorPid() {
        return creator == null ? OptionalLong.empty() : OptionalLong.of(creator.pid());
    }

    /**
     * Whether the creator still runs, judged by PID and start time so a recycled PID does not count.
     * Reads {@code /proc}; never signals any process.
     */
    public Liveness creatorLiveness() {
        if (creator == null) {
            return Liveness.UNKNOWN;
        }
        return creator.isAlive() ? Liveness.ALIVE : Liveness.DEAD;
    }

    /** The lifetime recorded at creation; empty for objects shm4j did not create. */
    public Optional<Lifetime> lifetime() {
        return Optional.ofNullable(lifetime);
    }

    /**
     * Opens the entry this info describes for plain reads (and writes, with
     * {@link Access#READ_WRITE}): {@code read(2)} and {@code write(2)}, no mapping, so a concurrent
     * truncation shows as an early end of file, never as a memory fault. The file is opened with
     * {@code O_NOFOLLOW | O_NONBLOCK} and checked to be the same regular file as described. Unlike
     * {@link SharedMemory#open}, this never attaches to a {@link Lifetime#REFERENCE_COUNTED} object
     * and never removes one.
     *
     * @param access {@link Access#READ_ONLY} or {@link Access#READ_WRITE}
     * @throws UnexpectedFileTypeException if the entry is not a regular file
     * @throws SharedMemoryException if the entry was replaced since this info was read
     * @throws java.nio.file.AccessDeniedException if its permissions do not allow {@code access}
     * @throws IllegalArgumentException for {@link Access#COPY_ON_WRITE}
     */
    public FileChannel openChannel(Access access) throws IOException {
        Objects.requireNonNull(access, "access");
        if (access == Access.COPY_ON_WRITE) {
            throw new IllegalArgumentException(Messages.format("a channel cannot be copy-on-write", "path", path));
        }
        String p = path.toString();
        if (!stat.isRegularFile()) {
            throw new UnexpectedFileTypeException(Messages.format("not a regular file", "path", p, "type",
                    stat.typeName()));
        }
        int flags = (access == Access.READ_WRITE ? LinuxOs.O_RDWR : LinuxOs.O_RDONLY) | LinuxOs.O_NOFOLLOW
                | LinuxOs.O_NONBLOCK | LinuxOs.O_NOCTTY | LinuxOs.O_CLOEXEC;
        int fd = LinuxOs.open(p, flags, 0);
        try {
            FileStat now = LinuxOs.fstat(fd, p);
            if (!now.isRegularFile() || !now.sameFileAs(stat)) {
                throw new SharedMemoryException(Messages.format("entry was replaced while inspecting it", "path", p,
                        "type", now.typeName()));
            }
            // Reopening the verified descriptor through its /proc magic link gives a channel on
            // exactly that file: a name swapped in the meantime cannot redirect it.
            Path self = Path.of("/proc/self/fd", Integer.toString(fd));
            return access == Access.READ_WRITE
                    ? FileChannel.open(self, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(self, StandardOpenOption.READ);
        } finally {
            LinuxOs.close(fd);
        }
    }

    /**
     * Whether any handle in any process holds this {@link Lifetime#REFERENCE_COUNTED} object, and
     * if none does, removes the orphan's name (see {@link AttachState}). For any other lifetime,
     * {@link AttachState#NOT_REFERENCE_COUNTED} without opening anything.
     *
     * @throws java.nio.file.NoSuchFileException if the entry is gone
     * @throws java.nio.file.AccessDeniedException if it may not be opened to test its lock
     */
    public AttachState attachState() throws IOException {
        if (lifetime != Lifetime.REFERENCE_COUNTED || !stat.isRegularFile()) {
            return AttachState.NOT_REFERENCE_COUNTED;
        }
        return ObjectOpener.probeAttach(path.toString(), stat);
    }

    /**
     * Whether any handle in any process holds the attach lock of a {@link Lifetime#REFERENCE_COUNTED}
     * object (every open handle and view does); an orphan found here is removed, as by
     * {@link #attachState()}. Always false for other lifetimes.
     *
     * @throws IOException if the file cannot be opened to test its lock
     */
    public boolean hasAttachedHandles() throws IOException {
        return attachState() == AttachState.ATTACHED;
    }

    @Override
    public String toString() {
        return Messages.format("SegmentInfo", "path", path, "type", fileType(), "byteSize", byteSize(), "ownerUid",
                ownerUid(), "mode", "0" + Integer.toOctalString(permissions()), "creator",
                creator == null ? "none" : creator.encode(), "lifetime", lifetime);
    }
}
