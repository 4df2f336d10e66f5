package org.shm4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which processes map (and, when asked, hold open) files of one directory, read from
 * {@code /proc/<pid>/maps} and {@code /proc/<pid>/fd}. Mappings are matched by device and inode,
 * so names with odd characters and renamed files are matched exactly. Processes whose
 * {@code /proc} entries this user may not read are counted, not guessed. Nothing here signals a
 * process.
 */
final class ProcScan {
    private static final Path PROC = Path.of("/proc");

    /** A process as shown to the user. */
    record ProcessRef(long pid, String command) {}

    private record Key(long device, long inode) {}

    private final Map<Key, Set<Long>> mappers = new HashMap<>();
    private final Map<String, Set<Long>> openers = new HashMap<>();
    private final Map<Long, String> commands = new HashMap<>();
    private final boolean descriptorsScanned;
    private int unreadable;

    private ProcScan(boolean descriptorsScanned) {
        this.descriptorsScanned = descriptorsScanned;
    }

    /**
     * Scans every process.
     *
     * @param directory the directory whose files matter (its real path appears in {@code maps})
     * @param descriptors whether to scan open descriptors too (slower: one readlink per descriptor)
     */
    static ProcScan scan(Path directory, boolean descriptors) {
        ProcScan scan = new ProcScan(descriptors);
        String prefix = directory.toString().endsWith("/") ? directory.toString() : directory + "/";
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC)) {
            for (Path proc : procs) {
                long pid = pidOf(proc.getFileName().toString());
                if (pid <= 0 || pid == self) {
                    continue;
                }
                scan.scanMaps(pid, proc, prefix);
                if (descriptors) {
                    scan.scanDescriptors(pid, proc, prefix);
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc (or not readable): nothing is known to map anything.
            scan.unreadable++;
        }
        return scan;
    }

    private void scanMaps(long pid, Path proc, String prefix) {
        String maps;
        try {
            maps = new String(Files.readAllBytes(proc.resolve("maps")), StandardCharsets.ISO_8859_1);
        } catch (AccessDeniedException e) {
            unreadable++;
            return;
        } catch (IOException | RuntimeException e) {
            return; // The process exited meanwhile.
        }
        String needle = " " + prefix;
        int at = maps.indexOf(needle);
        while (at >= 0) {
            int lineStart = maps.lastIndexOf('\n', at) + 1;
            parseMapsLine(maps, lineStart, pid);
            int lineEnd = maps.indexOf('\n', at);
            if (lineEnd < 0) {
                break;
            }
            at = maps.indexOf(needle, lineEnd);
        }
    }

    /** {@code start-end perms offset major:minor inode path}: fields 4 and 5 name the file. */
    private void parseMapsLine(String maps, int start, long pid) {
        int field = 0;
        int i = start;
        int n = maps.length();
        String dev = null;
        String inode = null;
        while (field < 5 && i < n) {
            while (i < n && maps.charAt(i) == ' ') {
                i++;
            }
            int begin = i;
            while (i < n && maps.charAt(i) != ' ' && maps.charAt(i) != '\n') {
                i++;
            }
            if (field == 3) {
                dev = maps.substring(begin, i);
            } else if (field == 4) {
                inode = maps.substring(begin, i);
            }
            field++;
        }
        if (dev == null || inode == null) {
            return;
        }
        int colon = dev.indexOf(':');
        try {
            long major = Long.parseLong(dev.substring(0, colon), 16);
            long minor = Long.parseLong(dev.substring(colon + 1), 16);
            long ino = Long.parseLong(inode);
            mappers.computeIfAbsent(new Key(major << 32 | minor, ino), k -> new LinkedHashSet<>()).add(pid);
        } catch (RuntimeException e) {
            // A line we cannot read is not a mapping we can attribute.
        }
    }

    private void scanDescriptors(long pid, Path proc, String prefix) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(prefix) && !target.endsWith(" (deleted)")) {
                        openers.computeIfAbsent(target.substring(prefix.length()), k -> new LinkedHashSet<>()).add(pid);
                    }
                } catch (IOException | RuntimeException e) {
                    // Closed meanwhile.
                }
            }
        } catch (AccessDeniedException e) {
            unreadable++;
        } catch (IOException | RuntimeException e) {
            // The process exited meanwhile.
        }
    }

    /** The processes that map the file with this device and inode, in PID order of discovery. */
    List<ProcessRef> mappers(long device, long inode) {
        return refs(mappers.get(new Key(device, inode)));
    }

    /** The processes that hold the file open by this name; empty unless descriptors were scanned. */
    List<ProcessRef> openers(String name) {
        return refs(openers.get(name));
    }

    boolean descriptorsScanned() {
        return descriptorsScanned;
    }

    /** How many processes could not be inspected (other users' processes when not root). */
    int unreadableProcesses() {
        return unreadable;
    }

    private List<ProcessRef> refs(Set<Long> pids) {
        if (pids == null) {
            return List.of();
        }
        List<ProcessRef> refs = new ArrayList<>(pids.size());
        for (long pid : pids) {
            refs.add(new ProcessRef(pid, command(pid)));
        }
        return refs;
    }

    /** The command name from {@code /proc/<pid>/comm}, or {@code ?}. */
    String command(long pid) {
        return commands.computeIfAbsent(pid, ProcScan::readCommand);
    }

    static String readCommand(long pid) {
        try {
            String comm = Files.readString(PROC.resolve(Long.toString(pid)).resolve("comm"), StandardCharsets.UTF_8);
            return comm.strip();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static long pidOf(String name) {
        if (name.isEmpty() || name.length() > 10) {
            return -1;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(name);
    }
}
