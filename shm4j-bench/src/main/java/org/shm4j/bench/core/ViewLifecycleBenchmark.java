package org.shm4j.bench.core;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.shm4j.Access;
import org.shm4j.Commit;
import org.shm4j.MapOption;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;

/**
 * The cost of a view's whole life, {@code map} + one write + {@code close}, with the default shared
 * arena against {@link MapOption.Flag#CONFINED}. Issue 2 claims a shared arena's close costs tens of
 * microseconds (it must handshake with every thread) and a confined one a few; the difference is
 * the {@code shared - confined} of the two scores. The baseline {@code touchMappedView} measures the
 * write alone, on a view mapped once.
 *
 * <pre>java -jar shm4j-bench/target/shm4j-benchmarks.jar jmh ViewLifecycle</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ViewLifecycleBenchmark {

    @Param({"4096", "1048576"})
    public long viewBytes;

    private String name;
    private SharedMemory shm;
    private MappedView kept;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        name = "shm4j-bench-" + ProcessHandle.current().pid() + "-jmh-lifecycle";
        SharedMemory.remove(name);
        shm = SharedMemory.create(name, viewBytes, Commit.NOW);
        kept = shm.map();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        kept.close();
        shm.close();
        SharedMemory.remove(name);
    }

    @Benchmark
    public long mapWriteCloseShared() throws IOException {
        try (MappedView view = shm.map(Access.READ_WRITE, 0, viewBytes)) {
            view.segment().set(ValueLayout.JAVA_LONG, 0, 1L);
            return view.byteSize();
        }
    }

    @Benchmark
    public long mapWriteCloseConfined() throws IOException {
        try (MappedView view = shm.map(Access.READ_WRITE, 0, viewBytes, MapOption.Flag.CONFINED)) {
            view.segment().set(ValueLayout.JAVA_LONG, 0, 1L);
            return view.byteSize();
        }
    }

    @Benchmark
    public long touchMappedView() {
        kept.segment().set(ValueLayout.JAVA_LONG, 0, 1L);
        return kept.byteSize();
    }
}
