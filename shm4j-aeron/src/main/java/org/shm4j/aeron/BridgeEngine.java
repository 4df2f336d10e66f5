package org.shm4j.aeron;

/**
 * One bridge end's share of a duty cycle. A {@link BridgeRunner} thread calls {@link #cycle()}
 * on every end it runs; an end never blocks the thread, so several ends (and an embedded media
 * driver) can share it.
 */
abstract class BridgeEngine {
    final BridgeState state;
    private volatile boolean stopRequested;
    private volatile boolean finished;
    private volatile Throwable failure;
    private long loops;
    private boolean connected;
    private boolean started;

    BridgeEngine(BridgeState state) {
        this.state = state;
    }

    /**
     * One round on the runner thread: work while running; once a stop is requested, the steps of
     * {@link #linger()} until it is done. A throw from the end finishes this end only (its
     * {@link #failure()}); the other ends on the thread go on.
     */
    final int cycle() {
        if (finished) {
            return 0;
        }
        try {
            if (!started) {
                started = true;
                state.put(BridgeState.HEARTBEAT_OFFSET, System.currentTimeMillis());
            }
            if (stopRequested) {
                if (linger()) {
                    finished = true;
                }
                return 0;
            }
            int work = doWork();
            if ((++loops & 255) == 0 || work == 0) {
                heartbeat();
            }
            return work;
        } catch (Throwable t) {
            failure = t;
            finished = true;
            return 0;
        }
    }

    /** One step of stopping, after the last round; returns true when this end is done. */
    boolean linger() {
        return true;
    }

    private void heartbeat() {
        long now = System.currentTimeMillis();
        if (now != state.get(BridgeState.HEARTBEAT_OFFSET)) {
            state.put(BridgeState.HEARTBEAT_OFFSET, now);
        }
    }

    final void connected(boolean now) {
        if (now != connected) {
            connected = now;
            state.put(BridgeState.CONNECTED_OFFSET, now ? 1 : 0);
        }
    }

    /** One round of work; returns how much was done (0: idle). */
    abstract int doWork();

    final boolean stopRequested() {
        return stopRequested;
    }

    /** Asks the runner thread to stop this end (after {@link #linger()}); returns at once. */
    final void requestStop() {
        stopRequested = true;
    }

    final boolean finished() {
        return finished;
    }

    final Throwable failure() {
        return failure;
    }
}
