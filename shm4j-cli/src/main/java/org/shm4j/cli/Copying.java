package org.shm4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** What {@code put}, {@code cat} and {@code dump} share: progress, ownership, chunk sizes. */
final class Copying {
    /** Copies move data in chunks of this many bytes. */
    static final int CHUNK = 1 << 20;
    /** Copies of at least this many bytes show a progress bar on a terminal. */
    static final long PROGRESS_THRESHOLD = 16L << 20;

    private Copying() {}

    /** Reports bytes copied; does nothing unless a bar was asked for. */
    interface Progress extends AutoCloseable {
        void advance(long bytes);

        @Override
        void close();
    }

    /**
     * A progress bar on standard error (me.tongfei:progressbar) when it is a terminal and the copy
     * is large; otherwise one that prints nothing.
     */
    static Progress progress(Io io, boolean enabled, String task, long totalBytes) {
        if (!enabled || !io.stderrTerminal() || totalBytes < PROGRESS_THRESHOLD) {
            return new Progress() {
                @Override
                public void advance(long bytes) {}

                @Override
                public void close() {}
            };
        }
        PrintStream err = io.err();
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalBytes)
                .setUnit(" MiB", 1L << 20).setStyle(io.colour() ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK
                        : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(100).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(err, io.columns(80) - 1)).build();
        return new Progress() {
            @Override
            public void advance(long bytes) {
                bar.stepBy(bytes);
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    /** This process's user id, from the owner of {@code /proc/self}. */
    static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static void writeFully(OutputStream out, byte[] bytes, int length) throws IOException {
        out.write(bytes, 0, length);
    }
}
