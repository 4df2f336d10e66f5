package org.shm4j.aeron;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Three network namespaces, made for one test run and deleted by {@link #close()} (and by a
 * shutdown hook if the JVM ends first): {@code a} holds a Linux bridge device with 10.231.7.1/24,
 * and a veth pair joins it to each of {@code b} (10.231.7.2/24) and {@code c} (10.231.7.3/24),
 * so the three share one Ethernet segment, unicast and multicast alike. Addresses exist only
 * inside these namespaces; names carry a random suffix so that runs never meet.
 */
final class Netns implements AutoCloseable {
    static final String A = "10.231.7.1";
    static final String B = "10.231.7.2";
    static final String C = "10.231.7.3";

    final String a;
    final String b;
    final String c;
    private final List<String> created = new ArrayList<>();
    private final Thread hook = new Thread(this::deleteAll, "netns-cleanup");

    private final String suffix;

    private Netns(String suffix) {
        this.suffix = suffix;
        this.a = "shm4j-" + suffix + "-a";
        this.b = "shm4j-" + suffix + "-b";
        this.c = "shm4j-" + suffix + "-c";
    }

    /** Whether this process may make namespaces: root, with {@code ip} on the path. */
    static boolean available() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        try {
            return run(List.of("ip", "-V")) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    static Netns create() throws IOException {
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        Netns n = new Netns(suffix);
        Runtime.getRuntime().addShutdownHook(n.hook);
        try {
            for (String ns : List.of(n.a, n.b, n.c)) {
                n.ip("netns", "add", ns);
                n.created.add(ns);
                n.ip("-n", ns, "link", "set", "lo", "up");
            }
            String br = "br" + suffix;
            n.ip("-n", n.a, "link", "add", br, "type", "bridge", "mcast_snooping", "0");
            n.ip("-n", n.a, "addr", "add", A + "/24", "dev", br);
            n.ip("-n", n.a, "link", "set", br, "up");
            n.join(br, suffix + "b", n.b, B);
            n.join(br, suffix + "c", n.c, C);
            for (String ns : List.of(n.a, n.b, n.c)) {
                // Multicast leaves by the segment's interface, not a default route these namespaces lack.
                String dev = ns.equals(n.a) ? br : "v" + suffix + ns.charAt(ns.length() - 1) + "1";
                n.ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", dev);
            }
            return n;
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
    }

    private void join(String br, String id, String ns, String address) throws IOException {
        String inBridge = "v" + id + "0";
        String inNs = "v" + id + "1";
        ip("-n", a, "link", "add", inBridge, "type", "veth", "peer", "name", inNs, "netns", ns);
        ip("-n", a, "link", "set", inBridge, "master", br);
        ip("-n", a, "link", "set", inBridge, "up");
        ip("-n", ns, "addr", "add", address + "/24", "dev", inNs);
        ip("-n", ns, "link", "set", inNs, "up");
    }

    /** Takes the link of namespace {@code b} or {@code c} to the segment down or up: a network outage. */
    void link(String ns, boolean up) throws IOException {
        String dev = "v" + suffix + ns.charAt(ns.length() - 1) + "1";
        ip("-n", ns, "link", "set", dev, up ? "up" : "down");
    }

    /** The command prefix that runs a program inside namespace {@code ns}. */
    static List<String> exec(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    private void ip(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        int code = run(command);
        if (code != 0) {
            throw new IOException("command failed: " + String.join(" ", command) + ", exit=" + code);
        }
    }

    private static int run(List<String> command) throws IOException {
        Path log = Files.createTempFile("shm4j-ip-", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("command timed out: " + command);
            }
            if (p.exitValue() != 0) {
                System.err.println(String.join(" ", command) + ": " + Files.readString(log, StandardCharsets.UTF_8));
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private synchronized void deleteAll() {
        for (String ns : created) {
            try {
                run(List.of("ip", "netns", "del", ns));
            } catch (IOException e) {
                System.err.println("cannot delete namespace " + ns + ": " + e);
            }
        }
        created.clear();
    }

    @Override
    public void close() {
        deleteAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // Already shutting down: the hook runs anyway, and finds nothing left to delete.
        }
    }
}
