package org.shm4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves behind a {@code /dev/shm} entry or a mapping it made. Only names from
 * {@link TestNames} (and shm4j's private {@code .shm4j-init.<pid>.*} files) count, so other
 * processes on the machine do not disturb the check. Leaked entries are removed after they are
 * reported, so one failing test does not fail the next.
 *
 * {@snippet :
 * @ExtendWith(NoLeaks.class)
 * class SomeTest { ... }
 * }
 */
public final class NoLeaks implements AfterEachCallback {
    private static final Path SHM = Path.of("/dev/shm");

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> problems = new ArrayList<>();
        List<Path> leakedEntries = leakedEntries();
        for (Path p : leakedEntries) {
            problems.add("leaked /dev/shm entry: " + p.getFileName());
        }
        for (String line : leakedMappings()) {
            problems.add("leaked mapping: " + line);
        }
        for (Path p : leakedEntries) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // Best effort: reported above either way.
            }
        }
        if (!problems.isEmpty() && context.getExecutionException().isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " leaked:\n  " + String.join("\n  ", problems));
        }
    }

    /** Entries in /dev/shm made by this test JVM (or its children) that still exist. */
    public static List<Path> leakedEntries() {
        String initPrefix = ".shm4j-init." + ProcessHandle.current().pid() + ".";
        try (Stream<Path> entries = Files.list(SHM)) {
            return entries.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(TestNames.prefix()) || n.startsWith(initPrefix);
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines of /proc/self/maps for test objects still mapped in this JVM. */
    public static List<String> leakedMappings() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(l -> l.contains(TestNames.prefix()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
