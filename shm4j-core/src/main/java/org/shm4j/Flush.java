package org.shm4j;

/** What {@link MappedView#force} writes back. */
public enum Flush {
    /** Dirty pages of the range reach the file ({@code msync(MS_SYNC)}), like {@code FlushViewOfFile}. */
    DATA,
    /** As {@link #DATA}, then the file's metadata (size, times) too ({@code fsync}). */
    DATA_AND_METADATA
}
