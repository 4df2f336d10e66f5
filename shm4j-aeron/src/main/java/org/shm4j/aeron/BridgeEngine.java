package org.shm4j.aeron;

import org.agrona.concurrent.IdleStrategy;

/** The duty cycle that one bridge end's thread runs: work, count, idle when there was none. */
abstract class BridgeEngine {
    final BridgeState state;
    final IdleStrategy idle;
    volatile boolean running = true;
    private volatile boolean started;
    private long loops;
    private boolean connected;

    BridgeEngine(BridgeState state, IdleStrategy idle) {
        this.state = state;
        this.idle = idle;
    }

    final void run() {
        started = true;
        state.put(BridgeState.HEARTBEAT_OFFSET, System.currentTimeMillis());
        while (running) {
            int work = doWork();
            if ((++loops & 255) == 0 || work == 0) {
                heartbeat();
            }
            idle.idle(work);
        }
        onStop();
    }

    /** Called on the bridge thread after the last round. */
    void onStop() {}

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

    final boolean started() {
        return started;
    }

    final void stop() {
        running = false;
    }
}
