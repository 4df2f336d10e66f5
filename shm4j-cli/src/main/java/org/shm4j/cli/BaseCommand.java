package org.shm4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** What every subcommand shares: the streams, colours, probes. */
abstract class BaseCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    private Shm4jCommand root;

    private PrintWriter out;

    Io io() {
        return root.io();
    }

    Shm4jCommand root() {
        return root;
    }

    Colours colours() {
        return new Colours(io().colour());
    }

    /** Text output (UTF-8); flushed by the caller. */
    PrintWriter out() {
        if (out == null) {
            out = new PrintWriter(new OutputStreamWriter(io().out(), StandardCharsets.UTF_8), false);
        }
        return out;
    }

    /** Raw standard output; a write failure becomes {@link Errors.OutputClosedException}. */
    OutputStream rawOut() {
        OutputStream target = io().out();
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                try {
                    target.write(b);
                } catch (IOException e) {
                    throw new Errors.OutputClosedException(e);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    target.write(b, off, len);
                } catch (IOException e) {
                    throw new Errors.OutputClosedException(e);
                }
            }

            @Override
            public void flush() throws IOException {
                try {
                    target.flush();
                } catch (IOException e) {
                    throw new Errors.OutputClosedException(e);
                }
            }
        };
    }

    /** Flushes text output; a reader that went away ends the command quietly. */
    void flushOut() throws Errors.OutputClosedException {
        if (out != null && out.checkError()) {
            throw new Errors.OutputClosedException(new IOException("write to standard output failed"));
        }
    }

    Probes probes() {
        return Probes.load();
    }

    /** Prints a warning (or an error about one item) to standard error. */
    void warn(String message) {
        io().err().println("shm4j: " + message);
    }
}
