/**
 * {@code shm4j bridge send|receive|status}: the bridge as a command, run by the {@code ./shm4j}
 * launcher from this module's jar in a JVM of its own (see docs/bridge.md).
 */
package org.shm4j.aeron.cli;
