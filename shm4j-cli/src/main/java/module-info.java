/**
 * The {@code shm4j} command: list, inspect, dump, copy in and out of, and clean up shared memory.
 * Run it with {@code ./shm4j} at the repository root; see {@code docs/cli.md}.
 *
 * <p>Segment types are recognised by {@link org.shm4j.cli.probe.SegmentTypeProbe}s, found with
 * {@link java.util.ServiceLoader}, so rings, locks and other formats plug in without changing
 * the commands.
 */
module org.shm4j.cli {
    requires org.shm4j;
    requires org.shm4j.process;
    requires info.picocli;
    requires com.fasterxml.jackson.core;
    requires me.tongfei.progressbar;

    exports org.shm4j.cli.probe;
    opens org.shm4j.cli to info.picocli;

    uses org.shm4j.cli.probe.SegmentTypeProbe;
    provides org.shm4j.cli.probe.SegmentTypeProbe with org.shm4j.cli.demo.DemoSegmentProbe,
            org.shm4j.cli.inspect.SyncProbe, org.shm4j.cli.inspect.RingProbe,
            org.shm4j.cli.inspect.FileMappingProbe, org.shm4j.cli.inspect.MapProbe,
            org.shm4j.cli.inspect.BridgeProbe;
}
