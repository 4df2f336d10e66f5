package org.shm4j.internal.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Typed wrappers over the Linux system calls shm4j uses. Every downcall goes through
 * {@link Native#call}, which reads errno one way; failures become exceptions from the
 * {@link Errno} table, or, where the caller decides what a failure means, the errno is returned.
 * ({@link Futex} and {@link FutexWaitv} keep direct calls: they are the hand-off hot path, where
 * an arena and a capturing lambda per call would cost.)
 *
 * <p>This is the only class that turns raw addresses into {@link MemorySegment}s
 * ({@link #mappedSegment}); it does so only for ranges it has just mapped.
 */
@SuppressWarnings("restricted")
public final class LinuxOs {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_FIXED_NOREPLACE = 0x100000;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;

    public static final int MS_ASYNC = 1;
    public static final int MS_SYNC = 4;
    public static final int MADV_HUGEPAGE = 14;
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    public static final int MFD_HUGETLB = 4;

    public static final short F_RDLCK = 0;
    public static final short F_WRLCK = 1;
    public static final short F_UNLCK = 2;
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final int F_OFD_SETLKW = 38;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_SIZE_BYTES = 256;
    private static final int SC_PAGESIZE = 30;

    /**
     * The base page size; views are aligned to it. (When the JVM denies native access it is not
     * known, and 4096 stands in: every call that could use it fails first with
     * {@link Native#nativeAccessDenied()}.)
     */
    public static final long PAGE_SIZE = Native.nativeAccessAllowed() ? sysconf(SC_PAGESIZE) : 4096;

    /**
     * Fails with the one clear error when the JVM denies this module native access: for entry points
     * that would otherwise answer without a native call.
     */
    public static void requireNativeAccess() {
        if (!Native.nativeAccessAllowed()) {
            throw Native.nativeAccessDenied();
        }
    }

    private LinuxOs() {}

    // ---- files -------------------------------------------------------------------------------

    /** {@code open(2)}; returns the new descriptor. */
    public static int open(String path, int flags, int mode) throws IOException {
        long fd = Native.call((errno, arena) -> (int) Libc.OPEN.invokeExact(errno, arena.allocateFrom(path), flags, mode));
        if (fd < 0) {
            throw Errno.exception((int) -fd, "open", path, "flags", "0" + Integer.toOctalString(flags));
        }
        return (int) fd;
    }

    /** {@code close(2)}; returns 0 or the errno. A descriptor is released even when close reports an error. */
    public static int close(int fd) {
        return errnoOf(Native.call((errno, arena) -> (int) Libc.CLOSE.invokeExact(errno, fd)));
    }

    /** {@code statx} on an open descriptor. */
    public static FileStat fstat(int fd, String pathForMessages) throws IOException {
        return statx(fd, "", AT_EMPTY_PATH, pathForMessages);
    }

    /** {@code statx} on a path without following a final symbolic link. */
    public static FileStat lstat(String path) throws IOException {
        return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, path);
    }

    private static FileStat statx(int dirFd, String path, int flags, String pathForMessages) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(STATX_SIZE_BYTES, 8);
            long rc = Native.call(arena, (errno, a) -> (int) Libc.STATX.invokeExact(errno, dirFd, a.allocateFrom(path),
                    flags, STATX_BASIC_STATS, buf));
            if (rc != 0) {
                throw Errno.exception((int) -rc, "statx", pathForMessages);
            }
            // struct statx (linux/stat.h) is the same on every architecture: fixed offsets.
            int links = buf.get(ValueLayout.JAVA_INT, 16);
            int uid = buf.get(ValueLayout.JAVA_INT, 20);
            int mode = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, 28));
            long inode = buf.get(ValueLayout.JAVA_LONG, 32);
            long size = buf.get(ValueLayout.JAVA_LONG, 40);
            long blocks = buf.get(ValueLayout.JAVA_LONG, 48);
            long ctime = buf.get(ValueLayout.JAVA_LONG, 96);
            long mtime = buf.get(ValueLayout.JAVA_LONG, 112);
            long devMajor = Integer.toUnsignedLong(buf.get(ValueLayout.JAVA_INT, 136));
            long devMinor = Integer.toUnsignedLong(buf.get(ValueLayout.JAVA_INT, 140));
            return new FileStat(mode, uid, size, blocks * 512, links, devMajor << 32 | devMinor, inode, mtime, ctime);
        }
    }

    public static void ftruncate(int fd, long size, String pathForMessages) throws IOException {
        long rc = Native.call((errno, arena) -> (int) Libc.Create.FTRUNCATE.invokeExact(errno, fd, size));
        if (rc != 0) {
            throw Errno.exception((int) -rc, "ftruncate", pathForMessages, "size", size);
        }
    }

    /** {@code fallocate(fd, 0, offset, length)}; returns 0 or the errno (the caller words ENOSPC). */
    public static int fallocate(int fd, long offset, long length) {
        return errnoOf(Native.call((errno, arena) -> (int) Libc.Create.FALLOCATE.invokeExact(errno, fd, 0, offset, length)));
    }

    public static void fchmod(int fd, int mode, String pathForMessages) throws IOException {
        long rc = Native.call((errno, arena) -> (int) Libc.Create.FCHMOD.invokeExact(errno, fd, mode));
        if (rc != 0) {
            throw Errno.exception((int) -rc, "fchmod", pathForMessages, "mode", "0" + Integer.toOctalString(mode));
        }
    }

    public static void fsync(int fd, String pathForMessages) throws IOException {
        long rc = Native.call((errno, arena) -> (int) Libc.Files.FSYNC.invokeExact(errno, fd));
        if (rc != 0) {
            throw Errno.exception((int) -rc, "fsync", pathForMessages);
        }
    }

    /** {@code link(2)}: gives an existing file a second name; fails with EEXIST, never replaces. */
    public static void link(String existing, String newPath) throws IOException {
        long rc = Native.call((errno, arena) -> (int) Libc.Files.LINK.invokeExact(errno, arena.allocateFrom(existing),
                arena.allocateFrom(newPath)));
        if (rc != 0) {
            throw Errno.exception((int) -rc, "link", newPath, "from", existing);
        }
    }

    private static final int RENAME_NOREPLACE = 1;

    /**
     * Gives a file a new name atomically, failing with {@link java.nio.file.FileAlreadyExistsException}
     * when the new name exists: {@code renameat2(RENAME_NOREPLACE)}, which never replaces an entry that
     * appeared meanwhile. Unlike {@code link} + {@code unlink}, the file keeps one name throughout, so
     * mappings made through it show that name in {@code /proc/<pid>/maps}. On a file system without
     * {@code RENAME_NOREPLACE} ({@code EINVAL}, or {@code ENOSYS} before Linux 3.15) it falls back to
     * {@code link} + {@code unlink}, which is just as exclusive.
     */
    public static void renameNoReplace(String existing, String newPath) throws IOException {
        int e = errnoOf(Native.call((errno, arena) -> (int) Libc.Create.RENAMEAT2.invokeExact(errno, AT_FDCWD,
                arena.allocateFrom(existing), AT_FDCWD, arena.allocateFrom(newPath), RENAME_NOREPLACE)));
        if (e == Errno.EINVAL || e == Errno.ENOSYS) {
            link(existing, newPath);
            unlink(existing);
        } else if (e != 0) {
            throw Errno.exception(e, "renameat2", newPath, "from", existing);
        }
    }

    /** {@code pread(2)} until {@code buffer} is full or the file ends; returns the bytes read. */
    public static long pread(int fd, MemorySegment buffer, long position, String pathForMessages) throws IOException {
        long done = 0;
        while (done < buffer.byteSize()) {
            MemorySegment rest = buffer.asSlice(done);
            long at = position + done;
            // No arguments to allocate: no arena (this runs on every open of a record-sized object).
            long n = Native.call(null, (errno, arena) -> (long) Libc.Files.PREAD.invokeExact(errno, fd, rest,
                    rest.byteSize(), at));
            if (n < 0) {
                if (n == -Errno.EINTR) {
                    continue;
                }
                throw Errno.exception((int) -n, "pread", pathForMessages, "position", at);
            }
            if (n == 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    private static final ThreadLocal<MemorySegment> EIGHT_BYTES =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(8, 8));

    /**
     * Reads 8 bytes at {@code position} as a little-endian long, through a per-thread buffer (no
     * allocation): for a magic number tested on every open.
     *
     * @return the value, or empty when the file holds fewer than 8 bytes there
     */
    public static java.util.OptionalLong preadLong(int fd, long position, String pathForMessages) throws IOException {
        MemorySegment buffer = EIGHT_BYTES.get();
        if (pread(fd, buffer, position, pathForMessages) < 8) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of(buffer.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(
                java.nio.ByteOrder.LITTLE_ENDIAN), 0));
    }

    /** {@code pwrite(2)} of the whole of {@code data}. */
    public static void pwrite(int fd, MemorySegment data, long position, String pathForMessages) throws IOException {
        long done = 0;
        while (done < data.byteSize()) {
            MemorySegment rest = data.asSlice(done);
            long at = position + done;
            long n = Native.call(null, (errno, arena) -> (long) Libc.Files.PWRITE.invokeExact(errno, fd, rest,
                    rest.byteSize(), at));
            if (n < 0) {
                if (n == -Errno.EINTR) {
                    continue;
                }
                throw Errno.exception((int) -n, "pwrite", pathForMessages, "position", at);
            }
            done += n;
        }
    }

    /** {@code unlink(2)}; returns 0 or the errno. */
    public static int unlink(String path) {
        return errnoOf(Native.call((errno, arena) -> (int) Libc.Create.UNLINK.invokeExact(errno, arena.allocateFrom(path))));
    }

    /** {@code memfd_create(2)}: an anonymous memory file. */
    public static int memfdCreate(String debugName, int flags) throws IOException {
        long fd = Native.call((errno, arena) -> (int) Libc.Files.MEMFD_CREATE.invokeExact(errno,
                arena.allocateFrom(debugName), flags));
        if (fd < 0) {
            throw Errno.exception((int) -fd, "memfd_create", null, "name", debugName);
        }
        return (int) fd;
    }

    /** Sets an extended attribute on an open file; returns 0 or the errno. */
    public static int setXattr(int fd, String key, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return errnoOf(Native.call((errno, arena) -> {
            MemorySegment v = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, v, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return (int) Libc.Create.FSETXATTR.invokeExact(errno, fd, arena.allocateFrom(key), v, (long) bytes.length, 0);
        }));
    }

    /** Reads an extended attribute of at most 255 bytes; {@code null} when absent or unsupported. */
    public static String getXattr(int fd, String key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(256);
            long n = Native.call(arena, (errno, a) -> (long) Libc.FGETXATTR.invokeExact(errno, fd, a.allocateFrom(key),
                    v, 256L));
            if (n < 0) {
                return null;
            }
            return new String(v.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    // ---- open file description locks ------------------------------------------------------

    /**
     * Takes, converts or releases an open-file-description lock over the whole file. OFD locks
     * belong to the open file, not the process, so each handle holds its own and the kernel drops
     * them when the last descriptor closes, including when the process is killed.
     *
     * @return 0 on success, or the errno ({@code EAGAIN} when another holder conflicts)
     */
    public static int ofdLock(int fd, short type, boolean wait) {
        return errnoOf(Native.call((errno, arena) -> (int) Libc.FCNTL_PTR.invokeExact(errno, fd,
                wait ? F_OFD_SETLKW : F_OFD_SETLK, flock(arena, type))));
    }

    /**
     * Asks whether a lock of {@code type} could be taken, without taking it.
     *
     * @return {@code F_UNLCK} when nothing conflicts, otherwise the conflicting lock's type;
     *     negative errno on failure
     */
    public static int ofdTest(int fd, short type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flock = flock(arena, type);
            long rc = Native.call(arena, (errno, a) -> (int) Libc.FCNTL_PTR.invokeExact(errno, fd, F_OFD_GETLK, flock));
            return rc == 0 ? flock.get(ValueLayout.JAVA_SHORT, 0) : (int) rc;
        }
    }

    private static MemorySegment flock(Arena arena, short type) {
        // struct flock: short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid (32 bytes).
        // l_pid must be 0 for OFD locks; l_len 0 means "to the end of the file, however it grows".
        MemorySegment flock = arena.allocate(32, 8);
        flock.set(ValueLayout.JAVA_SHORT, 0, type);
        return flock;
    }

    // ---- memory -----------------------------------------------------------------------------

    /**
     * {@code mmap(2)}. With {@code MAP_FIXED_NOREPLACE}, a kernel that ignores the flag (before
     * 4.17) could place the mapping elsewhere; that is detected and reported as EEXIST.
     *
     * @return the address of the mapping
     */
    public static long mmap(long address, long length, int prot, int flags, int fd, long offset, String pathForMessages)
            throws IOException {
        // MAP_FAILED is (void *) -1: the helper's failure value.
        long result = Native.call((errno, arena) -> ((MemorySegment) Libc.MMAP.invokeExact(errno,
                MemorySegment.ofAddress(address), length, prot, flags, fd, offset)).address());
        if (result < 0 && result > -4096) {
            int e = (int) -result;
            if (e == Errno.EEXIST && (flags & MAP_FIXED_NOREPLACE) != 0) {
                throw Errno.addressInUse(addressInUseMessage(pathForMessages, address, length));
            }
            throw Errno.exception(e, "mmap", pathForMessages, "offset", offset, "length", length);
        }
        if ((flags & MAP_FIXED_NOREPLACE) != 0 && result != address) {
            munmap(result, length);
            throw Errno.addressInUse(addressInUseMessage(pathForMessages, address, length));
        }
        return result;
    }

    private static String addressInUseMessage(String object, long address, long length) {
        Object[] key = org.shm4j.internal.Messages.objectKey(object);
        return org.shm4j.internal.Messages.format("address range already mapped", key[0], key[1], "address",
                "0x" + Long.toHexString(address), "length", length);
    }

    /** {@code munmap(2)}; returns 0 or the errno. */
    public static int munmap(long address, long length) {
        return errnoOf(Native.call((errno, arena) -> (int) Libc.MUNMAP.invokeExact(errno,
                MemorySegment.ofAddress(address), length)));
    }

    /** {@code msync(2)} over a page-aligned range of a mapping made by this process. */
    public static void msync(MemorySegment range, int flags, String pathForMessages) throws IOException {
        long rc = Native.call((errno, arena) -> (int) Libc.Memory.MSYNC.invokeExact(errno, range, range.byteSize(), flags));
        if (rc != 0) {
            throw Errno.exception((int) -rc, "msync", pathForMessages, "address",
                    "0x" + Long.toHexString(range.address()), "length", range.byteSize());
        }
    }

    /** {@code madvise(2)}; returns 0 or the errno. */
    public static int madvise(long address, long length, int advice) {
        return errnoOf(Native.call((errno, arena) -> (int) Libc.Memory.MADVISE.invokeExact(errno,
                MemorySegment.ofAddress(address), length, advice)));
    }

    /** {@code mlock(2)}; returns 0 or the errno. Pages stay locked until unmapped. */
    public static int mlock(long address, long length) {
        return errnoOf(Native.call((errno, arena) -> (int) Libc.Memory.MLOCK.invokeExact(errno,
                MemorySegment.ofAddress(address), length)));
    }

    /** The errno of a {@link Native#call} result that is 0 on success: 0, or the positive errno. */
    private static int errnoOf(long result) {
        return result == 0 ? 0 : (int) -result;
    }

    /**
     * The {@link MemorySegment} over a range this process has just mapped. The segment's lifetime is
     * {@code arena}; closing the arena runs {@code cleanup} (which unmaps) exactly once, after
     * which every access through the segment throws {@link IllegalStateException}.
     */
    public static MemorySegment mappedSegment(long address, long byteSize, Arena arena, Consumer<MemorySegment> cleanup) {
        return MemorySegment.ofAddress(address).reinterpret(byteSize, arena, cleanup);
    }

    // ---- identity -----------------------------------------------------------------------------

    /** {@code geteuid(2)}, which cannot fail. */
    public static int geteuid() {
        return (int) Native.call((errno, arena) -> (int) Libc.GETEUID.invokeExact());
    }

    /** {@code sysconf(3)} for a name every Linux knows; cannot fail. */
    private static long sysconf(int name) {
        return Native.call((errno, arena) -> (long) Libc.SYSCONF.invokeExact(name));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("unexpected checked exception from a downcall", t);
    }
}
