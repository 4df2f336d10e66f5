package org.shm4j.cli;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.shm4j.Access;
import org.shm4j.Lifetime;
import org.shm4j.ObjectKind;
import org.shm4j.SegmentInfo;
import org.shm4j.SegmentName;
import org.shm4j.cli.probe.Recognised;

/**
 * Reads a shared-memory directory into {@link Segment}s: {@code statx} without following links,
 * extended attributes by path, headers through {@code read(2)} for regular files only, and the
 * processes from {@code /proc}. An entry never opened unless {@code statx} said it is a regular
 * file; an entry that vanishes meanwhile is left out.
 */
final class Inspector {
    /** Prefix of the private files the library builds objects in before publishing them. */
    static final String INIT_PREFIX = ".shm4j-init.";

    private static final boolean ROOT = Copying.currentUid() == 0;
    static final String ORPHAN_REASON =
            "orphan of a reference-counted lifetime: every process that held it died without closing it";

    private final Path directory;
    private final Probes probes;
    private final Map<Integer, String> owners = new HashMap<>();

    Inspector(Path directory, Probes probes) {
        this.directory = directory;
        this.probes = probes;
    }

    Path directory() {
        return directory;
    }

    /** The path of a named entry, after validating the name as {@code shm_open} would. */
    Path resolve(String name) {
        return directory.resolve(SegmentName.of(name).value());
    }

    /**
     * What {@code statx} says about a named entry.
     *
     * @throws NoSuchFileException ({@code no such segment}) if there is none
     */
    SegmentInfo info(String name) throws IOException {
        Path p = resolve(name);
        try {
            return SegmentInfo.of(p);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(p.toString(), null, Text.format("no such segment", "name", name,
                    "directory", directory));
        }
    }

    /** Every entry of the directory. */
    List<Segment> list(boolean descriptors) throws IOException {
        List<Path> paths = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path p : entries) {
                paths.add(p);
            }
        }
        ProcScan scan = ProcScan.scan(realDirectory(), descriptors);
        List<Segment> segments = new ArrayList<>(paths.size());
        for (Path p : paths) {
            try {
                segments.add(inspect(p, SegmentInfo.of(p), scan));
            } catch (NoSuchFileException vanished) {
                // Removed between listing and inspecting: not there any more.
            } catch (IOException e) {
                segments.add(unreadable(p, e));
            }
        }
        return segments;
    }

    /**
     * One named entry.
     *
     * @throws NoSuchFileException if there is none
     */
    Segment inspect(String name, boolean descriptors) throws IOException {
        Path p = resolve(name);
        SegmentInfo info;
        try {
            info = SegmentInfo.of(p);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(p.toString(), null, Text.format("no such segment", "name", name,
                    "directory", directory));
        }
        return inspect(p, info, ProcScan.scan(realDirectory(), descriptors));
    }

    /** Describes one entry given its {@code statx} result and a process scan. */
    Segment inspect(Path p, SegmentInfo info, ProcScan scan) {
        String name = p.getFileName().toString();
        String owner = owner(info.ownerUid(), p);
        if (!info.isRegularFile()) {
            return new Segment(name, p, info, nonFileType(info.fileType()), null, List.of(), List.of(),
                    new Segment.Verdict(Segment.Verdict.State.NOT_A_SEGMENT, "not a regular file"), owner, null,
                    SegmentInfo.Liveness.UNKNOWN, null);
        }
        List<ProcScan.ProcessRef> mappers = scan.mappers(info.device(), info.inode());
        List<ProcScan.ProcessRef> openers = scan.openers(name);
        String problem = null;
        Recognised recognised = null;
        ObjectKind kind = null;
        String type;
        if (name.startsWith(INIT_PREFIX)) {
            type = "partial";
        } else {
            try (FileChannel channel = info.openChannel(Access.READ_ONLY)) {
                kind = kind(channel, info.byteSize());
                recognised = probes.identify(channel, info.byteSize()).orElse(null);
            } catch (IOException e) {
                problem = Errors.describe(e);
            }
            type = recognised != null ? recognised.type() : info.createdByShm4j() ? "raw" : "foreign";
        }
        if (recognised != null && recognised.details().get("file") instanceof String file
                && "file-mapping".equals(recognised.type())) {
            // A named file mapping's users map the file it names, not the record under its name.
            mappers = fileMappers(file, recognised);
        }
        SegmentInfo.Liveness creator = info.creatorLiveness();
        Segment.Verdict verdict = verdict(name, info, creator, mappers, openers, scan);
        return new Segment(name, p, info, type, recognised, mappers, openers, verdict, owner, problem, creator, kind);
    }

    /** The namespace kind of an object, from its first bytes read with {@code pread}. */
    static ObjectKind kind(FileChannel channel, long byteSize) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(byteSize, ObjectKind.HEAD_BYTES));
        while (head.hasRemaining() && channel.read(head, head.position()) > 0) {
            // Read until the head is full or the file ends (it may have shrunk meanwhile).
        }
        head.flip();
        return ObjectKind.recognise(MemorySegment.ofBuffer(head), byteSize);
    }

    private Segment.Verdict verdict(String name, SegmentInfo info, SegmentInfo.Liveness creator,
            List<ProcScan.ProcessRef> mappers,
            List<ProcScan.ProcessRef> openers, ProcScan scan) {
        if (name.startsWith(INIT_PREFIX)) {
            long pid = initPid(name);
            if (pid > 0 && ProcessHandle.of(pid).isPresent()) {
                return new Segment.Verdict(Segment.Verdict.State.IN_USE, "being created by pid " + pid);
            }
            return new Segment.Verdict(Segment.Verdict.State.STALE, "left behind by a creator that died");
        }
        if (info.lifetime().orElse(null) == Lifetime.REFERENCE_COUNTED) {
            // The attach lock decides, as it does for SharedMemory.open and exists(): no holder
            // means every holder died, and this look removes the orphan's name.
            try {
                switch (info.attachState()) {
                    case ATTACHED -> {
                        return new Segment.Verdict(Segment.Verdict.State.IN_USE, "a process holds a handle to it");
                    }
                    case ORPHAN_REMOVED -> {
                        return new Segment.Verdict(Segment.Verdict.State.ORPHAN, ORPHAN_REASON + "; removed");
                    }
                    case ORPHAN -> {
                        return new Segment.Verdict(Segment.Verdict.State.ORPHAN, ORPHAN_REASON
                                + "; not removed: no permission (the next shm4j open by its owner removes it)");
                    }
                    case NOT_REFERENCE_COUNTED -> {
                        // Changed meanwhile: judged like any other object below.
                    }
                }
            } catch (NoSuchFileException gone) {
                return new Segment.Verdict(Segment.Verdict.State.ORPHAN, ORPHAN_REASON + "; removed meanwhile");
            } catch (IOException e) {
                return new Segment.Verdict(Segment.Verdict.State.UNKNOWN, "cannot test its attach lock");
            }
        }
        if (!mappers.isEmpty()) {
            return new Segment.Verdict(Segment.Verdict.State.IN_USE, "mapped by " + mappers.size() + " process"
                    + (mappers.size() == 1 ? "" : "es"));
        }
        if (!openers.isEmpty()) {
            return new Segment.Verdict(Segment.Verdict.State.IN_USE, "open in " + openers.size() + " process"
                    + (openers.size() == 1 ? "" : "es"));
        }
        if (creator == SegmentInfo.Liveness.ALIVE) {
            return new Segment.Verdict(Segment.Verdict.State.IN_USE,
                    "creator pid " + info.creatorPid().getAsLong() + " is alive");
        }
        // Not root: other users' processes cannot be inspected, and may map what they may open. As
        // root, the rare process even root may not inspect (a sandbox's init) is not counted.
        if (scan.unreadableProcesses() > 0 && !ROOT && (info.permissions() & 0077) != 0) {
            return new Segment.Verdict(Segment.Verdict.State.UNKNOWN, scan.unreadableProcesses()
                    + " processes could not be inspected and may use it (run as root to see them)");
        }
        if (!scan.descriptorsScanned()) {
            return new Segment.Verdict(Segment.Verdict.State.UNKNOWN, "open descriptors not scanned");
        }
        String gone = creator == SegmentInfo.Liveness.DEAD
                ? ", its creator pid " + info.creatorPid().getAsLong() + " is gone" : "";
        return new Segment.Verdict(Segment.Verdict.State.STALE, "no process maps or opens it" + gone);
    }

    /** The processes that map a named file mapping's file (the recorded device and inode). */
    private static List<ProcScan.ProcessRef> fileMappers(String file, Recognised recognised) {
        Path parent = Path.of(file).getParent();
        if (parent == null || !(recognised.details().get("fileInode") instanceof Long inode)
                || !(recognised.details().get("fileDevice") instanceof String device)) {
            return List.of();
        }
        try {
            int colon = device.indexOf(':');
            long dev = Long.parseLong(device.substring(0, colon)) << 32 | Long.parseLong(device.substring(colon + 1));
            return ProcScan.scan(parent, false).mappers(dev, inode);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static long initPid(String name) {
        String rest = name.substring(INIT_PREFIX.length());
        int dot = rest.indexOf('.');
        try {
            return Long.parseLong(dot < 0 ? rest : rest.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private Segment unreadable(Path p, IOException e) {
        return new Segment(p.getFileName().toString(), p, null, "unknown", null, List.of(), List.of(),
                new Segment.Verdict(Segment.Verdict.State.UNKNOWN, "cannot be read"), "?", Errors.describe(e),
                SegmentInfo.Liveness.UNKNOWN, null);
    }

    private static String nonFileType(SegmentInfo.FileType type) {
        return switch (type) {
            case DIRECTORY -> "dir";
            case SYMBOLIC_LINK -> "symlink";
            case FIFO -> "fifo";
            case SOCKET -> "socket";
            case CHARACTER_DEVICE -> "chardev";
            case BLOCK_DEVICE -> "blockdev";
            case REGULAR_FILE, UNKNOWN -> "unknown";
        };
    }

    /** The owner's user name (looked up once per uid), or the uid when it has none. */
    String owner(int uid, Path sample) {
        return owners.computeIfAbsent(uid, u -> {
            try {
                String n = Files.getOwner(sample, LinkOption.NOFOLLOW_LINKS).getName();
                return n.isEmpty() ? Integer.toString(u) : n;
            } catch (IOException | RuntimeException e) {
                return Integer.toString(u);
            }
        });
    }

    private Path realDirectory() {
        try {
            return directory.toRealPath();
        } catch (IOException e) {
            return directory.toAbsolutePath().normalize();
        }
    }

    Optional<Recognised> recognise(SegmentInfo info) throws IOException {
        try (FileChannel channel = info.openChannel(Access.READ_ONLY)) {
            return probes.identify(channel, info.byteSize());
        }
    }
}
