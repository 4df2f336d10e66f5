package org.shm4j.map;

import java.util.List;

/**
 * The result of {@link SharedMap#check()}: the entries counted from the buckets and every problem
 * found, each as a {@code what: key=value} message.
 *
 * @param entries live entries the buckets name
 * @param problems inconsistencies found; empty for a consistent map
 */
public record MapCheck(long entries, List<String> problems) {
    public MapCheck {
        problems = List.copyOf(problems);
    }

    /** Whether no problem was found. */
    public boolean consistent() {
        return problems.isEmpty();
    }
}
