package org.shm4j.jcstress;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs jcstress (this jar's {@code org.openjdk.jcstress.Main}) in a child JVM with the given
 * arguments and exits non-zero unless every planned result passed: jcstress 0.16 itself exits 0
 * even when tests fail. Also fails when no test ran (for example, all of them needing more CPUs
 * than the machine has), so the build cannot pass vacuously.
 */
public final class CheckedRun {
    private CheckedRun() {}

    public static void main(String[] args) throws Exception {
        String jar = Path.of(CheckedRun.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", jar, "org.openjdk.jcstress.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String lastResults = null;
        boolean failedNone = false;
        boolean errorNone = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                System.out.println(line);
                String t = line.trim();
                if (t.startsWith("(Results:")) {
                    lastResults = t;
                }
                failedNone |= t.equals("Failed tests: No matches.");
                errorNone |= t.equals("Error tests: No matches.");
            }
        }
        int rc = p.waitFor();
        // "(Results: 84 planned; 84 passed, 0 failed, 0 soft errs, 0 hard errs)"
        boolean allPassed = false;
        if (lastResults != null) {
            String[] parts = lastResults.replaceAll("[^0-9 ]", " ").trim().split(" +");
            allPassed = parts.length == 5 && Integer.parseInt(parts[0]) > 0 && parts[0].equals(parts[1])
                    && parts[2].equals("0") && parts[3].equals("0") && parts[4].equals("0");
        }
        if (rc != 0 || !failedNone || !errorNone || !allPassed) {
            System.out.println("jcstress FAILED: exit=" + rc + ", results=" + lastResults + ", noFailed=" + failedNone
                    + ", noErrors=" + errorNone);
            System.exit(1);
        }
        System.out.println("jcstress passed: " + lastResults);
    }
}
