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
    /** The identity word for this process. */
    static long currentIdentity() {
        return ProcessIdentity.current().word();
    }

    static long pack(long pid, long startTicks) {
        return new ProcessIdentity(pid, startTicks).word();
    }

    /** Decodes an identity word read from shared memory; null for 0 (nobody). */
    static RingPeer of(long identity) {
        if (identity == 0) {
            return null;
        }
        ProcessIdentity id = ProcessIdentity.ofWord(identity);
        return new RingPeer(id.pid(), id.startTicks(), id.isAlive());
    }

    /**
     * Whether the process an identity word names is running; false for implausible PIDs and for a
     * zombie (dead, not yet reaped by its parent), whose role may be taken over at once.
     */
    static boolean isAlive(long identity) {
        return ProcessIdentity.ofWord(identity).isAlive();
    }
}
