package org.shm4j.map;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.shm4j.sync.SyncException;

/**
 * A view of a {@link SharedMap} with {@code String} keys and values, stored as UTF-8 bytes (no
 * terminator), as C and Python see them. Convenience: each call encodes and decodes, so it
 * allocates. Lengths are limits on the UTF-8 bytes. Every method behaves as the {@link SharedMap}
 * method of the same name.
 */
public final class StringMap {
    private final SharedMap map;

    StringMap(SharedMap map) {
        this.map = map;
    }

    /** The map this is a view of. */
    public SharedMap map() {
        return map;
    }

    private static MemorySegment utf8(String s, String what) {
        return MemorySegment.ofArray(Objects.requireNonNull(s, what).getBytes(StandardCharsets.UTF_8));
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(map.read(utf8(key, "key"),
                v -> new String(v.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8)));
    }

    public boolean containsKey(String key) {
        return map.containsKey(utf8(key, "key"));
    }

    public boolean put(String key, String value) throws InterruptedException, SyncException {
        return map.put(utf8(key, "key"), utf8(value, "value"));
    }

    public boolean putIfAbsent(String key, String value)
            throws InterruptedException, SyncException {
        return map.putIfAbsent(utf8(key, "key"), utf8(value, "value"));
    }

    public boolean replace(String key, String expected, String value)
            throws InterruptedException, SyncException {
        return map.replace(utf8(key, "key"), utf8(expected, "expected"), utf8(value, "value"));
    }

    public boolean remove(String key) throws InterruptedException, SyncException {
        return map.remove(utf8(key, "key"));
    }
}
