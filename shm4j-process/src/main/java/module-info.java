/**
 * Starting child processes for shm4j's own tools: the testkit's {@code ChildJvm}, the benchmark
 * harness and the CLI's {@code shm4j demo}. Not part of the library's API (users depend on
 * {@code org.shm4j} alone); it has no dependencies so that the CLI ships it without test libraries.
 */
module org.shm4j.process {
    exports org.shm4j.process;
}
