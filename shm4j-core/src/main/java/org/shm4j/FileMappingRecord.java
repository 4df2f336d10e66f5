package org.shm4j;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.shm4j.internal.Messages;
import org.shm4j.internal.os.FileStat;
import org.shm4j.internal.os.LinuxOs;

/**
 * The name of a named file mapping: a small file in {@code /dev/shm}, under the mapping's name,
 * that says which file the name maps and how to tell that it is still that file. It is what
 * {@code CreateFileMapping(hFile, ..., lpName)} leaves behind so that {@code OpenFileMapping(lpName)}
 * finds the file; {@link SharedMemory#mapFile(String, java.nio.file.Path, long, Access, SegmentOption...)}
 * writes it and {@link SharedMemory#open} reads it.
 *
 * <p>The layout is fixed, little-endian, and the same on every architecture, so C and Python can
 * resolve a name to its file (see {@code docs/core.md}, "Named file mappings"):
 * <pre>
 *  0               8       12      16      20      24      28      32      36      40
 *  +---------------+-------+-------+-------+-------+-------+-------+-------+-------+
 *  | magic         |version|header |path   |owner  |mode   |device |device |access |
 *  | "SHM4JNFM"    |  = 1  | = 64  |bytes  |uid    |st_mode|major  |minor  |       |
 *  +---------------+-------+-------+-------+-------+-------+-------+-------+-------+
 *  40              48              56              64                 64 + pathBytes
 *  +---------------+---------------+---------------+------------------------------+
 *  | inode         | byteSize when | reserved = 0  | path: absolute, UTF-8, no NUL |
 *  |               | named         |               |                               |
 *  +---------------+---------------+---------------+------------------------------+
 * </pre>
 * The record is exactly {@code 64 + pathBytes} bytes long. {@code access} is the creator's
 * {@link Access} ordinal plus one (1 {@code READ_ONLY}, 2 {@code READ_WRITE}, 3
 * {@code COPY_ON_WRITE}): the most an opener's views may do. An opener refuses the file unless its
 * device, inode, owner and {@code st_mode} are the recorded ones, so a file replaced, moved,
 * deleted, re-created, handed to another owner or re-moded since it was named is a
 * {@link StaleFileMappingException}, and a symbolic link planted at the path is never followed.
 *
 * <p>Everything here is read from a file another process wrote: {@link #decode} validates every
 * field and rejects the record with a {@link SharedMemoryException} naming what was wrong.
 */
public final class FileMappingRecord {
    /** The first 8 bytes of every record, ASCII {@code SHM4JNFM}, read as a little-endian long. */
    public static final long MAGIC = 0x4D464E4A344D4853L;
    /** The layout version this code writes and reads. */
    public static final int VERSION = 1;
    /** Bytes before the path; the offset of the path. */
    public static final int HEADER_BYTES = 64;
    /** The longest path a record holds, in UTF-8 bytes ({@code PATH_MAX} minus its NUL). */
    public static final int MAX_PATH_BYTES = 4095;
    /** The largest valid record. */
    public static final int MAX_BYTES = HEADER_BYTES + MAX_PATH_BYTES;

    static final int OFFSET_MAGIC = 0;
    static final int OFFSET_VERSION = 8;
    static final int OFFSET_HEADER_BYTES = 12;
    static final int OFFSET_PATH_BYTES = 16;
    static final int OFFSET_OWNER_UID = 20;
    static final int OFFSET_MODE = 24;
    static final int OFFSET_DEVICE_MAJOR = 28;
    static final int OFFSET_DEVICE_MINOR = 32;
    static final int OFFSET_ACCESS = 36;
    static final int OFFSET_INODE = 40;
    static final int OFFSET_BYTE_SIZE = 48;
    static final int OFFSET_RESERVED = 56;

    private final String path;
    private final int ownerUid;
    private final int mode;
    private final long device;
    private final long inode;
    private final Access access;
    private final long byteSizeWhenNamed;

    private FileMappingRecord(String path, int ownerUid, int mode, long device, long inode, Access access,
            long byteSizeWhenNamed) {
        this.path = path;
        this.ownerUid = ownerUid;
        this.mode = mode;
        this.device = device;
        this.inode = inode;
        this.access = access;
        this.byteSizeWhenNamed = byteSizeWhenNamed;
    }

    static FileMappingRecord of(String path, FileStat stat, Access access) {
        return new FileMappingRecord(path, stat.uid(), stat.mode(), stat.device(), stat.inode(), access, stat.size());
    }

    /**
     * Whether {@code firstBytes} starts with the record magic: the test a recogniser of object kinds
     * makes before {@link #decode}. Needs at least 8 bytes; fewer is never a record.
     */
    public static boolean hasMagic(MemorySegment firstBytes) {
        Objects.requireNonNull(firstBytes, "firstBytes");
        return firstBytes.byteSize() >= 8
                && firstBytes.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) == MAGIC;
    }

    /**
     * Decodes and validates a whole record: magic, version, header size, path length (the record
     * must be exactly {@code 64 + pathBytes} long), an absolute UTF-8 path without NUL, a known
     * access, zero reserved bytes.
     *
     * @param name the name the record was found under, for messages
     * @throws SharedMemoryException naming the field that is wrong
     */
    public static FileMappingRecord decode(ByteBuffer bytes, String name) throws SharedMemoryException {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int size = b.remaining();
        int base = b.position();
        if (size < HEADER_BYTES || b.getLong(base + OFFSET_MAGIC) != MAGIC) {
            throw malformed(name, "no record magic", "byteSize", size);
        }
        int version = b.getInt(base + OFFSET_VERSION);
        if (version != VERSION) {
            throw malformed(name, "unsupported version", "version", version, "supported", VERSION);
        }
        int header = b.getInt(base + OFFSET_HEADER_BYTES);
        if (header != HEADER_BYTES) {
            throw malformed(name, "wrong header size", "headerBytes", header, "expected", HEADER_BYTES);
        }
        int pathBytes = b.getInt(base + OFFSET_PATH_BYTES);
        if (pathBytes < 2 || pathBytes > MAX_PATH_BYTES || size != HEADER_BYTES + pathBytes) {
            throw malformed(name, "path length does not match the record size", "pathBytes", pathBytes, "byteSize",
                    size);
        }
        int accessCode = b.getInt(base + OFFSET_ACCESS);
        if (accessCode < 1 || accessCode > Access.values().length) {
            throw malformed(name, "unknown access", "access", accessCode);
        }
        if (b.getLong(base + OFFSET_RESERVED) != 0) {
            throw malformed(name, "reserved bytes are not zero");
        }
        long byteSize = b.getLong(base + OFFSET_BYTE_SIZE);
        int fileMode = b.getInt(base + OFFSET_MODE);
        if ((fileMode & FileStat.S_IFMT) != FileStat.S_IFREG || byteSize < 0) {
            throw malformed(name, "recorded file is not a regular file", "mode", "0" + Integer.toOctalString(fileMode),
                    "byteSize", byteSize);
        }
        byte[] raw = new byte[pathBytes];
        b.get(base + HEADER_BYTES, raw);
        String path;
        try {
            path = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw malformed(name, "path is not UTF-8");
        }
        if (path.charAt(0) != '/' || path.indexOf('\0') >= 0) {
            throw malformed(name, "path is not absolute or contains NUL", "path", Messages.quote(path));
        }
        long device = Integer.toUnsignedLong(b.getInt(base + OFFSET_DEVICE_MAJOR)) << 32
                | Integer.toUnsignedLong(b.getInt(base + OFFSET_DEVICE_MINOR));
        return new FileMappingRecord(path, b.getInt(base + OFFSET_OWNER_UID), fileMode, device,
                b.getLong(base + OFFSET_INODE), Access.values()[accessCode - 1], byteSize);
    }

    /** The record's bytes, as {@link #decode} reads them. */
    public ByteBuffer encode() {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + p.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(OFFSET_MAGIC, MAGIC)
                .putInt(OFFSET_VERSION, VERSION)
                .putInt(OFFSET_HEADER_BYTES, HEADER_BYTES)
                .putInt(OFFSET_PATH_BYTES, p.length)
                .putInt(OFFSET_OWNER_UID, ownerUid)
                .putInt(OFFSET_MODE, mode)
                .putInt(OFFSET_DEVICE_MAJOR, deviceMajor())
                .putInt(OFFSET_DEVICE_MINOR, deviceMinor())
                .putInt(OFFSET_ACCESS, access.ordinal() + 1)
                .putLong(OFFSET_INODE, inode)
                .putLong(OFFSET_BYTE_SIZE, byteSizeWhenNamed)
                .putLong(OFFSET_RESERVED, 0)
                .put(HEADER_BYTES, p);
        return b;
    }

    /**
     * Reads the record behind a name, if the name is a named file mapping. The entry is opened
     * read-only with {@code O_NOFOLLOW | O_NONBLOCK} only after {@code statx} said it is a regular
     * file, so a FIFO or link planted under the name is never opened or followed.
     *
     * @return empty when the name is something else (a segment, a lock, a ring...)
     * @throws java.nio.file.NoSuchFileException if there is no such name
     * @throws SharedMemoryException if the entry starts with the record magic but is malformed
     */
    public static Optional<FileMappingRecord> read(SegmentName name) throws IOException {
        String p = Objects.requireNonNull(name, "name").path().toString();
        FileStat stat = LinuxOs.lstat(p);
        if (!stat.isRegularFile() || stat.size() < HEADER_BYTES || stat.size() > MAX_BYTES) {
            return Optional.empty();
        }
        int fd = LinuxOs.open(p, LinuxOs.O_RDONLY | LinuxOs.O_NOFOLLOW | LinuxOs.O_NONBLOCK | LinuxOs.O_NOCTTY
                | LinuxOs.O_CLOEXEC, 0);
        try {
            return readFrom(fd, name.value(), LinuxOs.fstat(fd, p));
        } finally {
            LinuxOs.close(fd);
        }
    }

    /** Reads the record from an open entry; empty when its size or magic say it is not one. */
    static Optional<FileMappingRecord> readFrom(int fd, String name, FileStat stat) throws IOException {
        if (!stat.isRegularFile() || stat.size() < HEADER_BYTES || stat.size() > MAX_BYTES) {
            return Optional.empty();
        }
        // The magic first: a plain segment of a record's size costs one 8-byte read, no allocation.
        java.util.OptionalLong magic = LinuxOs.preadLong(fd, 0, name);
        if (magic.isEmpty() || magic.getAsLong() != MAGIC) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            // One byte more than the size said, to see a record that grew meanwhile.
            MemorySegment buffer = arena.allocate(stat.size() + 1);
            long n = LinuxOs.pread(fd, buffer, 0, name);
            return Optional.of(decode(buffer.asSlice(0, n).asByteBuffer(), name));
        }
    }

    /** The absolute path of the named file, as it was when named. */
    public String path() {
        return path;
    }

    /** The file's owner when named. */
    public int ownerUid() {
        return ownerUid;
    }

    /** The file's {@code st_mode} (type and permission bits) when named. */
    public int mode() {
        return mode;
    }

    /** The device of the file, as {@code major << 32 | minor}. */
    public long device() {
        return device;
    }

    public int deviceMajor() {
        return (int) (device >>> 32);
    }

    public int deviceMinor() {
        return (int) device;
    }

    public long inode() {
        return inode;
    }

    /** The most any opener's views may do: the access the creator mapped the file with. */
    public Access access() {
        return access;
    }

    /** The file's size when it was named; openers map its size now. */
    public long byteSizeWhenNamed() {
        return byteSizeWhenNamed;
    }

    /** What is at a record's path now, as {@link SharedMemory#open} would judge it. */
    public enum FileState {
        /** The recorded file: same device, inode, owner and mode. Opening the name maps it. */
        PRESENT,
        /** Nothing at the path: the file was deleted or moved. */
        MISSING,
        /** Another regular file, or the same one with another owner or mode. */
        REPLACED,
        /** A symbolic link, directory, FIFO, socket or device. */
        NOT_A_REGULAR_FILE
    }

    /**
     * Looks at the recorded path with {@code lstat} (never following a link, never opening
     * anything) and says whether it is still the recorded file. A snapshot: it can change at once.
     */
    public FileState fileState() {
        FileStat now;
        try {
            now = LinuxOs.lstat(path);
        } catch (IOException e) {
            return FileState.MISSING;
        }
        if (!now.isRegularFile()) {
            return FileState.NOT_A_REGULAR_FILE;
        }
        return matches(now) ? FileState.PRESENT : FileState.REPLACED;
    }

    /** Whether {@code stat} describes the recorded file: same device, inode, owner and mode. */
    boolean matches(FileStat stat) {
        return stat.device() == device && stat.inode() == inode && stat.uid() == ownerUid && stat.mode() == mode;
    }

    private static SharedMemoryException malformed(String name, String reason, Object... context) {
        Object[] kv = new Object[4 + context.length];
        kv[0] = "name";
        kv[1] = name;
        kv[2] = "reason";
        kv[3] = reason;
        System.arraycopy(context, 0, kv, 4, context.length);
        return new SharedMemoryException(Messages.format("malformed named file mapping record", kv), null);
    }

    @Override
    public String toString() {
        return Messages.format("FileMappingRecord", "path", path, "device", deviceMajor() + ":" + deviceMinor(),
                "inode", inode, "ownerUid", ownerUid, "mode", "0" + Integer.toOctalString(mode), "access", access);
    }
}
