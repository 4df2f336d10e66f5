package org.shm4j.cli;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.shm4j.Access;
import org.shm4j.Commit;
import org.shm4j.SegmentInfo;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j put NAME}: copy bytes from standard input or a file into a segment. */
@Command(name = "put", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Copy bytes from standard input (or --from FILE) into a segment, starting at --offset.",
                "A segment that does not exist is created with the size of the data (mode 0600 unless --mode).",
                "Data longer than an existing segment is refused before anything is written when its size",
                "is known, unless --grow lets the segment grow. Bytes past the data are left as they were.",
                "Large copies show a progress bar on standard error when it is a terminal."},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j put orders --from orders.bin", "  echo hello | shm4j put greeting",
                "  shm4j put orders --offset 4k --grow < more.bin"})
final class PutCommand extends BaseCommand {
    @Mixin
    private DirectoryOption dir;

    @Parameters(paramLabel = "NAME", description = "The segment's name.")
    private String name;

    @Option(names = {"-f", "--from"}, paramLabel = "FILE", description = "Read from this file instead of standard input.")
    private Path from;

    @Option(names = {"-o", "--offset"}, paramLabel = "SIZE", converter = Sizes.Converter.class, defaultValue = "0",
            description = "Write starting at this byte of the segment.")
    private long offset;

    @Option(names = {"-g", "--grow"}, description = "Let the segment grow to hold the data.")
    private boolean grow;

    @Option(names = "--mode", paramLabel = "MODE", description = "Permissions of a created segment (0640, rw-r-----).")
    private String mode;

    @Option(names = "--allow-foreign-owner", description = "Write into a segment another user owns.")
    private boolean allowForeignOwner;

    @Option(names = "--no-progress", description = "Never show a progress bar.")
    private boolean noProgress;

    @Override
    public Integer call() throws IOException {
        Inspector inspector = new Inspector(dir.directory(), probes());
        Path path = inspector.resolve(name);
        SegmentOption.Mode createMode = mode == null ? SegmentOption.Mode.OWNER_ONLY : SegmentOption.Mode.of(mode);
        try (InputStream in = from == null ? io().in() : openInput(from)) {
            long known = knownSize(in);
            SegmentInfo info = existing(path);
            boolean created = false;
            byte[] first = null;
            int firstLength = 0;
            if (info == null) {
                if (known < 0) {
                    first = new byte[Copying.CHUNK];
                    firstLength = in.readNBytes(first, 0, first.length);
                    if (firstLength < first.length) {
                        known = firstLength;
                    }
                }
                long initial = offset + (known >= 0 ? known : firstLength);
                if (initial == 0) {
                    throw new Errors.CommandException(Text.format("nothing to put: the input is empty and the segment "
                            + "does not exist", "name", name));
                }
                create(path, initial, createMode);
                created = true;
                info = SegmentInfo.of(path);
            } else {
                checkOwner(info);
                refuseFileMappingName(info);
                if (known >= 0 && offset + known > info.byteSize() && !grow) {
                    throw new Errors.CommandException(Text.format("input is larger than the segment; pass --grow to "
                            + "let it grow", "name", name, "byteSize", info.byteSize(), "offset", offset, "inputBytes",
                            known));
                }
            }
            boolean ok = false;
            try {
                long written = copy(in, info, first, firstLength, known, created || grow);
                ok = true;
                if (io().stderrTerminal()) {
                    io().err().println("shm4j: put " + Sizes.human(written) + " into " + Text.safe(name)
                            + (created ? " (created)" : ""));
                }
            } finally {
                if (!ok && created) {
                    Files.deleteIfExists(path);
                }
            }
        }
        return Main.OK;
    }

    /**
     * A named file mapping's entry is its record, not memory: writing there would destroy the name
     * (the library would then refuse it as malformed), so put refuses and points at the file.
     */
    private void refuseFileMappingName(SegmentInfo info) throws IOException {
        if (!info.isRegularFile() || info.byteSize() < org.shm4j.FileMappingRecord.HEADER_BYTES
                || info.byteSize() > org.shm4j.FileMappingRecord.MAX_BYTES) {
            return;
        }
        ByteBuffer magic = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = info.openChannel(Access.READ_ONLY)) {
            channel.read(magic, 0);
        }
        if (magic.position() == 8 && magic.getLong(0) == org.shm4j.FileMappingRecord.MAGIC) {
            String file;
            try {
                file = org.shm4j.FileMappingRecord.decode(readAll(info), name).path();
            } catch (IOException e) {
                file = "unknown (malformed record)";
            }
            throw new Errors.CommandException(Text.format(
                    "name is a named file mapping, its entry holds no data; write into the file it maps instead",
                    "name", name, "file", file));
        }
    }

    private static ByteBuffer readAll(SegmentInfo info) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) info.byteSize());
        try (FileChannel channel = info.openChannel(Access.READ_ONLY)) {
            while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
                // keep reading
            }
        }
        return b.flip();
    }

    private long copy(InputStream in, SegmentInfo info, byte[] first, int firstLength, long known, boolean mayGrow)
            throws IOException {
        long limit = mayGrow ? Long.MAX_VALUE : info.byteSize();
        long position = offset;
        try (FileChannel channel = info.openChannel(Access.READ_WRITE);
                Copying.Progress progress = Copying.progress(io(), !noProgress, "put " + Text.safe(name),
                        known < 0 ? 0 : known)) {
            if (first != null) {
                position = write(channel, first, firstLength, position, limit, progress);
            }
            byte[] buffer = new byte[Copying.CHUNK];
            while (true) {
                int n = in.readNBytes(buffer, 0, buffer.length);
                if (n <= 0) {
                    break;
                }
                position = write(channel, buffer, n, position, limit, progress);
            }
            channel.force(false);
        }
        return position - offset;
    }

    private long write(FileChannel channel, byte[] bytes, int length, long position, long limit,
            Copying.Progress progress) throws IOException {
        int fits = (int) Math.min(length, Math.max(0, limit - position));
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, fits);
        long p = position;
        while (b.hasRemaining()) {
            p += channel.write(b, p);
        }
        progress.advance(fits);
        if (fits < length) {
            throw new Errors.CommandException(Text.format("input is larger than the segment; stopped at its end "
                    + "(pass --grow to let it grow)", "name", name, "byteSize", limit, "written", p - offset));
        }
        return p;
    }

    private void create(Path path, long byteSize, SegmentOption.Mode createMode) throws IOException {
        if (dir.isShmDirectory()) {
            SharedMemory.create(name, byteSize, createMode, Commit.NOW).close();
        } else {
            SharedMemory.mapFile(path, byteSize, Access.READ_WRITE, SegmentOption.Disposition.CREATE_NEW, createMode,
                    Commit.NOW).close();
        }
    }

    private void checkOwner(SegmentInfo info) {
        int me = Copying.currentUid();
        if (!allowForeignOwner && me >= 0 && info.ownerUid() != me) {
            throw new Errors.CommandException(Text.format("segment is owned by another user; pass "
                    + "--allow-foreign-owner to write into it", "name", name, "ownerUid", info.ownerUid(), "uid", me));
        }
    }

    private static SegmentInfo existing(Path path) throws IOException {
        try {
            return SegmentInfo.of(path);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static InputStream openInput(Path file) throws IOException {
        if (!Files.isRegularFile(file) && Files.exists(file, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(file)) {
            throw new Errors.CommandException(Text.format("input is a directory", "path", file));
        }
        return Files.newInputStream(file);
    }

    /** The number of bytes the input will give, or -1 when it is a pipe or a terminal. */
    private long knownSize(InputStream in) {
        try {
            if (from != null && Files.isRegularFile(from)) {
                return Files.size(from);
            }
            if (from == null && in instanceof FileInputStream fis && Files.isRegularFile(Path.of("/proc/self/fd/0"))) {
                FileChannel ch = fis.getChannel();
                return Math.max(0, ch.size() - ch.position());
            }
        } catch (IOException | RuntimeException e) {
            // Unknown: copy and see.
        }
        return -1;
    }
}
