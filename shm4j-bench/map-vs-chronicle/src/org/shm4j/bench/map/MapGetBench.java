package org.shm4j.bench.map;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.map.ChronicleMap;
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
import org.shm4j.map.LongKeyMap;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;

/**
 * A hit of an 8-byte key with a 64-byte value, one thread, the same keys in every map, in
 * one JVM: shm4j's {@link SharedMap} (in native memory laid out as in a shared segment), its
 * baseline {@code ConcurrentHashMap<Long, byte[]>.get} plus a copy of the value, and Chronicle Map
 * 3.25ea6 ({@code getUsing} into a reused array, its allocation-free read). Run with
 * {@code run.sh}; targets: shm4j at most 1.5x the baseline, faster than Chronicle Map, no
 * allocation per operation ({@code -prof gc}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dchronicle.analytics.disable=true",
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
@State(Scope.Thread)
public class MapGetBench {
    /** Keys in every map (a power of two); 64 keeps everything in L1, 8192 does not. */
    @Param({"8192"})
    public int count;
    /**
     * Where the shm4j map lives: {@code named} (a named map: reached by absolute address) or
     * {@code segment} (placed in a caller's segment: the scoped segment, the code shape before).
     */
    @Param({"named", "segment"})
    public String memory;
    private static final int VALUE = 64;

    private Arena arena;
    private String name;
    private SharedMap shared;
    private LongKeyMap longs;
    private ConcurrentHashMap<Long, byte[]> chm;
    private ChronicleMap<Long, byte[]> chronicle;
    private long[] keys;
    private Long[] boxed;
    private MemorySegment key;
    private MemorySegment into;
    private byte[] copy;
    private int i;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        arena = Arena.ofShared();
        MapSpec spec = MapSpec.of(count * 2, 8, VALUE);
        name = "mapgetbench-" + ProcessHandle.current().pid();
        shared = memory.equals("named") ? SharedMap.create(name, spec)
                : SharedMap.create(arena.allocate(SharedMap.requiredBytes(spec), 4096), spec);
        longs = shared.longKeys();
        chm = new ConcurrentHashMap<>();
        chronicle = ChronicleMap.of(Long.class, byte[].class).entries(count * 2).averageValueSize(VALUE).create();
        keys = new long[count];
        boxed = new Long[count];
        SplittableRandom rnd = new SplittableRandom(17);
        for (int k = 0; k < count; k++) {
            keys[k] = rnd.nextLong();
            boxed[k] = keys[k];
            byte[] v = new byte[VALUE];
            rnd.nextBytes(v);
            longs.put(keys[k], MemorySegment.ofArray(v));
            chm.put(boxed[k], v);
            chronicle.put(boxed[k], v);
        }
        key = arena.allocate(8, 8);
        into = arena.allocate(VALUE, 8);
        copy = new byte[VALUE];
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        chronicle.close();
        shared.close();
        arena.close();
        org.shm4j.SharedMemory.remove(name);
    }

    private int next() {
        return i = (i + 1) & (count - 1);
    }

    /** The MemorySegment API: the key written into a reused native segment, the value copied into another. */
    @Benchmark
    public long shm4jGet() {
        key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, keys[next()]);
        return shared.get(key, into);
    }

    /** The long-key view (a per-thread key buffer). */
    @Benchmark
    public long shm4jLongKeyGet() {
        return longs.get(keys[next()], into);
    }

    @Benchmark
    public byte[] concurrentHashMapGetAndCopy() {
        byte[] v = chm.get(boxed[next()]);
        System.arraycopy(v, 0, copy, 0, v.length);
        return copy;
    }

    @Benchmark
    public byte[] chronicleMapGetUsing() {
        return chronicle.getUsing(boxed[next()], copy);
    }
}
