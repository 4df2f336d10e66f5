package org.shm4j.fuzz;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileSystemException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.shm4j.SharedMemoryException;
import org.shm4j.map.MapCorruptedException;
import org.shm4j.map.MapFullException;
import org.shm4j.ring.RingCorruptedException;

/**
 * The property every fuzz target checks: reading bytes another process controls ends in a result or
 * in one of shm4j's typed exceptions (its own, including the map's {@code MapCorruptedException} and
 * {@code MapFullException}, or the {@code java.nio.file} ones it reuses, such as
 * {@code NoSuchFileException} for a reference-counted object whose last attacher is gone), whose
 * message has the {@code key=value} shape; never an
 * out-of-bounds access, another JDK exception, an {@code InternalError}, a crash, or an endless
 * loop (each input runs on a worker thread that must finish within {@link #LIMIT_SECONDS}).
 *
 * <p>Targets build a valid structure first and let the fuzzer's bytes describe what a hostile peer
 * then overwrites, so short inputs reach the deep states of the parsers.
 */
final class Hostile {
    static final int LIMIT_SECONDS = 10;

    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-target");
        t.setDaemon(true);
        return t;
    });

    /** The worker thread, for the stack trace of an input that runs too long. */
    private static volatile Thread worker;

    private Hostile() {}

    interface Body {
        void run() throws Exception;
    }

    interface Step<T> {
        T run() throws Exception;
    }

    /** Runs one input's whole body on the worker thread, bounded in time. */
    static void bounded(Body body) {
        Future<?> result = WORKER.submit(() -> {
            worker = Thread.currentThread();
            body.run();
            return null;
        });
        try {
            result.get(LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            AssertionError stuck = new AssertionError("target did not finish within " + LIMIT_SECONDS
                    + " s: an unbounded loop? (the stack trace is where the worker was)");
            Thread w = worker;
            if (w != null) {
                stuck.setStackTrace(w.getStackTrace());
            }
            result.cancel(true);
            throw stuck;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new AssertionError("untyped checked exception from a hostile input: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * One operation on hostile memory: its result, or null when it refused the memory with a typed
     * exception. Anything else escapes and is a finding.
     */
    static <T> T typed(Step<T> step) throws InterruptedException {
        try {
            return step.run();
        } catch (SharedMemoryException | FileSystemException | RingCorruptedException | MapCorruptedException
                | MapFullException e) {
            if (e.getMessage() == null || !e.getMessage().contains("=")) {
                throw new AssertionError("typed exception without key=value context: " + e, e);
            }
            return null;
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("unexpected checked exception: " + e, e);
        }
    }

    /**
     * As {@link #typed}, for releasing a lock after the fuzzer overwrote its owner record: the lock
     * may then rightly say this thread does not hold it, with the usual {@code key=value} message.
     */
    static <T> T typedOrNotHeld(Step<T> step) throws InterruptedException {
        try {
            return typed(step);
        } catch (IllegalMonitorStateException e) {
            if (e.getMessage() == null || !e.getMessage().contains("=")) {
                throw new AssertionError("IllegalMonitorStateException without key=value context: " + e, e);
            }
            return null;
        }
    }

    /**
     * Overwrites up to {@code maxWrites} places of {@code memory} as the fuzzer says: half of them
     * inside the first {@code hotBytes} (the header), the rest anywhere, 1, 4 or 8 bytes wide.
     */
    static void overwrite(FuzzedDataProvider data, MemorySegment memory, long hotBytes, int maxWrites) {
        int writes = data.consumeInt(0, maxWrites);
        for (int i = 0; i < writes && memory.byteSize() >= 8; i++) {
            long limit = data.consumeBoolean() ? Math.min(hotBytes, memory.byteSize()) : memory.byteSize();
            int width = switch (data.consumeInt(0, 2)) {
                case 0 -> 1;
                case 1 -> 4;
                default -> 8;
            };
            long offset = data.consumeLong(0, Math.max(0, limit - width));
            switch (width) {
                case 1 -> memory.set(JAVA_BYTE, offset, data.consumeByte());
                case 4 -> memory.set(JAVA_INT_UNALIGNED, offset, interestingInt(data));
                default -> memory.set(JAVA_LONG_UNALIGNED, offset, interestingLong(data));
            }
        }
    }

    private static int interestingInt(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 3)) {
            case 0 -> data.consumeInt();
            case 1 -> data.consumeInt(-2, 2);
            case 2 -> data.consumeBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE;
            default -> 1 << data.consumeInt(0, 31);
        };
    }

    private static long interestingLong(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 3)) {
            case 0 -> data.consumeLong();
            case 1 -> data.consumeLong(-2, 2);
            case 2 -> data.consumeBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
            default -> (data.consumeBoolean() ? -1L : 1L) << data.consumeInt(0, 63);
        };
    }
}
