package org.shm4j;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.shm4j.internal.Messages;

/**
 * A validated name of a named shared-memory object, as {@code shm_open} understands it.
 *
 * <p>Leading slashes are dropped, so {@code orders}, {@code /orders} and {@code //orders} are one
 * object, which C ({@code shm_open("/orders")}), Python ({@code SharedMemory("orders")}) and
 * Boost.Interprocess ({@code shared_memory_object(open_only, "orders")}) open too. The Windows
 * prefixes {@code Local\} and {@code Global\} are accepted and dropped: on Linux there is one
 * {@code /dev/shm} per IPC namespace (per container), which plays both roles.
 *
 * <p>A valid name is 1 to 255 UTF-8 bytes, is not {@code .} or {@code ..}, and contains no
 * {@code /}, NUL or control characters, so it can never reach outside the shared-memory
 * directory. Validation happens before any system call.
 */
public final class SegmentName {
    /** Where Linux keeps POSIX shared-memory objects. */
    public static final Path SHM_DIRECTORY = Path.of("/dev/shm");

    private static final int MAX_BYTES = 255;

    private final String value;

    private SegmentName(String value) {
        this.value = value;
    }

    /**
     * Validates and normalises a name.
     *
     * @throws InvalidNameException if the name is empty, {@code .} or {@code ..}, longer than 255
     *     UTF-8 bytes, or contains {@code /}, NUL or a control character
     * @throws NullPointerException if {@code name} is null
     */
    public static SegmentName of(String name) {
        java.util.Objects.requireNonNull(name, "name");
        String v = name;
        if (v.startsWith("Local\\")) {
            v = v.substring("Local\\".length());
        } else if (v.startsWith("Global\\")) {
            v = v.substring("Global\\".length());
        }
        String shmPrefix = SHM_DIRECTORY + "/";
        if (v.startsWith(shmPrefix) && v.length() > shmPrefix.length()) {
            // A common slip: the object's file path where its name belongs.
            String bare = v.substring(shmPrefix.length());
            throw new InvalidNameException(Messages.format("invalid segment name", "name", Messages.quote(name),
                    "reason", "a path, not a name: drop the " + shmPrefix + " prefix", "use", Messages.quote(bare)));
        }
        int start = 0;
        while (start < v.length() && v.charAt(start) == '/') {
            start++;
        }
        v = v.substring(start);
        if (v.isEmpty()) {
            throw invalid(name, "empty");
        }
        if (v.equals(".") || v.equals("..")) {
            throw invalid(name, "dot or dot-dot");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '/') {
                throw invalid(name, "contains '/' after the leading slashes");
            }
            if (c == 0) {
                throw invalid(name, "contains NUL");
            }
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                throw invalid(name, "contains a control character");
            }
        }
        byte[] utf8 = v.getBytes(StandardCharsets.UTF_8);
        if (!new String(utf8, StandardCharsets.UTF_8).equals(v)) {
            throw invalid(name, "contains an unpaired surrogate");
        }
        int bytes = utf8.length;
        if (bytes > MAX_BYTES) {
            throw new InvalidNameException(Messages.format("invalid segment name", "name",
                    Messages.quote(name.substring(0, 40)) + "...", "reason", "longer than 255 bytes", "bytes", bytes));
        }
        return new SegmentName(v);
    }

    private static InvalidNameException invalid(String name, String reason) {
        return new InvalidNameException(Messages.format("invalid segment name", "name", Messages.quote(name), "reason",
                reason));
    }

    /** The normalised name, without slashes or prefix: {@code orders}. */
    public String value() {
        return value;
    }

    /** The name as {@code shm_open} takes it: {@code /orders}. */
    public String posixName() {
        return "/" + value;
    }

    /** The file that backs the object: {@code /dev/shm/orders}. */
    public Path path() {
        return SHM_DIRECTORY.resolve(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentName other && other.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
