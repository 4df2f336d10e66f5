package org.shm4j.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.shm4j.ObjectKind;
import org.shm4j.SegmentInfo;
import org.shm4j.cli.probe.Recognised;

/**
 * One entry of a shared-memory directory as the commands show it.
 *
 * @param name the entry's name (raw: print it through {@link Text#safe})
 * @param path the entry's path
 * @param info what {@code statx} and the extended attributes say
 * @param type {@code raw}, {@code foreign}, {@code partial}, a probe's type, or a non-file type
 *     ({@code fifo}, {@code socket}, {@code symlink}, {@code dir}, {@code chardev}, {@code blockdev})
 * @param recognised a probe's description, or null
 * @param mappers processes that map it
 * @param openers processes that hold it open (empty unless descriptors were scanned)
 * @param verdict whether it is stale, and why
 * @param owner the owner's user name, or the numeric uid
 * @param problem what could not be read about it, or null
 * @param creator whether the creator runs, read once from {@code /proc}
 * @param kind what the namespace says the object is ({@code segment}, {@code mutex}, {@code spsc-ring}...),
 *     as {@code open} judges it; null for entries that are not regular files or could not be read
 */
record Segment(String name, Path path, SegmentInfo info, String type, Recognised recognised,
        List<ProcScan.ProcessRef> mappers, List<ProcScan.ProcessRef> openers, Verdict verdict, String owner,
        String problem, SegmentInfo.Liveness creator, ObjectKind kind) {

    /** The kind's label, or {@code -} when unknown. */
    String kindText() {
        return kind == null ? "-" : kind.label();
    }

    /** Whether the entry may be removed by {@code gc}, and the reason shown either way. */
    record Verdict(State state, String reason) {
        enum State { IN_USE, STALE, UNKNOWN, NOT_A_SEGMENT, ORPHAN }

        boolean stale() {
            return state == State.STALE;
        }
    }

    /** Whether this is a reference-counted object whose last holder died (its name was removed on sight). */
    boolean orphan() {
        return verdict.state() == Verdict.State.ORPHAN;
    }

    /** The file a named file mapping names, or null. */
    String mappedFile() {
        return recognised != null && recognised.details().get("file") instanceof String f ? f : null;
    }

    Duration age(Instant now) {
        return Duration.between(info.changed(), now);
    }

    String creatorText() {
        if (info.creatorPid().isEmpty()) {
            return "-";
        }
        return info.creatorPid().getAsLong() + " " + creator.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Entries that are not segments, or that could not be read: shown in yellow. */
    boolean isKnownProblemType() {
        return info == null || !info.isRegularFile() || "partial".equals(type);
    }

    boolean isSegmentFile() {
        return info.isRegularFile();
    }
}
