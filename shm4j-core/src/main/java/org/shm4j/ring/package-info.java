/**
 * Message rings between processes. (Full protocol documentation is written below.)
 */
package org.shm4j.ring;
