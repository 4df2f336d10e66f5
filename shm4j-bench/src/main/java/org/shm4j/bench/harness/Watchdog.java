package org.shm4j.bench.harness;

/**
 * Bounds a session in time from outside its loops: when the budget passes it aborts the session's
 * {@link Waiter} (spin loops then fail) and kills the child (blocked reads then see end of file).
 */
final class Watchdog implements AutoCloseable {
    private final Thread thread;

    private Watchdog(Thread thread) {
        this.thread = thread;
    }

    static Watchdog start(Waiter waiter, ChildProcess child, long budgetNanos) {
        Thread t = Thread.ofPlatform().daemon().name("watchdog-" + child).unstarted(() -> {
            try {
                Thread.sleep(Math.max(1, budgetNanos / 1_000_000));
                waiter.abort("session exceeded its budget of " + budgetNanos / 1_000_000 + " ms; child killed");
                child.kill();
            } catch (InterruptedException e) {
                // Cancelled: the session finished in time.
            }
        });
        t.start();
        return new Watchdog(t);
    }

    /**
     * In a child JVM: halts it when its parent is gone or its budget has passed, so a peer spinning on
     * shared memory never outlives the harness.
     */
    static void guardChild(long budgetNanos) {
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        long deadline = System.nanoTime() + budgetNanos;
        Thread.ofPlatform().daemon().name("peer-watchdog").start(() -> {
            while (true) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                if (parent == null || !parent.isAlive()) {
                    System.err.println("peer watchdog: parent is gone, halting");
                    Runtime.getRuntime().halt(4);
                }
                if (System.nanoTime() - deadline > 0) {
                    System.err.println("peer watchdog: budget exceeded, halting");
                    Runtime.getRuntime().halt(3);
                }
            }
        });
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
