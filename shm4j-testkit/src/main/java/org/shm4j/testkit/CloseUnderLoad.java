package org.shm4j.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One round of closing a handle while other threads use it as fast as they can: the check every
 * handle that reaches shared memory by absolute address needs (its close must end the users with
 * an exception, never a crash or a hang).
 */
public final class CloseUnderLoad {
    /** How long a user may run on after the close before it counts as hung. */
    private static final Duration JOIN = Duration.ofSeconds(30);

    private CloseUnderLoad() {}

    /**
     * Starts each of {@code users} on its own platform thread (a user loops until a call throws and
     * returns what it threw), closes {@code handle} after a random pause shorter than
     * {@code maxPause}, and waits for the users.
     *
     * @return what each user returned, in order; an {@link AssertionError} for a user still running
     *     30 seconds after the close
     */
    public static List<Throwable> close(AutoCloseable handle, Duration maxPause, List<Supplier<Throwable>> users)
            throws Exception {
        List<AtomicReference<Throwable>> ends = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (Supplier<Throwable> user : users) {
            AtomicReference<Throwable> end = new AtomicReference<>();
            ends.add(end);
            threads.add(Thread.ofPlatform().start(() -> end.set(user.get())));
        }
        Thread.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(maxPause.toNanos())));
        handle.close();
        List<Throwable> result = new ArrayList<>();
        for (int i = 0; i < threads.size(); i++) {
            threads.get(i).join(JOIN);
            result.add(threads.get(i).isAlive()
                    ? new AssertionError("user " + i + " still running " + JOIN + " after the close")
                    : ends.get(i).get());
        }
        return result;
    }
}
