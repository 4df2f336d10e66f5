package org.shm4j.sync;

/** What happens to a {@link SharedEvent} when it releases a waiter, as in Windows {@code CreateEvent}. */
public enum EventReset {
    /** Stays set, releasing every waiter, until {@link SharedEvent#reset()}. */
    MANUAL,
    /** Releases exactly one waiter and clears itself; stays set until one waiter takes it. */
    AUTO
}
