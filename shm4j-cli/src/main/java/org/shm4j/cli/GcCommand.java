package org.shm4j.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code shm4j gc}: find (and with --force remove) stale segments. */
@Command(name = "gc", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Find stale segments and, with --force, remove them. Without --force nothing is removed:",
                "the list shows what would go. A segment is stale when no process maps it or holds it open,",
                "no handle holds a reference-counted one, its creator (when shm4j recorded one) no longer runs,",
                "and it is older than --min-age. Also removes the private files of creations whose process",
                "died midway ('partial'). When some processes cannot be inspected (not root), segments other",
                "users could open are never called stale. FIFOs, sockets, devices and links are never touched.",
                "Orphans of a reference-counted lifetime (every holder died without closing) are removed",
                "whenever gc, ls, info or a shm4j open looks at them, and gc names each one it removed."},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j gc", "  shm4j gc --force", "  shm4j gc --match 'myapp-*' --min-age 1h --force"})
final class GcCommand extends BaseCommand {
    @Mixin
    private DirectoryOption dir;

    @Option(names = "--force", description = "Remove the stale segments (default: only list them).")
    private boolean force;

    @Option(names = {"-m", "--match"}, paramLabel = "GLOB", description = "Only names matching this glob.")
    private String match;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "Only segments of this user name or uid.")
    private String user;

    @Option(names = {"-t", "--type"}, split = ",", paramLabel = "TYPE", description = "Only these types.")
    private List<String> types;

    @Option(names = "--min-age", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.Converter.class,
            description = "Leave segments younger than this (default ${DEFAULT-VALUE}): a process may be about to map one.")
    private Duration minAge;

    @Override
    public Integer call() throws Exception {
        Inspector inspector = new Inspector(dir.directory(), probes());
        Instant now = Instant.now();
        List<Segment> candidates = new ArrayList<>();
        Colours c = colours();
        List<Segment> all = inspector.list(true);
        // Looking at a reference-counted orphan removes it (as SharedMemory.open would), --force or not.
        for (Segment s : LsCommand.select(all, false, types, user, match)) {
            if (s.orphan()) {
                out().println(c.green("removed") + " " + Text.safe(s.name()) + "  (" + s.verdict().reason() + ")");
            }
        }
        for (Segment s : LsCommand.select(all, true, types, user, match)) {
            if (s.info() != null && s.age(now).compareTo(minAge) >= 0) {
                candidates.add(s);
            }
        }
        candidates.sort(java.util.Comparator.comparing(Segment::name));
        long bytes = 0;
        int failures = 0;
        int removed = 0;
        for (Segment s : candidates) {
            String line = Text.safe(s.name()) + "  " + s.type() + "  " + Sizes.human(s.info().allocatedBytes()) + "  "
                    + Text.age(s.age(now)) + " old  (" + s.verdict().reason() + ")";
            if (!force) {
                out().println("would remove " + line);
                bytes += s.info().allocatedBytes();
                continue;
            }
            try {
                if (Removal.remove(s)) {
                    out().println(c.green("removed") + " " + line);
                    bytes += s.info().allocatedBytes();
                    removed++;
                }
            } catch (Exception e) {
                failures++;
                warn(Errors.describe(e));
            }
        }
        if (force) {
            out().println("removed " + removed + " stale segment" + (removed == 1 ? "" : "s") + ", freed "
                    + Sizes.human(bytes));
        } else if (candidates.isEmpty()) {
            out().println("no stale segments");
        } else {
            out().println(candidates.size() + " stale segment" + (candidates.size() == 1 ? "" : "s") + ", "
                    + Sizes.human(bytes) + "; run 'shm4j gc --force' to remove "
                    + (candidates.size() == 1 ? "it" : "them"));
        }
        out().flush();
        flushOut();
        return failures == 0 ? Main.OK : Main.ERROR;
    }
}
