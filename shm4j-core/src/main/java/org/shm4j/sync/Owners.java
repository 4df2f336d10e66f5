package org.shm4j.sync;

import java.lang.foreign.MemorySegment;

/** Liveness of the process named in a lock word, with the owner record beside it. */
final class Owners {
    private Owners() {}

    /**
     * Whether process {@code pid} (from a lock word) still holds the lock. The owner record is
     * trusted only when its PID equals the word's: then its start time tells a recycled PID from
     * the holder. Otherwise the holder is between its CAS and writing the record (or died there),
     * and only the PID is checked.
     */
    static boolean alive(MemorySegment block, int pid, long ownerPidOffset, long ownerStartOffset) {
        // Acquire: pairs with the release store of ownerPid in setOwner, so the start time read
        // next belongs to the same owner.
        long recordPid = (long) SyncBlock.LONG.getAcquire(block, ownerPidOffset);
        long recordStart = (long) SyncBlock.LONG.getOpaque(block, ownerStartOffset);
        if (pid == Liveness.MY_PID) {
            // Another thread of this process, unless the record is from an earlier process that had
            // our PID and died holding the lock.
            return !(recordPid == pid && recordStart != 0 && recordStart != Liveness.MY_START_TICKS);
        }
        if (recordPid == pid) {
            return Liveness.isAlive(pid, recordStart);
        }
        return Liveness.isAlive(pid, 0);
    }
}
