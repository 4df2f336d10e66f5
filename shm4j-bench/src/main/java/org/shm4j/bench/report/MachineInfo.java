package org.shm4j.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.shm4j.bench.harness.Cpus;
import org.shm4j.bench.transport.NativePeer;

/** What the report says about the machine it ran on, read from /proc and the JVM. */
final class MachineInfo {
    private MachineInfo() {}

    static Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> cpuinfo = lines("/proc/cpuinfo");
        String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        long processors = cpuinfo.stream().filter(l -> l.startsWith("processor")).count();
        boolean hypervisor = cpuinfo.stream().anyMatch(l -> l.startsWith("flags") && l.contains(" hypervisor"));
        m.put("CPU", model + (hypervisor ? " (virtual machine: the CPU flags include `hypervisor`)" : ""));
        m.put("Cores", processors + " online, " + Runtime.getRuntime().availableProcessors()
                + " available to the JVM, allowed CPUs " + Cpus.allowed());
        m.put("Memory", Math.round(meminfo("MemTotal") / (1024.0 * 1024 * 1024)) + " GiB total");
        m.put("Kernel", first("/proc/sys/kernel/osrelease"));
        m.put("Transparent huge pages", first("/sys/kernel/mm/transparent_hugepage/enabled"));
        m.put("JDK", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        m.put("C compiler", NativePeer.compilerVersion());
        try {
            var store = Files.getFileStore(Path.of("/dev/shm"));
            m.put("/dev/shm", store.getTotalSpace() / (1024 * 1024) + " MiB (" + store.type() + ")");
        } catch (IOException e) {
            m.put("/dev/shm", "unknown: " + e.getMessage());
        }
        return m;
    }

    /** The 1-minute load average. */
    static String loadAverage() {
        return first("/proc/loadavg");
    }

    static double load1() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    static long memAvailableBytes() {
        return meminfo("MemAvailable");
    }

    private static long meminfo(String key) {
        for (String l : lines("/proc/meminfo")) {
            if (l.startsWith(key + ":")) {
                String[] p = l.substring(key.length() + 1).trim().split("\\s+");
                return Long.parseLong(p[0]) * 1024;
            }
        }
        return -1;
    }

    private static List<String> lines(String path) {
        try {
            return Files.readAllLines(Path.of(path));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String first(String path) {
        List<String> l = lines(path);
        return l.isEmpty() ? "unknown" : l.getFirst().trim();
    }
}
