package org.shm4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.shm4j.SegmentInfo;
import org.shm4j.SegmentName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j df}: how full /dev/shm (or another directory's file system) is. */
@Command(name = "df", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show the capacity and use of /dev/shm, or of the file systems holding the given",
                "directories (for file-backed segments), with the number of files and the storage they take.",
                "Warns on standard error when a file system is nearly full, with how to give it more room",
                "(Docker's default /dev/shm is only 64 MiB: docker run --shm-size=1g)."},
        footerHeading = "%nExamples:%n", footer = {"  shm4j df", "  shm4j df /dev/shm /var/lib/myapp --warn-at 80"})
final class DfCommand extends BaseCommand {
    @Parameters(paramLabel = "DIR", arity = "0..*", description = "Directories (default: /dev/shm).")
    private List<Path> directories;

    @Option(names = "--warn-at", paramLabel = "PERCENT", defaultValue = "90",
            description = "Warn when use reaches this percentage (default ${DEFAULT-VALUE}).")
    private int warnAt;

    @Option(names = "--json", description = "Print a JSON array.")
    private boolean json;

    private record Usage(Path directory, String fileSystem, String type, long total, long used, long available,
            int files, long fileBytes) {
        int percent() {
            return total <= 0 ? 0 : (int) Math.min(100, Math.round(100.0 * used / total));
        }
    }

    @Override
    public Integer call() throws IOException {
        List<Path> dirs = directories == null || directories.isEmpty() ? List.of(SegmentName.SHM_DIRECTORY) : directories;
        List<Usage> usages = new ArrayList<>();
        for (Path d : dirs) {
            usages.add(usage(d));
        }
        if (json) {
            try (JsonGenerator g = Json.generator(rawOut())) {
                g.writeStartArray();
                for (Usage u : usages) {
                    g.writeStartObject();
                    g.writeStringField("directory", u.directory().toString());
                    g.writeStringField("fileSystem", u.fileSystem());
                    g.writeStringField("type", u.type());
                    g.writeNumberField("totalBytes", u.total());
                    g.writeNumberField("usedBytes", u.used());
                    g.writeNumberField("availableBytes", u.available());
                    g.writeNumberField("usePercent", u.percent());
                    g.writeNumberField("files", u.files());
                    g.writeNumberField("fileBytes", u.fileBytes());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            rawOut().write('\n');
            rawOut().flush();
        } else {
            Colours c = colours();
            Table table = new Table(List.of("DIRECTORY", "TYPE", "SIZE", "USED", "AVAIL", "USE%", "FILES", "FILES-USE"),
                    false, false, true, true, true, true, true, true);
            for (Usage u : usages) {
                String pct = u.percent() + "%";
                table.add(new String[] {Text.safe(u.directory().toString()), Text.safe(u.type()), Sizes.human(u.total()),
                    Sizes.human(u.used()), Sizes.human(u.available()), pct, Integer.toString(u.files()),
                    Sizes.human(u.fileBytes())});
                table.style(5, u.percent() >= warnAt ? c::red : null);
            }
            table.print(out(), c, Integer.MAX_VALUE);
            flushOut();
        }
        for (Usage u : usages) {
            if (u.percent() >= warnAt) {
                warn(String.format(Locale.ROOT, "warning: %s is %d%% full (%s of %s, %s free).",
                        Text.safe(u.directory().toString()), u.percent(), Sizes.human(u.used()), Sizes.human(u.total()),
                        Sizes.human(u.available())));
                warn("  Remove stale segments with 'shm4j gc', or give it more room:");
                warn("  Docker: docker run --shm-size=1g ... (Compose: shm_size: 1gb); Kubernetes: an emptyDir");
                warn("  with medium: Memory mounted at /dev/shm; a host: mount -o remount,size=2G /dev/shm");
            }
        }
        return Main.OK;
    }

    private static Usage usage(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, Text.format("not a directory", "path", directory));
        }
        FileStore store = Files.getFileStore(directory);
        long total = store.getTotalSpace();
        long free = store.getUnallocatedSpace();
        int files = 0;
        long fileBytes = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path p : entries) {
                try {
                    SegmentInfo info = SegmentInfo.of(p);
                    if (info.isRegularFile()) {
                        files++;
                        fileBytes += info.allocatedBytes();
                    }
                } catch (IOException e) {
                    // Gone or unreadable: not counted.
                }
            }
        }
        return new Usage(directory, store.name(), store.type(), total, total - free, store.getUsableSpace(), files,
                fileBytes);
    }
}
