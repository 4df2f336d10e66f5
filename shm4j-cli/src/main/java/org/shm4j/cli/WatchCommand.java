package org.shm4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.shm4j.Access;
import org.shm4j.SegmentInfo;
import org.shm4j.cli.probe.Recognised;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j watch NAME}: a live view of one segment. */
@Command(name = "watch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Watch one segment: size, storage, the processes that map it, a checksum of its first",
                "64 KiB (to see writes), and what a probe reports (ring positions and rates, lock owners...).",
                "On a terminal the view refreshes in place; when piped, one line is printed per interval.",
                "Stops after --count refreshes, on Ctrl-C, or when the segment is removed."},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j watch orders", "  shm4j watch orders --interval 200ms --count 50 > orders.log"})
final class WatchCommand extends BaseCommand {
    private static final int FINGERPRINT_BYTES = 64 * 1024;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @Mixin
    private DirectoryOption dir;

    @Parameters(paramLabel = "NAME", description = "The segment's name.")
    private String name;

    @Option(names = {"-i", "--interval"}, paramLabel = "DURATION", defaultValue = "1s",
            converter = Durations.Converter.class, description = "Time between refreshes (default ${DEFAULT-VALUE}).")
    private Duration interval;

    @Option(names = {"-c", "--count"}, paramLabel = "N", defaultValue = "0",
            description = "Stop after N refreshes (default: run until stopped).")
    private int count;

    private final Map<String, Long> previousNumbers = new HashMap<>();
    private long previousChecksum = -1;
    private long previousNanos;

    @Override
    public Integer call() throws Exception {
        if (interval.toMillis() < 10) {
            throw new Errors.CommandException(Text.format("interval too short", "interval", interval, "minimum", "10ms"));
        }
        Inspector inspector = new Inspector(dir.directory(), probes());
        Path path = inspector.resolve(name);
        boolean terminal = io().stdoutTerminal();
        int previousLines = 0;
        for (int tick = 0; count == 0 || tick < count; tick++) {
            if (tick > 0) {
                Thread.sleep(interval.toMillis());
            }
            SegmentInfo info;
            try {
                info = SegmentInfo.of(path);
            } catch (NoSuchFileException e) {
                if (tick == 0) {
                    throw new NoSuchFileException(path.toString(), null, Text.format("no such segment", "name", name,
                            "directory", dir.directory()));
                }
                out().println(Text.safe(name) + " was removed");
                out().flush();
                return Main.OK;
            }
            if (!info.isRegularFile()) {
                throw new org.shm4j.UnexpectedFileTypeException(Text.format("not a shared-memory object", "name", name,
                        "type", info.fileType()));
            }
            Segment s = inspector.inspect(path, info, ProcScan.scan(dir.directory().toAbsolutePath(), false));
            long checksum = checksum(info);
            long nanos = System.nanoTime();
            List<String> fields = fields(s, checksum, nanos);
            if (terminal) {
                previousLines = redraw(s, fields, previousLines);
            } else {
                out().println(LocalTime.now().format(CLOCK) + " " + String.join(" ", fields));
                out().flush();
            }
            flushOut();
            previousChecksum = checksum;
            previousNanos = nanos;
        }
        return Main.OK;
    }

    private List<String> fields(Segment s, long checksum, long nanos) {
        List<String> fields = new ArrayList<>();
        fields.add("type=" + s.type());
        fields.add("size=" + s.info().byteSize());
        fields.add("used=" + s.info().allocatedBytes());
        fields.add("procs=" + s.mappers().size());
        fields.add("creator=" + s.creatorText().replace(' ', ':'));
        fields.add(String.format("crc32=%08x%s", checksum, previousChecksum >= 0 && checksum != previousChecksum
                ? "*" : ""));
        Recognised r = s.recognised();
        if (r != null) {
            double seconds = previousNanos == 0 ? 0 : (nanos - previousNanos) / 1e9;
            for (Map.Entry<String, Object> e : r.details().entrySet()) {
                String key = Text.safe(e.getKey());
                String value = Text.safe(String.valueOf(e.getValue())).replace(' ', '_');
                String rate = "";
                if (e.getValue() instanceof Long || e.getValue() instanceof Integer) {
                    long v = ((Number) e.getValue()).longValue();
                    Long before = previousNumbers.put(e.getKey(), v);
                    if (before != null && seconds > 0 && v != before) {
                        rate = String.format("(%+.0f/s)", (v - before) / seconds);
                    }
                }
                fields.add(key + "=" + value + rate);
            }
        }
        return fields;
    }

    private int redraw(Segment s, List<String> fields, int previousLines) {
        StringBuilder b = new StringBuilder();
        if (previousLines > 0) {
            // Back to the first line of the previous view, then clear below: refreshed in place.
            b.append("\u001b[").append(previousLines).append('F').append("\u001b[J");
        }
        Colours c = colours();
        List<String> lines = new ArrayList<>();
        lines.add(c.bold("shm4j watch " + Text.safe(name)) + "   every " + interval.toMillis() + " ms   "
                + LocalTime.now().format(CLOCK) + "   (Ctrl-C to stop)");
        lines.add("  mapped by  " + LsCommand.procs(s));
        for (String f : fields) {
            int eq = f.indexOf('=');
            lines.add("  " + String.format("%-10s", f.substring(0, eq)) + " " + f.substring(eq + 1));
        }
        for (String line : lines) {
            b.append(line).append('\n');
        }
        out().print(b);
        out().flush();
        return lines.size();
    }

    private static long checksum(SegmentInfo info) {
        try (FileChannel channel = info.openChannel(Access.READ_ONLY)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min((long) FINGERPRINT_BYTES, info.byteSize()));
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, buffer.position()) <= 0) {
                    break;
                }
            }
            buffer.flip();
            CRC32 crc = new CRC32();
            crc.update(buffer);
            return crc.getValue();
        } catch (IOException e) {
            return 0;
        }
    }
}
