package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** Names as shm_open understands them, validated before any system call. */
@ExtendWith(NoLeaks.class)
class SegmentNameTest {

    @Test
    void leadingSlashesNameOneObject() throws Exception {
        String name = TestNames.unique("slashes");
        try (SharedMemory created = SharedMemory.create("/" + name, 4096);
             SharedMemory plain = SharedMemory.open(name, Access.READ_WRITE);
             SharedMemory doubled = SharedMemory.open("//" + name, Access.READ_WRITE);
             MappedView a = created.map();
             MappedView b = plain.map();
             MappedView c = doubled.map()) {
            a.segment().set(JAVA_LONG, 0, 17L);
            assertThat(b.segment().get(JAVA_LONG, 0)).isEqualTo(17L);
            assertThat(c.segment().get(JAVA_LONG, 0)).isEqualTo(17L);
            assertThat(created.name()).contains(SegmentName.of(name));
            assertThat(Path.of("/dev/shm", name)).exists();
            assertThat(SharedMemory.exists("//" + name)).isTrue();
        } finally {
            assertThat(SharedMemory.remove("///" + name)).isTrue();
        }
    }

    @Test
    void aNameNormalisesToItsShmOpenForm() {
        SegmentName n = SegmentName.of("//orders");
        assertThat(n.value()).isEqualTo("orders");
        assertThat(n.posixName()).isEqualTo("/orders");
        assertThat(n.path()).isEqualTo(Path.of("/dev/shm/orders"));
        assertThat(n).isEqualTo(SegmentName.of("orders")).hasSameHashCodeAs(SegmentName.of("/orders"));
        assertThat(n.toString()).isEqualTo("orders");
    }

    @Test
    void windowsLocalAndGlobalPrefixesNameTheSameObject() throws Exception {
        String name = TestNames.unique("prefix");
        try (SharedMemory local = SharedMemory.create("Local\\" + name, 4096);
             SharedMemory global = SharedMemory.open("Global\\" + name, Access.READ_WRITE);
             SharedMemory bare = SharedMemory.open(name, Access.READ_ONLY);
             MappedView l = local.map();
             MappedView g = global.map();
             MappedView b = bare.map()) {
            l.segment().set(JAVA_LONG, 8, 5L);
            assertThat(g.segment().get(JAVA_LONG, 8)).isEqualTo(5L);
            assertThat(b.segment().get(JAVA_LONG, 8)).isEqualTo(5L);
            assertThat(Path.of("/dev/shm", name)).exists();
            assertThat(SegmentName.of("Global\\/" + name).value()).isEqualTo(name);
        } finally {
            SharedMemory.remove("Global\\" + name);
        }
        assertThat(SharedMemory.exists("Local\\" + name)).isFalse();
    }

    @Test
    void aBackslashElsewhereIsPartOfTheName() {
        assertThat(SegmentName.of("a\\b").value()).isEqualTo("a\\b");
        assertThat(SegmentName.of("local\\x").value()).isEqualTo("local\\x");
    }

    @Test
    void aNameOf255Utf8BytesIsValidAndCreates() throws Exception {
        String prefix = TestNames.unique("max") + "-";
        // Three-byte characters, then ASCII (at least one byte, whatever the prefix's length) to land
        // on exactly 255 bytes.
        StringBuilder b = new StringBuilder(prefix);
        while (b.toString().getBytes(StandardCharsets.UTF_8).length + 3 < 255) {
            b.append('\u20ac');
        }
        while (b.toString().getBytes(StandardCharsets.UTF_8).length < 255) {
            b.append('x');
        }
        String name = b.toString();
        assertThat(name.getBytes(StandardCharsets.UTF_8)).hasSize(255);
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            assertThat(shm.name()).map(SegmentName::value).contains(name);
            assertThat(Path.of("/dev/shm", name)).exists();
        } finally {
            SharedMemory.remove(name);
        }
        assertThatThrownBy(() -> SegmentName.of(name + "x"))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("bytes=256");
        assertThatThrownBy(() -> SegmentName.of(name.substring(0, name.length() - 1) + "\u00e9"))
                .isInstanceOf(InvalidNameException.class);
    }

    static Stream<String> invalidNames() {
        String unique = TestNames.unique("invalid");
        return Stream.of("", "/", "//", ".", "..", "/.", "//..", "Local\\", "Global\\..",
                unique + "/b", unique + "/../../tmp/escaped", "../" + unique,
                unique + "\0", unique + "\0tail", unique + "\n", unique + "\t", unique + "\u001b[31m",
                unique + "\u007f", unique + "\u0085", unique + "\u009b",
                unique + "\ud800", "\udc00" + unique, unique + "\ud800x",
                unique + "x".repeat(256 - unique.length()),
                unique + "\u00e9".repeat(128));
    }

    @ParameterizedTest
    @MethodSource("invalidNames")
    void anInvalidNameIsRejectedBeforeAnySystemCall(String name) throws Exception {
        List<String> before = shmEntries();
        assertThatThrownBy(() -> SegmentName.of(name)).isInstanceOf(InvalidNameException.class)
                .hasMessageStartingWith("invalid segment name: name=");
        assertThatThrownBy(() -> SharedMemory.create(name, 4096)).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> SharedMemory.openOrCreate(name, 4096)).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY)).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> SharedMemory.remove(name)).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> SharedMemory.exists(name)).isInstanceOf(InvalidNameException.class);
        assertThat(shmEntries()).isEqualTo(before);
        assertThat(Path.of("/tmp/escaped")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a,b", "\u0000"})
    void theMessageQuotesTheNameOnceAndEscapesControlCharacters(String bad) {
        String name = bad.equals("a b") || bad.equals("a,b") ? "x/" + bad : bad;
        assertThatThrownBy(() -> SegmentName.of(name))
                .isInstanceOf(InvalidNameException.class)
                .satisfies(e -> {
                    String m = e.getMessage();
                    assertThat(m).doesNotContain("\0").doesNotContain("\\\"");
                    assertThat(m).matches("invalid segment name: name=\"[^\"]*\", reason=.*");
                });
    }

    @Test
    void nullIsANullPointerException() {
        assertThatThrownBy(() -> SegmentName.of(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("name");
    }

    /** The test's own entries and shm4j's private files in /dev/shm (other processes may be busy there). */
    private static List<String> shmEntries() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(TestNames.prefix()) || n.startsWith(ObjectOpener.INIT_PREFIX))
                    .sorted().toList();
        }
    }
}
