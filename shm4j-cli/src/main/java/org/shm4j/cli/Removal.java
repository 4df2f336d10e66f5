package org.shm4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import org.shm4j.SegmentInfo;
import org.shm4j.UnexpectedFileTypeException;

/** Removing an entry that was inspected: only a regular file, only if it is still the same file. */
final class Removal {
    private Removal() {}

    /**
     * Unlinks {@code s} if the name still refers to the file that was inspected.
     *
     * @return false if it was already gone
     * @throws UnexpectedFileTypeException if it is not a regular file
     * @throws Errors.CommandException if the name now refers to another file
     */
    static boolean remove(Segment s) throws IOException {
        SegmentInfo now;
        try {
            now = SegmentInfo.of(s.path());
        } catch (NoSuchFileException e) {
            return false;
        }
        if (!now.isRegularFile()) {
            throw new UnexpectedFileTypeException(Text.format("not a shared-memory object, not removed", "name",
                    s.name(), "type", s.type()));
        }
        if (s.info() != null && (now.inode() != s.info().inode() || now.device() != s.info().device())) {
            throw new Errors.CommandException(Text.format("segment was replaced since it was inspected, not removed",
                    "name", s.name()));
        }
        return Files.deleteIfExists(s.path());
    }
}
