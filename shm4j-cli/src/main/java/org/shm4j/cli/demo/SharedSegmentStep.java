package org.shm4j.cli.demo;

import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.locks.LockSupport;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;

/**
 * The first step: a named segment that both processes map. The parent creates and maps it, writes
 * a message; the peer opens the same name, reads the message and writes an answer; the parent
 * reads the answer. Each direction is handed over with a release store and an acquire load.
 */
final class SharedSegmentStep implements DemoStep {
    @Override
    public String id() {
        return "segment";
    }

    @Override
    public void parent(Demo.Session session) throws Exception {
        String name = session.namePrefix();
        SharedMemory shm = SharedMemory.create(name, DemoLayout.BYTE_SIZE);
        session.onExit(() -> {
            shm.close();
            if (SharedMemory.remove(name)) {
                session.say("removed the segment " + name);
            }
        });
        MappedView view = shm.map();
        session.onExit(view::close);
        MemorySegment s = view.segment();
        DemoLayout.writeHeader(s, ProcessHandle.current().pid());
        DemoLayout.publishMagic(s);
        session.say("created the segment " + name + " (" + DemoLayout.BYTE_SIZE + " bytes, /dev/shm/" + name
                + ") and mapped it");

        String message = "hello from the parent, pid " + ProcessHandle.current().pid();
        DemoLayout.writeText(s, DemoLayout.MESSAGE_OFFSET, message);
        DemoLayout.setStateRelease(s, DemoLayout.STATE_MESSAGE);
        session.say("wrote \"" + message + "\" at offset " + DemoLayout.MESSAGE_OFFSET);

        while (DemoLayout.stateAcquire(s) != DemoLayout.STATE_ANSWER) {
            session.checkProgress("the peer's answer");
            LockSupport.parkNanos(200_000);
        }
        session.showPeer();
        String answer = DemoLayout.readText(s, DemoLayout.ANSWER_OFFSET)
                .orElseThrow(() -> new Demo.DemoFailure("the peer's answer has an impossible length"));
        session.say("read the peer's answer at offset " + DemoLayout.ANSWER_OFFSET + ": \"" + answer + "\"");
    }

    @Override
    public void peer(DemoPeer.Session session) throws Exception {
        String name = session.namePrefix();
        try (SharedMemory shm = open(session, name); MappedView view = shm.map()) {
            MemorySegment s = view.segment();
            while (DemoLayout.magicAcquire(s) != DemoLayout.MAGIC) {
                session.pause("the segment's header");
            }
            while (DemoLayout.stateAcquire(s) != DemoLayout.STATE_MESSAGE) {
                session.pause("the parent's message");
            }
            String message = DemoLayout.readText(s, DemoLayout.MESSAGE_OFFSET)
                    .orElseThrow(() -> new IllegalStateException("the parent's message has an impossible length"));
            String answer = "hello back from the peer, pid " + ProcessHandle.current().pid() + ": got your "
                    + message.length() + " characters";
            DemoLayout.setPeerPid(s, ProcessHandle.current().pid());
            DemoLayout.writeText(s, DemoLayout.ANSWER_OFFSET, answer);
            session.say("opened " + name + " by name, mapped it, read \"" + message + "\" and wrote an answer");
            // The line above is printed before the release store, so the parent shows it in order.
            DemoLayout.setStateRelease(s, DemoLayout.STATE_ANSWER);
        }
    }

    private static SharedMemory open(DemoPeer.Session session, String name) throws java.io.IOException {
        while (true) {
            try {
                return SharedMemory.open(name, Access.READ_WRITE);
            } catch (NoSuchFileException notYet) {
                session.pause("the segment " + name);
            }
        }
    }
}
