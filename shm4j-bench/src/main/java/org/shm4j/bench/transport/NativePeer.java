package org.shm4j.bench.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.shm4j.bench.harness.Kv;

/**
 * The C peer ({@code shm4j_bench_peer.c}, a resource of this jar), compiled with {@code gcc -O2}
 * the first time a benchmark needs it, into a directory keyed by the source's hash.
 */
public final class NativePeer {
    private static final String SOURCE = "/org/shm4j/bench/native/shm4j_bench_peer.c";
    private static Path binary;
    private static String failure;

    private NativePeer() {}

    /** Why the C peer cannot be built (no gcc, a compile error), or empty when it can. */
    public static synchronized Optional<String> unavailable() {
        if (binary == null && failure == null) {
            build();
        }
        return Optional.ofNullable(failure);
    }

    /** The compiled program. */
    public static synchronized Path binary() throws IOException {
        if (unavailable().isPresent()) {
            throw new IOException(failure);
        }
        return binary;
    }

    /** The compiler's version line, for the report. */
    public static String compilerVersion() {
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst()
                    .orElse("gcc");
            p.waitFor(10, TimeUnit.SECONDS);
            return first;
        } catch (IOException e) {
            return "gcc not found";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "gcc (interrupted)";
        }
    }

    private static void build() {
        try (InputStream in = NativePeer.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                failure = "C peer source missing from the class path: " + SOURCE;
                return;
            }
            byte[] source = in.readAllBytes();
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source), 0, 8);
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "shm4j-bench-native-" + hash + "-"
                    + ProcessHandle.current().pid());
            Files.createDirectories(dir);
            Path c = dir.resolve("shm4j_bench_peer.c");
            Path out = dir.resolve("shm4j_bench_peer");
            Files.write(c, source);
            Process gcc;
            try {
                gcc = new ProcessBuilder(List.of("gcc", "-O2", "-std=c11", "-Wall", "-o", out.toString(), c.toString(),
                        "-lrt")).redirectErrorStream(true).start();
            } catch (IOException e) {
                failure = "gcc not found; the C transports are skipped (install gcc to run them)";
                return;
            }
            String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gcc.waitFor(120, TimeUnit.SECONDS)) {
                gcc.destroyForcibly();
                failure = "gcc did not finish within 120 s";
                return;
            }
            if (gcc.exitValue() != 0) {
                failure = Kv.format("gcc failed", "exitCode", gcc.exitValue()) + "\n" + log;
                return;
            }
            binary = out;
            dir.toFile().deleteOnExit();
            c.toFile().deleteOnExit();
            out.toFile().deleteOnExit();
        } catch (IOException | NoSuchAlgorithmException e) {
            failure = "cannot build the C peer: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted while compiling the C peer";
        }
    }
}
