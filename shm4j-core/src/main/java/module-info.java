/**
 * shm4j: inter-process shared memory for Java. See {@link org.shm4j.SharedMemory}.
 *
 * <p>All restricted FFM calls are made in the non-exported package {@code org.shm4j.internal.os};
 * run with {@code --enable-native-access=org.shm4j}.
 */
module org.shm4j {
    exports org.shm4j;
    exports org.shm4j.map;
    exports org.shm4j.ring;
    exports org.shm4j.sync;
}
