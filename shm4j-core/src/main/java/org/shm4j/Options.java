package org.shm4j;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/** The parsed form of a {@link SegmentOption} list; later options of a kind replace earlier ones. */
record Options(Commit commit, Lifetime lifetime, SegmentOption.Mode mode, Set<SegmentOption.Flag> flags,
        SegmentOption.Disposition disposition) {

    static Options of(SegmentOption... options) {
        Objects.requireNonNull(options, "options");
        Commit commit = Commit.NOW;
        Lifetime lifetime = Lifetime.PERSISTENT;
        SegmentOption.Mode mode = SegmentOption.Mode.OWNER_ONLY;
        Set<SegmentOption.Flag> flags = EnumSet.noneOf(SegmentOption.Flag.class);
        SegmentOption.Disposition disposition = SegmentOption.Disposition.OPEN_EXISTING;
        for (SegmentOption option : options) {
            switch (Objects.requireNonNull(option, "option")) {
                case Commit c -> commit = c;
                case Lifetime l -> lifetime = l;
                case SegmentOption.Mode m -> mode = m;
                case SegmentOption.Flag f -> flags.add(f);
                case SegmentOption.Disposition d -> disposition = d;
            }
        }
        return new Options(commit, lifetime, mode, flags, disposition);
    }

    boolean has(SegmentOption.Flag flag) {
        return flags.contains(flag);
    }
}
