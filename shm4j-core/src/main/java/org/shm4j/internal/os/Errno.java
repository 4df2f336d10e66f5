package org.shm4j.internal.os;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import org.shm4j.AddressInUseException;
import org.shm4j.ResourceLimitException;
import org.shm4j.SharedMemoryException;
import org.shm4j.UnexpectedFileTypeException;
import org.shm4j.internal.Messages;

/**
 * The one errno table of shm4j: Linux x86-64/aarch64 error numbers, their symbolic names, and the
 * typed exception each becomes. Callers add the context (object name, sizes) as key/value pairs.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOVERFLOW = 75;
    public static final int ENOTSOCK = 88;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int ECONNRESET = 104;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EOWNERDEAD = 130;

    private static final String[] NAMES = new String[134];

    static {
        Arrays.setAll(NAMES, i -> "E" + i);
        NAMES[EPERM] = "EPERM";
        NAMES[ENOENT] = "ENOENT";
        NAMES[ESRCH] = "ESRCH";
        NAMES[EINTR] = "EINTR";
        NAMES[EIO] = "EIO";
        NAMES[ENXIO] = "ENXIO";
        NAMES[EBADF] = "EBADF";
        NAMES[EAGAIN] = "EAGAIN";
        NAMES[ENOMEM] = "ENOMEM";
        NAMES[EACCES] = "EACCES";
        NAMES[EFAULT] = "EFAULT";
        NAMES[EBUSY] = "EBUSY";
        NAMES[EEXIST] = "EEXIST";
        NAMES[ENODEV] = "ENODEV";
        NAMES[ENOTDIR] = "ENOTDIR";
        NAMES[EISDIR] = "EISDIR";
        NAMES[EINVAL] = "EINVAL";
        NAMES[ENFILE] = "ENFILE";
        NAMES[EMFILE] = "EMFILE";
        NAMES[ETXTBSY] = "ETXTBSY";
        NAMES[EFBIG] = "EFBIG";
        NAMES[ENOSPC] = "ENOSPC";
        NAMES[EROFS] = "EROFS";
        NAMES[ENAMETOOLONG] = "ENAMETOOLONG";
        NAMES[ENOSYS] = "ENOSYS";
        NAMES[ELOOP] = "ELOOP";
        NAMES[ENODATA] = "ENODATA";
        NAMES[EOVERFLOW] = "EOVERFLOW";
        NAMES[ENOTSOCK] = "ENOTSOCK";
        NAMES[EOPNOTSUPP] = "EOPNOTSUPP";
        NAMES[EADDRINUSE] = "EADDRINUSE";
        NAMES[ECONNRESET] = "ECONNRESET";
        NAMES[ETIMEDOUT] = "ETIMEDOUT";
        NAMES[ECONNREFUSED] = "ECONNREFUSED";
        NAMES[EOWNERDEAD] = "EOWNERDEAD";
    }

    private Errno() {}

    /** The symbolic name of an error number, or {@code E<n>} for one not in the table. */
    public static String name(int errno) {
        return errno >= 0 && errno < NAMES.length ? NAMES[errno] : "E" + errno;
    }

    /**
     * The typed exception for a failed call.
     *
     * @param errno the error number the call left
     * @param call the C function that failed, e.g. {@code "open"}
     * @param path the file the call was about, or {@code null}
     * @param context extra key/value pairs for the message
     */
    public static IOException exception(int errno, String call, String path, Object... context) {
        Object[] key = Messages.objectKey(path);
        Object[] kv = new Object[context.length + key.length + 2];
        int i = 0;
        for (Object k : key) {
            kv[i++] = k;
        }
        System.arraycopy(context, 0, kv, i, context.length);
        kv[kv.length - 2] = "errno";
        kv[kv.length - 1] = name(errno);
        String message = Messages.format(call + " failed", kv);
        return switch (errno) {
            case ENOENT -> new NoSuchFileException(path, null, message);
            case EEXIST -> new FileAlreadyExistsException(path, null, message);
            case EACCES, EPERM, EROFS, ETXTBSY -> new AccessDeniedException(path, null, message);
            case ELOOP -> new UnexpectedFileTypeException(
                    Messages.format("refusing to follow a symbolic link", kv));
            case EMFILE, ENFILE -> new ResourceLimitException(
                    Messages.format(call + " failed: too many open files", kv), name(errno));
            default -> new SharedMemoryException(message, name(errno));
        };
    }

    /** An exception for a fixed-address mapping whose range is taken. */
    static IOException addressInUse(String message) {
        return new AddressInUseException(message);
    }
}
