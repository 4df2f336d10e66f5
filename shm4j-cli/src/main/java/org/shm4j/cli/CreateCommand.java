package org.shm4j.cli;

import java.io.IOException;
import org.shm4j.Access;
import org.shm4j.Commit;
import org.shm4j.SegmentOption;
import org.shm4j.SharedMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j create NAME --size SIZE}. */
@Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create a segment filled with zeros. Storage is reserved now, so a full /dev/shm fails",
                "here and not later with SIGBUS; --lazy makes a sparse segment that takes storage when",
                "touched. The segment stays until removed ('shm4j rm'). Fails if the name exists."},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j create orders --size 1M", "  shm4j create big --size 64G --lazy --mode 0640"})
final class CreateCommand extends BaseCommand {
    @Mixin
    private DirectoryOption dir;

    @Parameters(paramLabel = "NAME", description = "The new segment's name.")
    private String name;

    @Option(names = {"-s", "--size"}, required = true, paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "Size in bytes; k, M, G, T suffixes (powers of 1024).")
    private long size;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "0600",
            description = "Permissions, octal (0640) or symbolic (rw-r-----); default ${DEFAULT-VALUE}.")
    private String mode;

    @Option(names = "--lazy", description = "Do not reserve storage now (sparse segment).")
    private boolean lazy;

    @Override
    public Integer call() throws IOException {
        if (size <= 0) {
            throw new Errors.CommandException(Text.format("size must be positive", "name", name, "size", size));
        }
        SegmentOption.Mode m = SegmentOption.Mode.of(mode);
        Commit commit = lazy ? Commit.LAZY : Commit.NOW;
        if (dir.isShmDirectory()) {
            SharedMemory.create(name, size, m, commit).close();
        } else {
            Inspector inspector = new Inspector(dir.directory(), probes());
            SharedMemory.mapFile(inspector.resolve(name), size, Access.READ_WRITE, SegmentOption.Disposition.CREATE_NEW,
                    m, commit).close();
        }
        out().println("created " + Text.safe(name) + " (" + Sizes.human(size) + ", mode " + m
                + (lazy ? ", lazy" : "") + ")");
        out().flush();
        flushOut();
        return Main.OK;
    }
}
