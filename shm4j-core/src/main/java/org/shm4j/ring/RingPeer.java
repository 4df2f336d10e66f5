package org.shm4j.ring;

import org.shm4j.internal.ProcessIdentity;

/**
 * A process registered in a ring header (creator, producer, consumer, transmitter), as read by a
 * monitoring tool. Liveness comes from {@code /proc}: the process is alive if a process with this
 * PID exists and started at the recorded time, so a recycled PID reads as dead. Nothing ever
 * signals a PID read from a ring.
 *
 * @param pid the process id recorded in the ring
 * @param startTicks the process start time in clock ticks since boot (low 42 bits), 0 if unknown
 * @param alive whether that process was running when this record was made
 */
public record RingPeer(long pid, long startTicks, boolean alive) {
    static final int TICK_BITS = 42;
    static final long TICK_MASK = (1L << TICK_BITS) - 1;

    /** The identity word for this process. */
    static long currentIdentity() {
        ProcessIdentity me = ProcessIdentity.current();
        return pack(me.pid(), me.startTicks());
    }

    static long pack(long pid, long startTicks) {
        return (pid << TICK_BITS) | (startTicks & TICK_MASK);
    }

    /** Decodes an identity word read from shared memory; null for 0 (nobody). */
    static RingPeer of(long identity) {
        if (identity == 0) {
            return null;
        }
        long pid = identity >>> TICK_BITS;
        long ticks = identity & TICK_MASK;
        return new RingPeer(pid, ticks, isAlive(identity));
    }

    /**
     * Whether the process an identity word names is running; false for implausible PIDs and for a
     * zombie (dead, not yet reaped by its parent), whose role may be taken over at once.
     */
    static boolean isAlive(long identity) {
        return ProcessIdentity.isAlive(identity >>> TICK_BITS, identity & TICK_MASK);
    }
}
