package org.shm4j.sync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Makes a new process get a chosen PID through /proc/sys/kernel/ns_last_pid (root only). */
final class PidReuse {
    private static final Path NS_LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

    private PidReuse() {}

    /** Starts {@code command} with PID {@code pid}, retrying while other processes race; null if it never worked. */
    static Process spawnWithPid(long pid, List<String> command) throws Exception {
        for (int attempt = 0; attempt < 200; attempt++) {
            Files.writeString(NS_LAST_PID, Long.toString(pid - 1));
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.pid() == pid) {
                return p;
            }
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        return null;
    }
}
