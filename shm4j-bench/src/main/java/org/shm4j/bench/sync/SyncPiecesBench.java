package org.shm4j.bench.sync;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

/**
 * The pieces of an uncontended lock + unlock, to see where {@link UncontendedLockBench}'s time goes:
 * two atomics on a Java field, the same on a shared-arena and a confined-arena segment, an atomic
 * pair with the owner-record stores, and {@code Thread.onSpinWait()} (trapped by some hypervisors).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class SyncPiecesBench {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = U32.varHandle();
    private static final VarHandle LONG = U64.varHandle();

    private Arena shared;
    private Arena confined;
    private MemorySegment sharedBlock;
    private MemorySegment confinedBlock;
    private final AtomicInteger field = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        shared = Arena.ofShared();
        confined = Arena.ofConfined();
        sharedBlock = shared.allocate(64, 64);
        confinedBlock = confined.allocate(64, 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        shared.close();
        confined.close();
    }

    @Benchmark
    public boolean fieldCasCas() {
        return field.compareAndSet(0, 1234) & field.compareAndSet(1234, 0);
    }

    @Benchmark
    public boolean fieldCasSetVolatile() {
        boolean ok = field.compareAndSet(0, 1234);
        field.set(0);
        return ok;
    }

    @Benchmark
    public boolean fieldCasSetRelease() {
        boolean ok = field.compareAndSet(0, 1234);
        field.setRelease(0);
        return ok;
    }

    @Benchmark
    public boolean sharedCasCas() {
        return casCas(sharedBlock);
    }

    @Benchmark
    public boolean confinedCasCas() {
        return casCas(confinedBlock);
    }

    @Benchmark
    public int sharedCasXchg() {
        MemorySegment b = sharedBlock;
        boolean ok = INT.compareAndSet(b, 0L, 0, 1234);
        return (int) INT.getAndSet(b, 0L, 0) + (ok ? 1 : 0);
    }

    @Benchmark
    public boolean sharedLockWithOwnerRecord() {
        MemorySegment b = sharedBlock;
        boolean ok = INT.compareAndSet(b, 0L, 0, 1234);
        b.set(U64, 16, 99L);
        b.set(U64, 24, Thread.currentThread().threadId());
        LONG.setRelease(b, 8L, 1234L);
        int c = b.get(U32, 0);
        if (b.get(U64, 24) != Thread.currentThread().threadId() || b.get(U64, 16) != 99L) {
            throw new IllegalStateException();
        }
        b.set(U64, 8, 0L);
        b.set(U64, 24, 0L);
        return ok & INT.compareAndSet(b, 0L, c, 0);
    }

    @Benchmark
    public void onSpinWait() {
        Thread.onSpinWait();
    }

    private static boolean casCas(MemorySegment b) {
        return INT.compareAndSet(b, 0L, 0, 1234) & INT.compareAndSet(b, 0L, 1234, 0);
    }
}
