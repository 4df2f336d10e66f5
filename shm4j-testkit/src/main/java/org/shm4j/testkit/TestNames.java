package org.shm4j.testkit;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique names for objects made by tests: {@code shm4j-t<pid>-<n>-<label>}. The prefix ties every
 * name to this test JVM, so {@link NoLeaks} can tell its own leftovers from those of another build
 * running on the same machine.
 */
public final class TestNames {
    private static final String PREFIX = "shm4j-t" + ProcessHandle.current().pid() + "-";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestNames() {}

    /** A name no other test of any run uses. */
    public static String unique(String label) {
        return PREFIX + COUNTER.incrementAndGet() + "-" + label;
    }

    /** The prefix of every name this JVM hands out. */
    public static String prefix() {
        return PREFIX;
    }
}
