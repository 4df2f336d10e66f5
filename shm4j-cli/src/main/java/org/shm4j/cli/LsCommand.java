package org.shm4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code shm4j ls}: every segment with its size, owner, type, age, users and creator. */
@Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List the segments of /dev/shm (or --dir): name, kind, type, size, storage used, owner, mode,",
                "age, the creator's PID and whether it still runs, and the processes that map each segment.",
                "",
                "Kinds: what opening the name gives (one name, one kind of object): segment, mutex,",
                "read-write-lock, event, semaphore, spsc-ring, mpsc-ring, broadcast-ring, file-mapping;",
                "'-' for entries that are not regular files or cannot be read. Opening a name as another",
                "kind fails at once.",
                "",
                "Types: raw (made by shm4j), foreign (made by something else: C, Python, Boost...), partial",
                "(a segment being created, or left by a creator that crashed), a structure a probe recognised",
                "(e.g. ring, lock, demo), or what a non-file entry is (fifo, socket, symlink, dir, chardev, blockdev).",
                "file-mapping is the name of a named file mapping; NAME shows the file it maps (name -> file).",
                "Entries are examined with statx and read(2) only: FIFOs and devices are never opened.",
                "A reference-counted object whose every holder died is an orphan: listed, named as such below",
                "the table, and removed on sight, as SharedMemory.open and exists() would remove it.",
                "A ring carried by an Aeron bridge (shm4j bridge) shows each bridge end in its PROCS cell:",
                "role, process, state, stream and channel ('bridges' in --json)."},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j ls", "  shm4j ls --sort size --reverse", "  shm4j ls --stale --user alice",
                "  shm4j ls --type ring,lock --json | jq '.[].name'", "  shm4j ls --match 'orders-*'", "  shm4j ls --kind mutex,event"})
final class LsCommand extends BaseCommand {
    enum SortKey { name, kind, size, used, age, owner, type, procs }

    @Mixin
    private DirectoryOption dir;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    private boolean json;

    @Option(names = {"-s", "--sort"}, paramLabel = "KEY", defaultValue = "name",
            description = "Sort by ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private SortKey sort;

    @Option(names = {"-r", "--reverse"}, description = "Reverse the order.")
    private boolean reverse;

    @Option(names = "--stale", description = "Only segments no living process maps or holds open, "
            + "whose creator (if known) is gone: what 'gc' would remove.")
    private boolean stale;

    @Option(names = {"-t", "--type"}, split = ",", paramLabel = "TYPE", description = "Only these types (comma-separated).")
    private List<String> types;

    @Option(names = {"-k", "--kind"}, split = ",", paramLabel = "KIND",
            description = "Only these kinds (comma-separated), e.g. mutex,spsc-ring.")
    private List<String> kinds;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "Only segments owned by this user name or uid.")
    private String user;

    @Option(names = {"-m", "--match"}, paramLabel = "GLOB", description = "Only names matching this glob, e.g. 'orders-*'.")
    private String match;

    @Override
    public Integer call() throws IOException {
        Inspector inspector = new Inspector(dir.directory(), probes());
        List<Segment> all = inspector.list(stale);
        Map<String, List<Map<String, Object>>> bridges = bridgesByRing(all);
        List<Segment> segments = select(all, stale, types, user, match);
        if (kinds != null && !kinds.isEmpty()) {
            segments.removeIf(s -> kinds.stream().noneMatch(k -> k.equalsIgnoreCase(s.kindText())));
        }
        segments.sort(comparator());
        Instant now = Instant.now();
        if (json) {
            try (JsonGenerator g = Json.generator(rawOut())) {
                g.writeStartArray();
                for (Segment s : segments) {
                    Json.segment(g, s, now, bridges.getOrDefault(s.name(), List.of()));
                }
                g.writeEndArray();
            }
            rawOut().write('\n');
            rawOut().flush();
            return Main.OK;
        }
        printTable(segments, bridges, now);
        for (Segment s : segments) {
            if (s.orphan()) {
                out().println(Text.safe(s.name()) + ": " + s.verdict().reason());
            }
        }
        out().flush();
        for (Segment s : segments) {
            if (s.problem() != null) {
                warn(Text.safe(s.name()) + ": " + s.problem());
            }
        }
        flushOut();
        return Main.OK;
    }

    static List<Segment> select(List<Segment> all, boolean staleOnly, List<String> types, String user, String glob) {
        PathMatcher matcher = glob == null ? null : FileSystems.getDefault().getPathMatcher("glob:" + glob);
        List<Segment> selected = new ArrayList<>();
        for (Segment s : all) {
            if (staleOnly && !s.verdict().stale()) {
                continue;
            }
            if (types != null && !types.isEmpty() && types.stream().noneMatch(t -> t.equalsIgnoreCase(s.type()))) {
                continue;
            }
            if (user != null && (s.info() == null
                    || !(user.equals(s.owner()) || user.equals(Integer.toString(s.info().ownerUid()))))) {
                continue;
            }
            if (matcher != null && !matches(matcher, s.name())) {
                continue;
            }
            selected.add(s);
        }
        return selected;
    }

    private static boolean matches(PathMatcher matcher, String name) {
        try {
            return matcher.matches(Path.of(name));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Comparator<Segment> comparator() {
        Comparator<Segment> byName = Comparator.comparing(Segment::name);
        Comparator<Segment> c = switch (sort) {
            case name -> byName;
            case size -> Comparator.comparingLong((Segment s) -> s.info() == null ? -1 : s.info().byteSize());
            case used -> Comparator.comparingLong((Segment s) -> s.info() == null ? -1 : s.info().allocatedBytes());
            case age -> Comparator.comparing((Segment s) -> s.info() == null ? Instant.MAX : s.info().changed())
                    .reversed();
            case owner -> Comparator.comparing(Segment::owner);
            case type -> Comparator.comparing(Segment::type);
            case kind -> Comparator.comparing(Segment::kindText);
            case procs -> Comparator.comparingInt((Segment s) -> s.mappers().size());
        };
        c = c.thenComparing(byName);
        return reverse ? c.reversed() : c;
    }

    /**
     * The bridge ends of each ring, from the bridge state segments {@code <ring>.bridge.<role>.<stream>}
     * the bridge probe recognised (all of them, also those a filter leaves out of the listing), by
     * ring name; a state segment counts for a ring only if its name and its recorded ring agree.
     */
    static Map<String, List<Map<String, Object>>> bridgesByRing(List<Segment> all) {
        Map<String, List<Map<String, Object>>> byRing = new TreeMap<>();
        for (Segment s : all) {
            if (!"bridge".equals(s.type()) || s.recognised() == null) {
                continue;
            }
            Map<String, Object> d = s.recognised().details();
            if (d.containsKey("error") || !(d.get("ring") instanceof String ring)
                    || !s.name().startsWith(ring + ".bridge.")) {
                continue;
            }
            byRing.computeIfAbsent(ring, r -> new ArrayList<>()).add(d);
        }
        return byRing;
    }

    /** The PROCS cell: the processes that map the segment, then each bridge end of a ring with its process and channel. */
    static String procs(Segment s, List<Map<String, Object>> bridges) {
        StringBuilder b = new StringBuilder(procs(s));
        for (Map<String, Object> d : bridges) {
            boolean alive = Boolean.TRUE.equals(d.get("bridgeAlive"));
            b.append(b.isEmpty() ? "" : "; ").append("bridge ").append(d.get("role"));
            if (alive) {
                b.append(" pid ").append(d.get("bridgePid"))
                        .append(Boolean.TRUE.equals(d.get("connected")) ? " connected" : " waiting");
            } else {
                b.append(" stopped");
            }
            b.append(" stream ").append(d.get("stream")).append(' ').append(Text.safe(String.valueOf(d.get("channel"))));
        }
        return b.toString();
    }

    private void printTable(List<Segment> segments, Map<String, List<Map<String, Object>>> bridges, Instant now) {
        Colours colours = colours();
        Table table = new Table(List.of("NAME", "KIND", "TYPE", "SIZE", "USED", "OWNER", "MODE", "AGE", "CREATOR",
                "PROCS"), false, false, false, true, true, false, false, true, false, false);
        for (Segment s : segments) {
            var info = s.info();
            String[] cells = {
                Text.safe(s.name()) + (s.mappedFile() == null ? "" : " -> " + Text.safe(s.mappedFile())), s.kindText(),
                s.type(),
                info == null ? "?" : Sizes.human(info.byteSize()),
                info == null ? "?" : Sizes.human(info.allocatedBytes()),
                Text.safe(s.owner()),
                info == null ? "?" : Text.octal(info.permissions()),
                info == null ? "?" : Text.age(s.age(now)),
                info == null ? "?" : s.creatorText(),
                procs(s, "ring".equals(s.type()) ? bridges.getOrDefault(s.name(), List.of()) : List.of())
            };
            UnaryOperator<String> creatorStyle = info == null ? null : switch (s.creator()) {
                case ALIVE -> colours::green;
                case DEAD -> colours::red;
                case UNKNOWN -> colours::faint;
            };
            UnaryOperator<String> typeStyle = s.isKnownProblemType() ? colours::yellow : null;
            table.add(cells);
            table.style(2, typeStyle);
            table.style(8, creatorStyle);
        }
        int columns = io().stdoutTerminal() ? io().columns(160) : Integer.MAX_VALUE;
        table.print(out(), colours, Math.max(20, columns - 100));
        if (segments.isEmpty()) {
            out().println(colours.faint("(no segments in " + Text.safe(dir.directory().toString()) + ")"));
        }
        out().flush();
    }

    static String procs(Segment s) {
        if (s.mappers().isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        for (ProcScan.ProcessRef p : s.mappers()) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(p.pid()).append(' ').append(Text.safe(p.command()));
        }
        return b.toString();
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
