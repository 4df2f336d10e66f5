package org.shm4j.aeron;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;

/**
 * The one thread of a {@link BridgeGroup}: each round it invokes the embedded media driver's duty
 * cycle (when the driver runs in {@code INVOKER} mode), then every end's {@link BridgeEngine#cycle},
 * then idles if none of them had work. Ends are added and removed by other threads (copy on
 * write); an end that is removed is already finished, so a round that still sees it does nothing.
 */
final class BridgeRunner implements Runnable {
    private static final BridgeEngine[] NONE = new BridgeEngine[0];

    private final AgentInvoker driver;
    private final IdleStrategy idle;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile BridgeEngine[] engines = NONE;
    private volatile boolean running = true;

    BridgeRunner(String name, AgentInvoker driver, IdleStrategy idle) {
        this.driver = driver;
        this.idle = idle;
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (running) {
                idle.idle(round());
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t); // the driver's own errors go to its error handler; this is the rest
        }
    }

    /**
     * One round, in a method of its own so that the JIT compiles it apart from the loop. With
     * this body written inside the loop of {@link #run}, a sending end whose thread also runs its
     * driver allocated about 40 bytes a record in steady state (the ring's payload view no longer
     * scalar-replaced: {@code RingBridgeTest.steadyStateAllocatesNothingPerRecord} failed every
     * round); split like this it allocates none.
     */
    private int round() {
        int work = driver != null ? driver.invoke() : 0;
        for (BridgeEngine e : engines) {
            work += e.cycle();
        }
        return work;
    }

    synchronized void add(BridgeEngine engine) {
        BridgeEngine[] now = Arrays.copyOf(engines, engines.length + 1);
        now[now.length - 1] = engine;
        engines = now;
    }

    synchronized void remove(BridgeEngine engine) {
        engines = Arrays.stream(engines).filter(e -> e != engine).toArray(BridgeEngine[]::new);
    }

    /** Whether this thread runs the embedded driver's duty cycle (INVOKER mode). */
    boolean runsDriver() {
        return driver != null;
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    Throwable failure() {
        return failure.get();
    }

    /** Whether the caller is this runner's thread (an end must not be closed from its own duty cycle). */
    boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    /** Stops the thread after its current round and waits for it, up to 10 s. */
    void stop() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
