/**
 * Rings across hosts: {@link org.shm4j.aeron.RingBridge} carries a ring's records to a ring on
 * another host over Aeron. See docs/bridge.md for the delivery rules and the wire format.
 *
 * <h2>Threads</h2>
 * Each bridge end is driven by one thread (its own, or the one thread of its
 * {@link org.shm4j.aeron.BridgeGroup}), which alone touches the ring role the end holds (the
 * consumer of the sending ring, a producer of the receiving ring), its Aeron publication or
 * subscription while it runs, and its state segment's progress slots. With the embedded driver in
 * Aeron's {@code INVOKER} mode (the default) that thread alone also invokes the driver's duty
 * cycle; the Aeron client's calls from other threads (adding or closing a publication) wait for
 * the driver's answer while that thread runs it, so the thread starts before the client connects
 * and stops only after every end of it has closed its publication or subscription. An end never
 * blocks the thread: stopping (the sending end's wait for acknowledgements) goes one step a round. {@link org.shm4j.aeron.RingBridge#stats()} and the CLI read
 * the state segment's counters from any thread or process: they are written with opaque stores,
 * one field at a time, so a snapshot may mix instants but never shows a torn field.
 *
 * <h2>Invariants</h2>
 * <ul>
 * <li>A sending end numbers records 1, 2, 3... under an epoch it keeps in its state segment; a
 *     sequence number is used for at most one record's bytes, also across crashes (it is re-sent
 *     only for the same record, taken from the same ring position of the same ring).</li>
 * <li>A receiving end writes a frame only if its sequence is above the last one written under the
 *     same epoch; every skipped sequence is announced by a loss notice written before the next
 *     record.</li>
 * <li>The progress slots are written by the owner only: the slot not in use first, then a release
 *     store of the version that selects it, so a reader (a restarted owner) sees one whole slot.</li>
 * <li>Nothing read from the network or from a state segment is used as a length, offset or count
 *     before it is checked.</li>
 * </ul>
 */
package org.shm4j.aeron;
