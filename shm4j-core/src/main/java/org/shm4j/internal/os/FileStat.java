package org.shm4j.internal.os;

/**
 * What {@code statx} says about an open file: the fields shm4j acts on.
 *
 * @param mode the full {@code st_mode}: file type bits and permission bits
 * @param uid owner user id
 * @param size size in bytes
 * @param allocatedBytes bytes of storage actually allocated ({@code st_blocks * 512})
 * @param links hard-link count; zero once the name was removed
 * @param device device id ({@code major << 32 | minor})
 * @param inode inode number
 * @param modifiedEpochSeconds last modification time
 * @param changedEpochSeconds last status change time (creation for shared-memory objects)
 */
public record FileStat(int mode, int uid, long size, long allocatedBytes, int links, long device, long inode,
        long modifiedEpochSeconds, long changedEpochSeconds) {

    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** The permission bits, e.g. {@code 0600}. */
    public int permissions() {
        return mode & 07777;
    }

    /** A word for the file type, as used in error messages and the CLI. */
    public String typeName() {
        return switch (mode & S_IFMT) {
            case S_IFREG -> "regular file";
            case S_IFDIR -> "directory";
            case S_IFLNK -> "symbolic link";
            case S_IFIFO -> "fifo";
            case S_IFSOCK -> "socket";
            case S_IFCHR -> "character device";
            case S_IFBLK -> "block device";
            default -> "unknown";
        };
    }

    /** Same inode on the same device. */
    public boolean sameFileAs(FileStat other) {
        return device == other.device && inode == other.inode;
    }
}
