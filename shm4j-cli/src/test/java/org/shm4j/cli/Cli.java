package org.shm4j.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs the command in this JVM with captured streams. */
final class Cli {
    record Result(int code, String out, String err, byte[] outBytes) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
        }
    }

    private byte[] stdin = new byte[0];
    private boolean terminal;
    private final Map<String, String> env = new HashMap<>();
    private OutputStream outTarget;

    static Cli cli() {
        return new Cli();
    }

    Cli stdin(byte[] bytes) {
        this.stdin = bytes;
        return this;
    }

    Cli terminal() {
        this.terminal = true;
        return this;
    }

    Cli env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /** Standard output goes to this stream as well as being captured. */
    Cli out(OutputStream target) {
        this.outTarget = target;
        return this;
    }

    Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OutputStream o = outTarget == null ? out : new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                outTarget.write(b);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                outTarget.write(b, off, len);
                out.write(b, off, len);
            }
        };
        Io io = new Io(new ByteArrayInputStream(stdin), o, new PrintStream(err, true, StandardCharsets.UTF_8),
                terminal, terminal, env);
        int code = Main.run(io, args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                out.toByteArray());
    }
}
