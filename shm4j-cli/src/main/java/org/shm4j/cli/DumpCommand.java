package org.shm4j.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import org.shm4j.Access;
import org.shm4j.SegmentInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j dump NAME}: hex and ASCII, like {@code xxd}, streamed. */
@Command(name = "dump", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a segment (or part of it) in hex and ASCII, like 'xxd -a': 16 bytes a line, lines",
                "of zeros after the first shown as '*'. Read with read(2) in chunks, so segments of any size",
                "stream, and one truncated meanwhile ends the dump with an error instead of a crash."},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j dump orders --length 256", "  shm4j dump orders --offset 1M --length 4k",
                "  shm4j dump big --offset 0x7fff0000 | less"})
final class DumpCommand extends BaseCommand {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Mixin
    private DirectoryOption dir;

    @Parameters(paramLabel = "NAME", description = "The segment's name.")
    private String name;

    @Option(names = {"-o", "--offset"}, paramLabel = "SIZE", converter = Sizes.Converter.class, defaultValue = "0",
            description = "Start at this byte (4k, 1M, 0x1000...).")
    private long offset;

    @Option(names = {"-n", "--length"}, paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "Dump at most this many bytes (default: to the end).")
    private Long length;

    @Option(names = "--no-squeeze", description = "Print every line, zeros included.")
    private boolean noSqueeze;

    private boolean previousZero;

    @Override
    public Integer call() throws IOException {
        Inspector inspector = new Inspector(dir.directory(), probes());
        SegmentInfo info = inspector.info(name);
        long size = info.byteSize();
        if (offset > size || (offset == size && size > 0)) {
            throw new Errors.CommandException(Text.format("offset beyond the end of the segment", "name", name,
                    "offset", offset, "byteSize", size));
        }
        long end = length == null ? size : Math.min(size, offset + Math.min(length, Long.MAX_VALUE - offset));
        try (FileChannel channel = info.openChannel(Access.READ_ONLY)) {
            OutputStream out = new BufferedOutputStream(rawOut(), 1 << 16);
            long done = dump(channel, offset, end, out);
            out.flush();
            if (done < end) {
                throw new Errors.CommandException(Text.format("segment shrank while being read", "name", name,
                        "expectedEnd", end, "endOfFile", done));
            }
        }
        return Main.OK;
    }

    /** Dumps {@code [from, to)}; returns where the data ended (less than {@code to} if the file shrank). */
    private long dump(FileChannel channel, long from, long to, OutputStream out) throws IOException {
        int width = Math.max(8, 64 - Long.numberOfLeadingZeros(Math.max(1, to - 1)) + 3 >> 2);
        ByteBuffer buffer = ByteBuffer.allocate(Copying.CHUNK);
        byte[] line = new byte[16];
        byte[] text = new byte[width + 2 + 40 + 1 + 16 + 1];
        int fill = 0;
        long lineStart = from;
        long position = from;
        boolean squeezing = false;
        while (position < to) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), to - position));
            int n = channel.read(buffer, position);
            if (n <= 0) {
                break;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                line[fill++] = buffer.get();
                if (fill == 16) {
                    squeezing = emit(out, text, width, lineStart, line, fill, squeezing, lineStart + 16 >= to);
                    lineStart += 16;
                    fill = 0;
                }
            }
            position += n;
        }
        if (fill > 0) {
            emit(out, text, width, lineStart, line, fill, squeezing, true);
        }
        return position;
    }

    private boolean emit(OutputStream out, byte[] text, int width, long offset, byte[] line, int count,
            boolean squeezing, boolean last) throws IOException {
        boolean zero = count == 16 && allZero(line);
        if (!noSqueeze && zero && !last && previousZero) {
            if (!squeezing) {
                out.write('*');
                out.write('\n');
            }
            return true;
        }
        previousZero = zero;
        int p = 0;
        for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) {
            text[p++] = HEX[(int) (offset >>> shift) & 0xf];
        }
        text[p++] = ':';
        text[p++] = ' ';
        for (int i = 0; i < 16; i++) {
            if (i < count) {
                text[p++] = HEX[(line[i] >> 4) & 0xf];
                text[p++] = HEX[line[i] & 0xf];
            } else {
                text[p++] = ' ';
                text[p++] = ' ';
            }
            if ((i & 1) == 1) {
                text[p++] = ' ';
            }
        }
        text[p++] = ' ';
        for (int i = 0; i < count; i++) {
            int b = line[i] & 0xff;
            text[p++] = (byte) (b >= 0x20 && b < 0x7f ? b : '.');
        }
        text[p++] = '\n';
        out.write(text, 0, p);
        return false;
    }

    private static boolean allZero(byte[] line) {
        for (byte b : line) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
