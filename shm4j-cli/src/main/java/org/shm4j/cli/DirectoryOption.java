package org.shm4j.cli;

import java.nio.file.Path;
import org.shm4j.SegmentName;
import picocli.CommandLine.Option;

/** {@code --dir}: the directory whose entries are segments; {@code /dev/shm} unless given. */
final class DirectoryOption {
    @Option(names = "--dir", paramLabel = "DIR", description = "Directory of the segments (default: /dev/shm). "
            + "Any directory of file-backed segments works.")
    private Path directory;

    Path directory() {
        return directory == null ? SegmentName.SHM_DIRECTORY : directory;
    }

    boolean isShmDirectory() {
        return directory == null || directory.toAbsolutePath().normalize().equals(SegmentName.SHM_DIRECTORY);
    }
}
