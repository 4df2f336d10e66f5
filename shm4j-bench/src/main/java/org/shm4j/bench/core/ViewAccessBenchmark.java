package org.shm4j.bench.core;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;

/**
 * What the fault barrier costs per {@code view.accessAndGet} call (issue 15). {@code segmentGet} is
 * the bare read through {@code view.segment()}; {@code accessAndGet} is the safe path as shipped
 * (try, the action, a non-critical {@code getpagesize} downcall that makes HotSpot deliver a
 * pending fault inside the try). The {@code shape*} benchmarks are the same read followed by each
 * other shape that delivered every fault in the probe (docs/core.md), or by nothing, so their cost
 * can be compared in the same run:
 *
 * <pre>java -jar shm4j-bench/target/shm4j-benchmarks.jar jmh ViewAccess</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
@SuppressWarnings("restricted")
public class ViewAccessBenchmark {
    private static final MethodHandle GETPAGESIZE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getpagesize").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final Object LOCK = new Object();
    /** Deliberately not final: a call through it is not inlined, so the callee's return polls. */
    private static MethodHandle nonConstantNop;

    static {
        try {
            nonConstantNop = MethodHandles.lookup().findStatic(ViewAccessBenchmark.class, "nop",
                    MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private String name;
    private SharedMemory shm;
    private MappedView view;
    private MemorySegment segment;
    public long offset = 64;

    static void nop() {}

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        name = "shm4j-bench-" + ProcessHandle.current().pid() + "-jmh-access";
        SharedMemory.remove(name);
        shm = SharedMemory.create(name, 4096);
        view = shm.map();
        segment = view.segment();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        view.close();
        shm.close();
        SharedMemory.remove(name);
    }

    @Benchmark
    public long segmentGet() {
        return segment.get(ValueLayout.JAVA_LONG, offset);
    }

    @Benchmark
    public long accessAndGet() {
        long at = offset;
        return view.accessAndGet(s -> s.get(ValueLayout.JAVA_LONG, at));
    }

    @Benchmark
    public long shapeDowncall() throws Throwable {
        long v = segment.get(ValueLayout.JAVA_LONG, offset);
        int unused = (int) GETPAGESIZE.invokeExact();
        return v;
    }

    @Benchmark
    public long shapeHoldsLock() {
        long v = segment.get(ValueLayout.JAVA_LONG, offset);
        return Thread.holdsLock(LOCK) ? v + 1 : v;
    }

    @Benchmark
    public long shapeNonConstantHandle() throws Throwable {
        long v = segment.get(ValueLayout.JAVA_LONG, offset);
        nonConstantNop.invokeExact();
        return v;
    }

    @Benchmark
    public long shapeYield() {
        long v = segment.get(ValueLayout.JAVA_LONG, offset);
        Thread.yield();
        return v;
    }
}
