package org.shm4j.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A process identity that survives PID reuse: the PID together with the process's start time in
 * clock ticks since boot ({@code /proc/<pid>/stat} field 22). A PID read from shared memory is
 * only believed alive if a process with that PID exists and started at that time, so a recycled
 * PID is never mistaken for the original process. Nothing here ever signals a process.
 *
 * @param pid the process id, positive
 * @param startTicks start time since boot in clock ticks, or 0 when unknown
 */
public record ProcessIdentity(long pid, long startTicks) {
    /**
     * Bits of the start time in an {@linkplain #word() identity word}; at 100 ticks a second that
     * is over a thousand years of uptime.
     */
    public static final int TICK_BITS = 42;
    public static final long TICK_MASK = (1L << TICK_BITS) - 1;

    private static final ProcessIdentity CURRENT = of(ProcessHandle.current().pid());
    private static final long CURRENT_PID_NAMESPACE = readPidNamespace();

    /** This process. */
    public static ProcessIdentity current() {
        return CURRENT;
    }

    /**
     * The inode of this process's PID namespace ({@code /proc/self/ns/pid}), 0 if it cannot be
     * read. PIDs written in shared memory only mean something inside one PID namespace.
     */
    public static long currentPidNamespace() {
        return CURRENT_PID_NAMESPACE;
    }

    private static long readPidNamespace() {
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

    /** The identity of a live process, with start time 0 if it cannot be read. */
    public static ProcessIdentity of(long pid) {
        return new ProcessIdentity(pid, startTicks(pid).orElse(0));
    }

    /**
     * The start time of {@code pid}, or empty if there is no such process (or {@code pid} is not
     * a plausible PID: it must be between 1 and 2^22, the kernel's limit).
     */
    public static OptionalLong startTicks(long pid) {
        String[] fields = statFields(pid);
        return fields == null ? OptionalLong.empty() : parseTicks(fields[19]);
    }

    /**
     * Whether the process {@code pid} that started at {@code startTicks} runs, judged from
     * {@code /proc} alone (nothing is ever signalled). A zombie (state {@code Z} or {@code X}: dead,
     * not yet reaped by its parent) counts as dead; a start time of 0 means unknown, and then any
     * live process with that PID counts.
     */
    public static boolean isAlive(long pid, long startTicks) {
        String[] fields = statFields(pid);
        if (fields == null) {
            return false;
        }
        String state = fields[0];
        if (state.equals("Z") || state.equals("X") || state.equals("x")) {
            return false;
        }
        if (startTicks == 0) {
            return true;
        }
        OptionalLong now = parseTicks(fields[19]);
        return now.isPresent() && now.getAsLong() == startTicks;
    }

    /**
     * This identity as one 64-bit word, the form rings and locks keep in shared memory: the PID in
     * the high 22 bits, the low {@value #TICK_BITS} bits of the start time below. Nonzero for any
     * real process, so 0 can mean "nobody".
     */
    public long word() {
        return (pid << TICK_BITS) | (startTicks & TICK_MASK);
    }

    /** The identity a {@linkplain #word() word} read from shared memory names (untrusted: check liveness). */
    public static ProcessIdentity ofWord(long word) {
        return new ProcessIdentity(word >>> TICK_BITS, word & TICK_MASK);
    }

    /** Whether this exact process (same PID, same start time) is still running. */
    public boolean isAlive() {
        return isAlive(pid, startTicks);
    }

    /**
     * Fields 3 onwards of {@code /proc/<pid>/stat} (index 0 is the state, 19 the start time), or
     * null when there is no such process or the file is not as expected.
     */
    private static String[] statFields(long pid) {
        if (pid <= 0 || pid > (1L << 22)) {
            return null;
        }
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        // The command name (field 2) is in parentheses and may itself contain spaces and ')':
        // fields after it start after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return null;
        }
        String[] fields = stat.substring(close + 2).split(" ");
        return fields.length < 20 ? null : fields;
    }

    private static OptionalLong parseTicks(String field) {
        try {
            return OptionalLong.of(Long.parseLong(field));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** {@code pid:startTicks}, the form stored in extended attributes. */
    public String encode() {
        return pid + ":" + startTicks;
    }

    /** Parses {@link #encode()}'s form; empty for anything else (the text is untrusted). */
    public static java.util.Optional<ProcessIdentity> decode(String text) {
        if (text == null || !text.matches("[0-9]{1,10}:[0-9]{1,19}")) {
            return java.util.Optional.empty();
        }
        String[] parts = text.split(":");
        try {
            long pid = Long.parseLong(parts[0]);
            long start = Long.parseLong(parts[1]);
            return pid > 0 ? java.util.Optional.of(new ProcessIdentity(pid, start)) : java.util.Optional.empty();
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }
}
