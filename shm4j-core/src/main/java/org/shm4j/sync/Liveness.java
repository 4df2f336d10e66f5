package org.shm4j.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.shm4j.internal.ProcessIdentity;

/**
 * Decides from {@code /proc} alone whether a process named in shared memory still runs. Nothing
 * here signals a process: {@code kill(pid, 0)} would be a signal call on a PID a peer wrote.
 * A zombie (state {@code Z} or {@code X}: dead, not yet reaped by its parent) counts as dead.
 */
final class Liveness {
    /** PIDs are at most 2^22 (the kernel's PID_MAX_LIMIT), which is what a lock word can hold. */
    static final long MAX_PID = SyncLayout.PID_MASK;
    static final long MY_PID = ProcessIdentity.current().pid();
    static final long MY_START_TICKS = ProcessIdentity.current().startTicks();
    static final long MY_PID_NAMESPACE = pidNamespace();

    private Liveness() {}

    /**
     * Whether the process {@code pid} that started at {@code startTicks} runs; a start of 0 means
     * "unknown" and then any live process with that PID counts.
     */
    static boolean isAlive(long pid, long startTicks) {
        return pid <= MAX_PID && ProcessIdentity.isAlive(pid, startTicks);
    }

    /** The inode of this process's PID namespace, 0 if it cannot be read. */
    private static long pidNamespace() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            // "pid:[4026531836]"
            int open = link.indexOf('[');
            int close = link.indexOf(']');
            return open >= 0 && close > open ? Long.parseLong(link.substring(open + 1, close)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
