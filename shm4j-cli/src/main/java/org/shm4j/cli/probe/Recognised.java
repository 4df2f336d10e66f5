package org.shm4j.cli.probe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link SegmentTypeProbe} found: the type name and details in display order. Detail
 * values are {@link String}, {@link Long}, {@link Integer}, {@link Double} or {@link Boolean};
 * {@code info} prints them as {@code key: value}, {@code --json} as members, {@code watch} as
 * {@code key=value} (numbers that grow get a rate per second).
 *
 * @param type the type name, e.g. {@code ring}
 * @param details facts about the structure, e.g. {@code capacity}, {@code producerAlive}
 */
public record Recognised(String type, Map<String, Object> details) {
    public Recognised {
        Objects.requireNonNull(type, "type");
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static Recognised of(String type) {
        return new Recognised(type, Map.of());
    }
}
