package org.shm4j.jcstress;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.shm4j.process.Child;
import org.shm4j.process.ChildLauncher;

/**
 * Runs jcstress (this jar's {@code org.openjdk.jcstress.Main}) in a child JVM with the given
 * arguments and exits non-zero unless every planned result passed: jcstress 0.16 itself exits 0
 * even when tests fail. Also fails when no test ran (for example, all of them needing more CPUs
 * than the machine has), so the build cannot pass vacuously.
 */
public final class CheckedRun {
    private CheckedRun() {}

    public static void main(String[] args) throws Exception {
        String lastResults = null;
        boolean failedNone = false;
        boolean errorNone = false;
        int rc;
        // jcstress in a child JVM on this JVM's class path (the uber-jar), its output through one pipe;
        // closing kills it if reading its output failed.
        try (Child child = ChildLauncher.java(org.openjdk.jcstress.Main.class).arguments(args)
                .stdio(ChildLauncher.Stdio.PIPE).errors(ChildLauncher.Errors.WITH_OUTPUT).start();
                BufferedReader r = new BufferedReader(new InputStreamReader(child.process().getInputStream(),
                        StandardCharsets.UTF_8))) {
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
            // No bound: a full (-Pstress) run takes hours, and its output has ended, so it is exiting.
            rc = child.process().waitFor();
        }
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
