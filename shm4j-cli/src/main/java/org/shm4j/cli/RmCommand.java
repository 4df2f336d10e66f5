package org.shm4j.cli;

import java.nio.file.NoSuchFileException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j rm NAME...}. */
@Command(name = "rm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Remove segments by name, like shm_unlink: processes that map them keep their memory until",
                "they unmap it. Only regular files are removed: a FIFO, socket, device, directory or symbolic",
                "link is refused. With --stale, segments that a living process maps or holds open, or whose",
                "creator still runs, are kept (and said so). Every name is tried; exit 1 if any failed."},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j rm orders", "  shm4j rm --stale orders-1 orders-2", "  shm4j rm -f maybe-there"})
final class RmCommand extends BaseCommand {
    @Mixin
    private DirectoryOption dir;

    @Parameters(paramLabel = "NAME", arity = "1..*", description = "Segments to remove.")
    private List<String> names;

    @Option(names = "--stale", description = "Remove only the stale ones among NAMEs.")
    private boolean stale;

    @Option(names = {"-f", "--force"}, description = "No error for names that do not exist.")
    private boolean force;

    @Override
    public Integer call() throws Exception {
        Inspector inspector = new Inspector(dir.directory(), probes());
        int failures = 0;
        Colours c = colours();
        for (String name : names) {
            try {
                Segment s = inspector.inspect(name, stale);
                if (s.orphan()) {
                    // Inspecting it removed it, as any shm4j open would have.
                    out().println(c.green("removed") + " " + Text.safe(name) + " (" + s.verdict().reason() + ")");
                    continue;
                }
                if (stale && !s.verdict().stale()) {
                    out().println("kept " + Text.safe(name) + ": " + s.verdict().reason());
                    continue;
                }
                if (Removal.remove(s)) {
                    out().println(c.green("removed") + " " + Text.safe(name) + (s.mappedFile() == null ? ""
                            : " (the name only; the file " + Text.safe(s.mappedFile()) + " is kept)"));
                } else if (!force) {
                    throw new NoSuchFileException(s.path().toString(), null, Text.format("no such segment", "name",
                            name));
                }
            } catch (NoSuchFileException e) {
                if (!force) {
                    failures++;
                    warn(Errors.describe(e));
                }
            } catch (Exception e) {
                failures++;
                warn(Errors.describe(e));
                if (root().verbose()) {
                    e.printStackTrace(io().err());
                }
            }
        }
        out().flush();
        flushOut();
        return failures == 0 ? Main.OK : Main.ERROR;
    }
}
