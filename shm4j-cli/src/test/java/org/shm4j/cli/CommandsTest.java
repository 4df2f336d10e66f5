package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

@ExtendWith(NoLeaks.class)
@Timeout(120)
class CommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> names = new ArrayList<>();

    private String name(String label) {
        String n = TestNames.unique(label);
        names.add(n);
        return n;
    }

    @AfterEach
    void removeOurSegments() throws IOException {
        for (String n : names) {
            Files.deleteIfExists(Path.of("/dev/shm", n));
        }
    }

    /** Maps the segment named by args[0] and waits until its standard input closes or 60 s pass. */
    public static final class Mapper {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.open(args[0], Access.READ_ONLY); MappedView view = shm.map()) {
                System.out.println("READY " + view.byteSize());
                System.out.flush();
                Thread.sleep(60_000);
            }
        }
    }

    /** Creates the segment named by args[0] and exits, leaving it behind with a dead creator. */
    public static final class Creator {
        public static void main(String[] args) throws Exception {
            SharedMemory.create(args[0], 4096).close();
        }
    }

    @Test
    void createListInfoRemove() throws Exception {
        String n = name("basic");
        Cli.Result created = cli().run("create", n, "--size", "4k", "--mode", "0640");
        assertThat(created.code()).as(created.toString()).isZero();
        assertThat(created.out()).contains("created " + n, "4.0 KiB", "0640");

        Cli.Result ls = cli().run("ls", "--match", n);
        assertThat(ls.code()).as(ls.toString()).isZero();
        assertThat(ls.out()).contains("NAME", "TYPE", "PROCS", n, "raw", "4.0 KiB", "0640",
                ProcessHandle.current().pid() + " alive");

        Cli.Result info = cli().run("info", n);
        assertThat(info.code()).as(info.toString()).isZero();
        assertThat(info.out()).contains("size:", "4096 bytes", "mode:", "0640 rw-r-----", "lifetime:", "persistent",
                "creator:", ProcessHandle.current().pid() + " alive", "state:", "in use (creator pid");

        JsonNode json = JSON.readTree(cli().run("info", n, "--json").out());
        assertThat(json.get("name").asText()).isEqualTo(n);
        assertThat(json.get("byteSize").asLong()).isEqualTo(4096);
        assertThat(json.get("type").asText()).isEqualTo("raw");
        assertThat(json.get("creator").get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());

        Cli.Result rm = cli().run("rm", n);
        assertThat(rm.code()).as(rm.toString()).isZero();
        assertThat(Path.of("/dev/shm", n)).doesNotExist();
        Cli.Result again = cli().run("rm", n);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).startsWith("shm4j: no such segment: name=" + n);
        assertThat(cli().run("rm", "-f", n).code()).isZero();
    }

    @Test
    void aNamedFileMappingIsListedWithItsFileAndRmRemovesOnlyTheName(@TempDir Path dir) throws Exception {
        String n = name("cli-nfm");
        Path file = dir.resolve("mapped.bin");
        try (SharedMemory shm = SharedMemory.mapFile(n, file, 8192, Access.READ_WRITE,
                org.shm4j.SegmentOption.Disposition.CREATE_NEW);
             MappedView view = shm.map()) {
            assertThat(view.byteSize()).isEqualTo(8192);
            String real = file.toRealPath().toString();
            Cli.Result ls = cli().run("ls", "--match", n);
            assertThat(ls.code()).as(ls.toString()).isZero();
            assertThat(ls.out()).contains(n + " -> " + real, "file-mapping");
            Cli.Result info = cli().run("info", n);
            assertThat(info.code()).as(info.toString()).isZero();
            assertThat(info.out()).contains("type:", "file-mapping", "maps file:", real, "fileState:", "present",
                    "mapped by:", ProcessHandle.current().pid() + " ");
            JsonNode json = JSON.readTree(cli().run("info", n, "--json").out());
            assertThat(json.get("type").asText()).isEqualTo("file-mapping");
            assertThat(json.get("details").get("file").asText()).isEqualTo(real);
            assertThat(json.get("verdict").asText()).isEqualTo("in_use");
            Path data = dir.resolve("in.bin");
            Files.write(data, new byte[] {1, 2, 3});
            Cli.Result put = cli().run("put", n, "--from", data.toString());
            assertThat(put.code()).as(put.toString()).isEqualTo(1);
            assertThat(put.err()).contains("named file mapping", "write into the file it maps", "file=" + real);
            try (SharedMemory again = SharedMemory.open(n, Access.READ_ONLY)) {
                assertThat(again.byteSize()).as("the name still opens its file").isEqualTo(8192);
            }
            Cli.Result rm = cli().run("rm", n);
            assertThat(rm.code()).as(rm.toString()).isZero();
            assertThat(rm.out()).contains("removed " + n, "the name only", real + " is kept");
            assertThat(Path.of("/dev/shm", n)).doesNotExist();
            assertThat(file).exists().hasSize(8192);
        }
    }

    /** Creates a reference-counted segment named by args[0], prints HELD and waits to be killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            SharedMemory.create(args[0], 4096, org.shm4j.Lifetime.REFERENCE_COUNTED);
            System.out.println("HELD");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    private static void orphan(String n) {
        try (ChildJvm holder = ChildJvm.start(Holder.class, n)) {
            holder.awaitOutput("HELD", Duration.ofSeconds(60));
            holder.kill();
        }
        assertThat(Path.of("/dev/shm", n)).exists();
    }

    @Test
    void lsAndGcNameReferenceCountedOrphansAndRemoveThemAsOpenWould() throws Exception {
        String forLs = name("cli-orphan-ls");
        String forGc = name("cli-orphan-gc");
        orphan(forLs);
        Cli.Result ls = cli().run("ls", "--match", forLs);
        assertThat(ls.code()).as(ls.toString()).isZero();
        assertThat(ls.out()).contains(forLs + ": orphan of a reference-counted lifetime", "removed");
        assertThat(Path.of("/dev/shm", forLs)).doesNotExist();
        assertThat(SharedMemory.exists(forLs)).isFalse();
        // ls looks at every entry, so the gc orphan is made after it.
        orphan(forGc);
        Cli.Result gc = cli().run("gc", "--match", forGc);
        assertThat(gc.code()).as(gc.toString()).isZero();
        assertThat(gc.out()).contains("removed " + forGc, "orphan of a reference-counted lifetime");
        assertThat(Path.of("/dev/shm", forGc)).doesNotExist();
    }

    @Test
    void putAndCatRoundTripBytes() throws Exception {
        String n = name("copy");
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(data);
        Cli.Result put = cli().stdin(data).run("put", n);
        assertThat(put.code()).as(put.toString()).isZero();
        assertThat(put.err()).isEmpty();
        assertThat(Files.size(Path.of("/dev/shm", n))).isEqualTo(data.length);

        Cli.Result cat = cli().run("cat", n);
        assertThat(cat.code()).as(cat.toString()).isZero();
        assertThat(cat.outBytes()).isEqualTo(data);
        Cli.Result range = cli().run("cat", n, "--offset", "1M", "--length", "16");
        assertThat(range.outBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, 1 << 20, (1 << 20) + 16));
    }

    @Test
    void putRefusesDataLargerThanTheSegmentUnlessGrowing(@TempDir Path dir) throws Exception {
        String n = name("grow");
        assertThat(cli().run("create", n, "--size", "4k").code()).isZero();
        Path input = dir.resolve("input.bin");
        byte[] data = new byte[8192];
        java.util.Arrays.fill(data, (byte) 7);
        Files.write(input, data);

        Cli.Result refused = cli().run("put", n, "--from", input.toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("input is larger than the segment", "--grow").doesNotContain("\tat ");
        assertThat(Files.readAllBytes(Path.of("/dev/shm", n))).containsOnly(0);

        Cli.Result grown = cli().run("put", n, "--from", input.toString(), "--grow");
        assertThat(grown.code()).as(grown.toString()).isZero();
        assertThat(Files.readAllBytes(Path.of("/dev/shm", n))).isEqualTo(data);

        Cli.Result piped = cli().stdin(new byte[5000]).run("put", name("small"));
        assertThat(piped.code()).isZero();
    }

    @Test
    void dumpPrintsWhatXxdPrints() throws Exception {
        String n = name("dump");
        byte[] data = "Hello, shm4j!\nThe quick brown fox jumps over the lazy dog. 0123456789".getBytes(StandardCharsets.UTF_8);
        assertThat(cli().stdin(data).run("put", n).code()).isZero();
        Cli.Result dump = cli().run("dump", n);
        assertThat(dump.code()).as(dump.toString()).isZero();
        assertThat(dump.out()).startsWith("00000000: 4865 6c6c 6f2c 2073 686d 346a 210a 5468  Hello, shm4j!.Th\n");
        Process xxd;
        try {
            xxd = new ProcessBuilder("xxd", Path.of("/dev/shm", n).toString()).start();
        } catch (IOException noXxd) {
            return; // xxd not installed: the line above checked the format.
        }
        String expected = new String(xxd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        xxd.waitFor();
        assertThat(dump.out()).isEqualTo(expected);
        assertThat(cli().run("dump", n, "--offset", "0x10", "--length", "4").out())
                .isEqualTo("00000010: 6520 7175                                e qu\n");
    }

    @Test
    void dumpSqueezesZeroLinesAndRejectsOffsetsPastTheEnd() {
        String n = name("zeros");
        assertThat(cli().run("create", n, "--size", "4k").code()).isZero();
        Cli.Result dump = cli().run("dump", n);
        assertThat(dump.out()).isEqualTo("00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................\n"
                + "*\n00000ff0: 0000 0000 0000 0000 0000 0000 0000 0000  ................\n");
        assertThat(cli().run("dump", n, "--no-squeeze").out().lines().count()).isEqualTo(256);
        Cli.Result past = cli().run("dump", n, "--offset", "8k");
        assertThat(past.code()).isEqualTo(1);
        assertThat(past.err()).contains("offset beyond the end of the segment");
    }

    @Test
    void usageErrorsExitWithTwo() {
        for (String[] args : new String[][] {{"nonsense"}, {"create", "x"}, {"create", "x", "--size", "12Q"},
            {"ls", "--sort", "colour"}, {"dump"}, {"ls", "--bogus"}}) {
            Cli.Result r = cli().run(args);
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(2);
            assertThat(r.err()).startsWith("shm4j: ").contains("--help");
        }
        assertThat(cli().run().code()).isEqualTo(2);
    }

    @Test
    void errorsAreOneLineWithoutStackTraceUnlessVerbose() {
        String n = name("missing");
        Cli.Result r = cli().run("info", n);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("shm4j: no such segment: name=" + n).doesNotContain("\tat ")
                .doesNotContain("Exception");
        assertThat(r.err().lines().count()).isEqualTo(1);
        Cli.Result verbose = cli().run("info", n, "--verbose");
        assertThat(verbose.code()).isEqualTo(1);
        assertThat(verbose.err()).contains("NoSuchFileException", "\tat ");
        Cli.Result traversal = cli().run("cat", "../../etc/passwd");
        assertThat(traversal.code()).isEqualTo(1);
        assertThat(traversal.err()).contains("invalid segment name");
    }

    @Test
    void lsShowsMappingProcessesAndGcRemovesOnlyStaleSegments() throws Exception {
        String prefix = name("gc");
        String mapped = prefix + "-mapped";
        String orphan = prefix + "-orphan";
        String foreign = prefix + "-foreign";
        names.addAll(List.of(mapped, orphan, foreign));
        SharedMemory.create(mapped, 8192).close();
        try (ChildJvm creator = ChildJvm.start(Creator.class, orphan)) {
            creator.assertExitCode(0, Duration.ofSeconds(60));
        }
        Files.write(Path.of("/dev/shm", foreign), new byte[100]);
        try (ChildJvm mapper = ChildJvm.start(Mapper.class, mapped)) {
            mapper.awaitOutput("READY", Duration.ofSeconds(60));

            JsonNode list = JSON.readTree(cli().run("ls", "--json", "--match", prefix + "-*").out());
            assertThat(list).hasSize(3);
            JsonNode m = find(list, mapped);
            assertThat(m.get("mappedBy").get(0).get("pid").asLong()).isEqualTo(mapper.pid());
            assertThat(m.get("mappedBy").get(0).get("command").asText()).isEqualTo("java");
            assertThat(find(list, foreign).get("type").asText()).isEqualTo("foreign");
            assertThat(find(list, orphan).get("creator").get("liveness").asText()).isEqualTo("dead");
            assertThat(cli().run("ls", "--match", prefix + "-*").out()).contains(mapper.pid() + " java");

            Cli.Result stale = cli().run("ls", "--stale", "--match", prefix + "-*");
            assertThat(stale.out()).contains(orphan, foreign).doesNotContain(mapped);

            Cli.Result dry = cli().run("gc", "--match", prefix + "-*", "--min-age", "0");
            assertThat(dry.code()).as(dry.toString()).isZero();
            assertThat(dry.out()).contains("would remove " + orphan, "would remove " + foreign, "2 stale segments")
                    .doesNotContain(mapped);
            assertThat(Path.of("/dev/shm", orphan)).exists();
            assertThat(cli().run("gc", "--match", prefix + "-*").out()).contains("no stale segments");

            Cli.Result kept = cli().run("rm", "--stale", mapped);
            assertThat(kept.code()).isZero();
            assertThat(kept.out()).contains("kept " + mapped + ": mapped by 1 process");

            Cli.Result gc = cli().run("gc", "--match", prefix + "-*", "--min-age", "0", "--force");
            assertThat(gc.code()).as(gc.toString()).isZero();
            assertThat(gc.out()).contains("removed 2 stale segments");
            assertThat(Path.of("/dev/shm", orphan)).doesNotExist();
            assertThat(Path.of("/dev/shm", foreign)).doesNotExist();
            assertThat(Path.of("/dev/shm", mapped)).exists();
        }
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode n : list) {
            if (n.get("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no " + name + " in " + list);
    }

    @Test
    void dfReportsTheShmFileSystemAndWarnsWhenFull() {
        Cli.Result df = cli().run("df");
        assertThat(df.code()).isZero();
        assertThat(df.out()).contains("/dev/shm", "tmpfs", "USE%");
        Cli.Result warn = cli().run("df", "--warn-at", "0");
        assertThat(warn.code()).isZero();
        assertThat(warn.err()).contains("warning: /dev/shm is", "--shm-size", "shm4j gc");
        JsonNode json = readJson(cli().run("df", "--json").out());
        assertThat(json.get(0).get("totalBytes").asLong()).isPositive();
    }

    @Test
    void everyCommandHasHelpWithExamplesAndCompletionIsGenerated() {
        for (String command : List.of("ls", "info", "dump", "create", "rm", "gc", "put", "cat", "df", "watch", "demo",
                "completion")) {
            Cli.Result help = cli().run(command, "--help");
            assertThat(help.code()).as(command).isZero();
            assertThat(help.out()).as(command).contains("Usage: shm4j " + command, "Examples:");
        }
        assertThat(cli().run("--help").out()).contains("Exit codes:", "NO_COLOR");
        Cli.Result completion = cli().run("completion");
        assertThat(completion.out()).contains("complete -F", "shm4j");
    }

    @Test
    void coloursOnlyOnATerminalAndNeverWithNoColor() {
        String n = name("colour");
        assertThat(cli().run("create", n, "--size", "4k").code()).isZero();
        assertThat(cli().terminal().run("ls", "--match", n).out()).contains("\u001b[");
        assertThat(cli().terminal().env("NO_COLOR", "1").run("ls", "--match", n).out()).doesNotContain("\u001b");
        assertThat(cli().run("ls", "--match", n).out()).doesNotContain("\u001b");
    }

    @Test
    void hostileNamesCannotReachTheTerminal() throws Exception {
        String n = name("evil") + "\u001b[2J\u202e\n";
        names.add(n);
        Files.write(Path.of("/dev/shm", n), new byte[10]);
        Cli.Result ls = cli().terminal().run("ls", "--match", TestNames.prefix() + "*evil*");
        assertThat(ls.code()).isZero();
        assertThat(ls.out()).contains("evil\\x1b[2J\\u202e\\x0a").doesNotContain("\u001b[2J").doesNotContain("\u202e");
        assertThat(readJson(cli().run("ls", "--json", "--match", TestNames.prefix() + "*evil*").out()).get(0)
                .get("name").asText()).isEqualTo(n);
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
