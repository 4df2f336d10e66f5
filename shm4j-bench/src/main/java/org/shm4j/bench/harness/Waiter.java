package org.shm4j.bench.harness;


/**
 * How a spinning endpoint waits: {@link Thread#onSpinWait()} on every turn, and every 1024 turns a
 * check of the session's deadline and abort flag, so no spin loop of the harness can outlive its
 * time budget or a dead peer. Peers use {@link #unbounded()}: their watchdog halts the JVM instead.
 *
 * <p>One waiter belongs to one session; {@link #abort} may be called from any thread (the watchdog).
 */
public final class Waiter {
    private final long deadlineNanos;
    private volatile String abortReason;
    private int turns;

    private Waiter(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** A waiter whose waits fail once {@code budgetNanos} from now have passed. */
    public static Waiter withBudget(long budgetNanos) {
        return new Waiter(System.nanoTime() + budgetNanos);
    }

    /** A waiter with no deadline, aborted only by {@link #abort}. */
    public static Waiter unbounded() {
        return new Waiter(Long.MAX_VALUE);
    }

    /** One turn of a spin loop. */
    public void spin() throws SessionAbortedException {
        Thread.onSpinWait();
        if ((++turns & 0x3ff) == 0) {
            check();
        }
    }

    /** Throws if the session was aborted or its deadline passed. */
    public void check() throws SessionAbortedException {
        String reason = abortReason;
        if (reason != null) {
            throw new SessionAbortedException(reason);
        }
        if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos > 0) {
            throw new SessionAbortedException(Kv.format("session deadline passed", "overrunMillis",
                    (System.nanoTime() - deadlineNanos) / 1_000_000));
        }
    }

    /** Nanoseconds left before the deadline (never negative). */
    public long remainingNanos() {
        return deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, deadlineNanos - System.nanoTime());
    }

    /** Makes every later {@link #check} fail with {@code reason}. */
    public void abort(String reason) {
        abortReason = reason;
    }

    public boolean isAborted() {
        return abortReason != null;
    }
}
