package org.shm4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.shm4j.internal.os.FileStat;
import org.shm4j.internal.os.LinuxOs;

/**
 * What the kernel says about this process's mappings and files, read from {@code /proc}, so tests
 * check the OS state itself and not only what the library reports.
 */
final class OsProbe {
    static final long PAGE = LinuxOs.PAGE_SIZE;

    private OsProbe() {}

    static boolean isRoot() {
        return LinuxOs.geteuid() == 0;
    }

    /** The {@code /proc/self/maps} line of the mapping that contains {@code address}. */
    static String mapsLine(long address) {
        for (String line : lines(Path.of("/proc/self/maps"))) {
            if (contains(line, address)) {
                return line;
            }
        }
        throw new AssertionError("no mapping contains 0x" + Long.toHexString(address));
    }

    /** The permission field ({@code r--s}, {@code rw-s}, {@code rw-p}) of the mapping at {@code address}. */
    static String permissions(long address) {
        return mapsLine(address).split("\\s+")[1];
    }

    /** Whether any mapping of this process covers {@code address}. */
    static boolean isMapped(long address) {
        return lines(Path.of("/proc/self/maps")).stream().anyMatch(l -> contains(l, address));
    }

    /** A field of {@code /proc/self/smaps} ({@code Rss}, {@code Locked}, ...) for the mapping at {@code address}, in bytes. */
    static long smapsBytes(long address, String field) {
        List<String> smaps = lines(Path.of("/proc/self/smaps"));
        for (int i = 0; i < smaps.size(); i++) {
            if (isHeader(smaps.get(i)) && contains(smaps.get(i), address)) {
                for (int j = i + 1; j < smaps.size() && !isHeader(smaps.get(j)); j++) {
                    String l = smaps.get(j);
                    if (l.startsWith(field + ":")) {
                        return Long.parseLong(l.substring(field.length() + 1).replace("kB", "").trim()) * 1024;
                    }
                }
            }
        }
        throw new AssertionError("no smaps field " + field + " for 0x" + Long.toHexString(address));
    }

    private static boolean isHeader(String smapsLine) {
        return smapsLine.matches("^[0-9a-f]+-[0-9a-f]+ .*");
    }

    /**
     * Whether the page at {@code address} is dirty in the page cache, from {@code /proc/self/pagemap}
     * and {@code /proc/kpageflags} (root only; the page must be present).
     */
    static boolean pageDirty(long address) {
        long entry = readLong(Path.of("/proc/self/pagemap"), (address / PAGE) * 8);
        if ((entry >>> 63) == 0) {
            throw new AssertionError("page not present: 0x" + Long.toHexString(address));
        }
        long pfn = entry & ((1L << 55) - 1);
        long flags = readLong(Path.of("/proc/kpageflags"), pfn * 8);
        return (flags & (1L << 4)) != 0; // KPF_DIRTY
    }

    /** Whether {@link #pageDirty} can work here: root and the kernel exposes page flags. */
    static boolean canReadPageFlags() {
        return isRoot() && Files.isReadable(Path.of("/proc/kpageflags"));
    }

    /** The file's {@code statx} facts, without following a symbolic link. */
    static FileStat stat(Path file) throws IOException {
        return LinuxOs.lstat(file.toString());
    }

    /** The path's permission bits, e.g. {@code 0600}. */
    static int mode(Path file) throws IOException {
        return stat(file).permissions();
    }

    static String command(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static boolean contains(String mapsLine, long address) {
        int dash = mapsLine.indexOf('-');
        int space = mapsLine.indexOf(' ');
        if (dash < 0 || space < dash) {
            return false;
        }
        long start = Long.parseUnsignedLong(mapsLine.substring(0, dash), 16);
        long end = Long.parseUnsignedLong(mapsLine.substring(dash + 1, space), 16);
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    private static long readLong(Path file, long offset) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new AssertionError("short read of " + file + " at " + offset);
                }
            }
            return b.flip().getLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
