package org.shm4j.bench.sync;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
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
import org.shm4j.SharedMemory;
import org.shm4j.sync.SharedMutex;

/**
 * Uncontended lock + unlock: {@link SharedMutex} against its baseline {@link ReentrantLock}, one
 * thread, same run. Target: the shared mutex costs at most 1.5x the baseline.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class UncontendedLockBench {
    /**
     * {@code named}: a mutex this process maps by name, which lock and unlock reach by absolute
     * address (the constant global segment). {@code segment}: the same mutex in a caller's segment,
     * which keeps the scoped, checked segment (the caller may close its arena at any time).
     */
    @Param({"named", "segment"})
    public String memory;

    private Arena arena;
    private String name;
    private SharedMutex mutex;
    private final ReentrantLock reentrantLock = new ReentrantLock();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (memory.equals("named")) {
            name = "shm4j-jmh-mutex-" + ProcessHandle.current().pid();
            SharedMemory.remove(name);
            mutex = SharedMutex.create(name);
        } else {
            arena = Arena.ofShared();
            MemorySegment block = arena.allocate(SharedMutex.BYTES, 64);
            mutex = SharedMutex.create(block);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        mutex.close();
        if (arena != null) {
            arena.close();
        }
        if (name != null) {
            SharedMemory.remove(name);
        }
    }

    @Benchmark
    public void sharedMutex() throws Exception {
        mutex.lock();
        mutex.unlock();
    }

    @Benchmark
    public void reentrantLock() {
        reentrantLock.lock();
        reentrantLock.unlock();
    }
}
