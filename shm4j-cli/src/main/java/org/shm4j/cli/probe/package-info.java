/**
 * Plug-ins that teach {@code shm4j} to recognise structures in segments: implement
 * {@link org.shm4j.cli.probe.SegmentTypeProbe} and register it as a service. Probes see bytes that
 * any process may have written; they validate everything and act on nothing.
 */
package org.shm4j.cli.probe;
