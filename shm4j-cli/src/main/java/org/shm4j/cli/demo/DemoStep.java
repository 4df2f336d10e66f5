package org.shm4j.cli.demo;

/**
 * One thing the demo shows, done by both processes: the parent's half runs in {@code shm4j demo},
 * the peer's half in the child JVM, in the same order of steps. The shared segment is the first
 * step; a lock and a ring step slot in after it as those parts of shm4j land.
 */
interface DemoStep {
    /** A short word naming the step on the peer's command line, e.g. {@code segment}. */
    String id();

    /** The parent's half. It narrates through {@code session.say}. */
    void parent(Demo.Session session) throws Exception;

    /**
     * The peer's half. It prints one line of what it did to standard output before it signals the
     * parent, so the parent can show the peer's own words.
     */
    void peer(DemoPeer.Session session) throws Exception;
}
