package org.shm4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.shm4j.Access;
import org.shm4j.SegmentInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j cat NAME}: a segment's bytes to standard output. */
@Command(name = "cat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Copy a segment's bytes (or a range) to standard output, unchanged. Large copies show a",
                "progress bar on standard error when it is a terminal; nothing is printed when piped.",
                "A segment truncated while being copied ends the copy with an error (exit 1)."},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j cat orders > orders.bin", "  shm4j cat orders --offset 4k --length 4k | xxd"})
final class CatCommand extends BaseCommand {
    @Mixin
    private DirectoryOption dir;

    @Parameters(paramLabel = "NAME", description = "The segment's name.")
    private String name;

    @Option(names = {"-o", "--offset"}, paramLabel = "SIZE", converter = Sizes.Converter.class, defaultValue = "0",
            description = "Start at this byte.")
    private long offset;

    @Option(names = {"-n", "--length"}, paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "Copy at most this many bytes (default: to the end).")
    private Long length;

    @Option(names = "--no-progress", description = "Never show a progress bar.")
    private boolean noProgress;

    @Override
    public Integer call() throws IOException {
        Inspector inspector = new Inspector(dir.directory(), probes());
        SegmentInfo info = inspector.info(name);
        try (FileChannel channel = info.openChannel(Access.READ_ONLY)) {
            long size = info.byteSize();
            if (offset > size) {
                throw new Errors.CommandException(Text.format("offset beyond the end of the segment", "name", name,
                        "offset", offset, "byteSize", size));
            }
            long end = length == null ? size : Math.min(size, offset + Math.min(length, Long.MAX_VALUE - offset));
            OutputStream out = rawOut();
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(Copying.CHUNK, Math.max(1, end - offset)));
            long position = offset;
            try (Copying.Progress progress = Copying.progress(io(), !noProgress, "cat " + Text.safe(name),
                    end - offset)) {
                while (position < end) {
                    buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                    int n = channel.read(buffer, position);
                    if (n <= 0) {
                        break;
                    }
                    out.write(buffer.array(), 0, n);
                    position += n;
                    progress.advance(n);
                }
            }
            out.flush();
            if (position < end) {
                throw new Errors.CommandException(Text.format("segment shrank while being read", "name", name,
                        "expectedEnd", end, "endOfFile", position));
            }
        }
        return Main.OK;
    }
}
