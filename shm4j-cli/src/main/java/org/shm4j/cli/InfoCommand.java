package org.shm4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.shm4j.Lifetime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j info NAME}: everything known about one segment. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show everything known about one segment: size and storage, owner and mode, times, the",
                "creator and whether it runs, the lifetime, the processes that map it or hold it open,",
                "whether it is stale, and what a probe found in its header (for rings: positions, lag,",
                "capacity, counters, producer and consumer liveness; for locks and events: owner, waiters)."},
        footerHeading = "%nExamples:%n", footer = {"  shm4j info orders", "  shm4j info orders --json"})
final class InfoCommand extends BaseCommand {
    @Mixin
    private DirectoryOption dir;

    @Parameters(paramLabel = "NAME", description = "The segment's name (as for shm_open; a leading / is allowed).")
    private String name;

    @Option(names = "--json", description = "Print a JSON object.")
    private boolean json;

    @Override
    public Integer call() throws IOException {
        Inspector inspector = new Inspector(dir.directory(), probes());
        Segment s = inspector.inspect(name, true);
        List<Segment> bridges = "ring".equals(s.type()) ? bridges(inspector, dir.directory(), s) : List.of();
        Instant now = Instant.now();
        if (json) {
            try (JsonGenerator g = Json.generator(rawOut())) {
                Json.segment(g, s, now);
            }
            rawOut().write('\n');
            rawOut().flush();
        } else {
            print(s, now);
            printBridges(bridges);
        }
        if (!s.info().isRegularFile()) {
            warn(Text.format("not a shared-memory object", "name", s.name(), "type", s.type()));
            return Main.ERROR;
        }
        if (s.problem() != null) {
            warn(Text.safe(s.name()) + ": " + s.problem());
            return Main.ERROR;
        }
        return Main.OK;
    }

    private void print(Segment s, Instant now) throws IOException {
        PrintWriter out = out();
        Colours c = colours();
        var info = s.info();
        line(out, c, "name", Text.safe(s.name()));
        line(out, c, "path", Text.safe(s.path().toString()));
        line(out, c, "kind", s.kindText());
        line(out, c, "type", s.type());
        if (s.mappedFile() != null) {
            line(out, c, "maps file", Text.safe(s.mappedFile()));
        }
        line(out, c, "size", info.byteSize() + " bytes (" + Sizes.human(info.byteSize()) + ")");
        line(out, c, "used", info.allocatedBytes() + " bytes (" + Sizes.human(info.allocatedBytes()) + ")"
                + (info.allocatedBytes() < info.byteSize() ? ", sparse" : ""));
        line(out, c, "owner", Text.safe(s.owner()) + " (uid " + info.ownerUid() + ")");
        line(out, c, "mode", Text.octal(info.permissions()) + " " + Text.symbolic(info.permissions()));
        line(out, c, "changed", info.changed() + " (" + Text.age(s.age(now)) + " ago)");
        line(out, c, "modified", info.modified().toString());
        line(out, c, "inode", info.inode() + " on device " + info.deviceMajor() + ":" + info.deviceMinor());
        if (info.isRegularFile()) {
            String creator = info.creatorPid().isEmpty() ? "unknown (not created by shm4j)"
                    : info.creatorPid().getAsLong() + " " + creatorState(s, c);
            line(out, c, "creator", creator);
            line(out, c, "lifetime", info.lifetime().map(LsCommand::lower).orElse("unknown (not created by shm4j)"));
            if (info.lifetime().orElse(null) == Lifetime.REFERENCE_COUNTED) {
                // The verdict tested the attach lock once (and removed an orphan's name).
                String held = s.orphan() ? c.yellow("no: " + s.verdict().reason())
                        : s.verdict().state() == Segment.Verdict.State.IN_USE
                                && s.verdict().reason().startsWith("a process holds") ? "yes"
                        : "unknown (" + s.verdict().reason() + ")";
                line(out, c, "handles held", held);
            }
            line(out, c, "mapped by", processes(s.mappers()));
            line(out, c, "open by", processes(s.openers()));
            String verdict = LsCommand.lower(s.verdict().state()).replace('_', ' ') + " (" + s.verdict().reason() + ")";
            line(out, c, "state", s.verdict().stale() ? c.yellow(verdict) : verdict);
            if (s.recognised() != null) {
                for (Map.Entry<String, Object> e : s.recognised().details().entrySet()) {
                    line(out, c, Text.safe(e.getKey()), Text.safe(String.valueOf(e.getValue())));
                }
            }
        }
        out.flush();
        flushOut();
    }

    /** The bridge state segments of a ring: {@code <ring>.bridge.*} that the bridge probe recognises. */
    private static List<Segment> bridges(Inspector inspector, java.nio.file.Path directory, Segment ring)
            throws IOException {
        String prefix = ring.name() + ".bridge.";
        List<String> names = new java.util.ArrayList<>();
        try (var entries = java.nio.file.Files.newDirectoryStream(directory)) {
            for (java.nio.file.Path p : entries) {
                String n = p.getFileName().toString();
                if (n.startsWith(prefix)) {
                    names.add(n);
                }
            }
        }
        java.util.Collections.sort(names);
        List<Segment> found = new java.util.ArrayList<>();
        for (String n : names) {
            try {
                Segment s = inspector.inspect(n, false);
                if ("bridge".equals(s.type()) && s.recognised() != null) {
                    found.add(s);
                }
            } catch (java.nio.file.NoSuchFileException gone) {
                // Removed meanwhile.
            }
        }
        return found;
    }

    private void printBridges(List<Segment> bridges) throws IOException {
        PrintWriter out = out();
        Colours c = colours();
        for (Segment b : bridges) {
            Map<String, Object> d = b.recognised().details();
            if (d.containsKey("error")) {
                line(out, c, "bridge", Text.safe(b.name()) + ": " + Text.safe(String.valueOf(d.get("error"))));
                continue;
            }
            boolean alive = Boolean.TRUE.equals(d.get("bridgeAlive"));
            String state = !alive ? "stopped" : Boolean.TRUE.equals(d.get("connected")) ? "running, connected"
                    : "running, waiting for its peer";
            line(out, c, "bridge", d.get("role") + " pid " + d.get("bridgePid") + " (" + state + "), stream "
                    + d.get("stream") + ", channel " + Text.safe(String.valueOf(d.get("channel"))) + ", records "
                    + d.get("records") + ", lost " + d.get("lostRecords") + " (state " + Text.safe(b.name()) + ")");
        }
        out.flush();
        flushOut();
    }

    private static String creatorState(Segment s, Colours c) {
        String pid = Long.toString(s.info().creatorPid().getAsLong());
        return switch (s.creator()) {
            case ALIVE -> c.green("alive") + " (" + Text.safe(ProcScan.readCommand(Long.parseLong(pid))) + ")";
            case DEAD -> c.red("dead");
            case UNKNOWN -> "unknown";
        };
    }

    private static String processes(List<ProcScan.ProcessRef> refs) {
        if (refs.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (ProcScan.ProcessRef p : refs) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(p.pid()).append(' ').append(Text.safe(p.command()));
        }
        return b.toString();
    }

    private static void line(PrintWriter out, Colours c, String key, String value) {
        out.println(c.bold(String.format("%-13s", key + ":")) + " " + value);
    }
}
