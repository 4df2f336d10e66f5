package org.shm4j.bench;

import java.util.List;

/**
 * The JVM flags every harness gives Agrona's JVMs, in one place so the JMH benchmarks, the
 * cross-process {@code ring} harness and the report configure Agrona the same way.
 *
 * <p>Agrona 2 reads {@code jdk.internal.misc.Unsafe}, hence the export. Its bounds checks are
 * switched off ({@code agrona.disable.bounds.checks}), the setting Agrona documents for speed:
 * the strongest baseline to compare against. shm4j keeps its own validation of every position and
 * length read from shared memory; it has no such switch.
 */
public final class AgronaFlags {
    /** Agrona's JVM flags, as JMH's {@code jvmArgsAppend} takes them (a compile-time constant). */
    public static final String EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Agrona's bounds checks off, in every harness. */
    public static final String BOUNDS_CHECKS_OFF = "-Dagrona.disable.bounds.checks=true";

    private AgronaFlags() {}

    /** Both flags, for harnesses that build a command line. */
    public static List<String> jvmOptions() {
        return List.of(EXPORTS, BOUNDS_CHECKS_OFF);
    }
}
