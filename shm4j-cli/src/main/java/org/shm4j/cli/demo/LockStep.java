package org.shm4j.cli.demo;

import java.nio.file.NoSuchFileException;
import java.time.Duration;
import org.shm4j.SharedMemory;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.LockResult;
import org.shm4j.sync.SharedEvent;
import org.shm4j.sync.SharedMutex;

/**
 * The second step: a cross-process mutex and an event. The parent holds the mutex while the peer
 * asks for it; the peer gets it only when the parent lets go, then sets an event that wakes the
 * parent from a kernel wait.
 */
final class LockStep implements DemoStep {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Override
    public String id() {
        return "lock";
    }

    @Override
    public void parent(Demo.Session session) throws Exception {
        String mutexName = session.namePrefix() + ".lock";
        String eventName = session.namePrefix() + ".done";
        SharedMutex mutex = SharedMutex.create(mutexName);
        session.onExit(() -> {
            mutex.close();
            SharedMemory.remove(mutexName);
        });
        SharedEvent done = SharedEvent.create(eventName, EventReset.AUTO);
        session.onExit(() -> {
            done.close();
            SharedMemory.remove(eventName);
        });
        String askingName = session.namePrefix() + ".asking";
        SharedEvent asking = SharedEvent.create(askingName, EventReset.MANUAL);
        session.onExit(() -> {
            asking.close();
            SharedMemory.remove(askingName);
        });
        mutex.tryLock(WAIT).orElseThrow(() -> new java.io.IOException("the mutex stayed held for " + WAIT));
        session.say("created the mutex " + mutexName + " and the event " + eventName + "; holding the mutex");
        while (!asking.tryAwait(Duration.ofMillis(200))) {
            session.checkProgress("the peer to ask for the mutex");
        }
        // The peer is about to block on the mutex: hold it a little longer so the hand-over shows.
        Thread.sleep(100);
        long released = System.nanoTime();
        mutex.unlock();
        session.say("released the mutex; waiting on the event in the kernel (futex)");
        while (!done.tryAwait(Duration.ofMillis(200))) {
            session.checkProgress("the peer's event");
        }
        long micros = (System.nanoTime() - released) / 1_000;
        session.showPeer();
        session.say("woke up on the peer's event " + micros + " µs after releasing the mutex");
    }

    @Override
    public void peer(DemoPeer.Session session) throws Exception {
        String mutexName = session.namePrefix() + ".lock";
        String eventName = session.namePrefix() + ".done";
        String askingName = session.namePrefix() + ".asking";
        try (SharedMutex mutex = open(session, mutexName); SharedEvent done = openEvent(session, eventName);
             SharedEvent asking = openEvent(session, askingName)) {
            asking.set();
            long asked = System.nanoTime();
            LockResult result = mutex.tryLock(WAIT).orElseThrow(() -> new java.io.IOException(
                    "the parent did not let go of the mutex within " + WAIT));
            long waitedMillis = (System.nanoTime() - asked) / 1_000_000;
            try {
                session.say("asked for the mutex, got it after " + waitedMillis + " ms when the parent let go ("
                        + result + "), then set the event");
            } finally {
                mutex.unlock();
            }
            done.set();
        }
    }

    private static SharedMutex open(DemoPeer.Session session, String name) throws Exception {
        while (true) {
            try {
                return SharedMutex.open(name);
            } catch (NoSuchFileException notYet) {
                session.pause("the mutex " + name);
            }
        }
    }

    private static SharedEvent openEvent(DemoPeer.Session session, String name) throws Exception {
        while (true) {
            try {
                return SharedEvent.open(name);
            } catch (NoSuchFileException notYet) {
                session.pause("the event " + name);
            }
        }
    }
}
