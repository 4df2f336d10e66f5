package org.shm4j.cli.demo;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The demo's second process: {@code DemoPeer <parentPid> <step>...}. Runs the peer half of each
 * step in order and exits 0, or prints why not and exits 1. Every wait is bounded.
 */
public final class DemoPeer {
    private static final long TIMEOUT_NANOS = 60_000_000_000L;

    private DemoPeer() {}

    /** What a step's peer half may use. */
    static final class Session {
        private final long parentPid;
        private final long deadlineNanos = System.nanoTime() + TIMEOUT_NANOS;

        Session(long parentPid) {
            this.parentPid = parentPid;
        }

        String namePrefix() {
            return "shm4j-demo-" + parentPid;
        }

        long parentPid() {
            return parentPid;
        }

        /** Tells the parent (through standard output) what the peer did. */
        void say(String text) {
            System.out.println(text);
            System.out.flush();
        }

        /** Fails when the deadline passed or the parent died; a short pause otherwise. */
        void pause(String waitingFor) {
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new IllegalStateException("peer timed out waiting for " + waitingFor);
            }
            if (ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
                throw new IllegalStateException("parent " + parentPid + " is gone while waiting for " + waitingFor);
            }
            LockSupport.parkNanos(200_000);
        }
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: DemoPeer <parentPid> <step>...");
            System.exit(2);
        }
        Map<String, DemoStep> steps = new HashMap<>();
        for (DemoStep step : Demo.STEPS) {
            steps.put(step.id(), step);
        }
        try {
            Session session = new Session(Long.parseLong(args[0]));
            for (int i = 1; i < args.length; i++) {
                DemoStep step = steps.get(args[i]);
                if (step == null) {
                    throw new IllegalArgumentException("unknown demo step: " + args[i]);
                }
                step.peer(session);
            }
        } catch (Exception e) {
            System.out.println("peer failed: " + e);
            System.exit(1);
        }
        System.exit(0);
    }
}
