package org.shm4j;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.shm4j.internal.Messages;

/**
 * Starts a child process that inherits shared-memory objects, anonymous ones included: the
 * {@code bInheritHandle} of Linux. The JDK closes every descriptor but 0-2 in a child, so the
 * child re-opens the parent's descriptor through {@code /proc/<parent>/fd/<n>}, which gives it the
 * same object. The parent keeps the object alive until the child exits.
 *
 * {@snippet :
 * try (SharedMemory shm = SharedMemory.createAnonymous("work", 1 << 20)) {
 *     // the child is a JVM using shm4j too: it needs --enable-native-access
 *     Process child = SharedMemoryProcessBuilder.of(new ProcessBuilder("java",
 *                     "--enable-native-access=ALL-UNNAMED", "-cp", cp, "Worker"))
 *             .share("WORK", shm, Access.READ_WRITE)
 *             .start();
 * }
 * // in Worker.main:
 * try (SharedMemory shm = SharedMemory.openInherited("WORK")) { ... }
 * }
 */
public final class SharedMemoryProcessBuilder {
    static final String ENV_PREFIX = "SHM4J_SEGMENT_";
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final Pattern VALUE = Pattern.compile(
            "(/proc/[0-9]{1,10}/fd/[0-9]{1,10});([0-9]{1,19});(READ_ONLY|READ_WRITE|COPY_ON_WRITE)");

    private final ProcessBuilder builder;
    private final Map<String, Share> shares = new LinkedHashMap<>();

    private record Share(SharedMemory shm, Access access) {}

    private SharedMemoryProcessBuilder(ProcessBuilder builder) {
        this.builder = builder;
    }

    /** Wraps a configured {@link ProcessBuilder}; its command, directory and redirects are kept. */
    public static SharedMemoryProcessBuilder of(ProcessBuilder builder) {
        return new SharedMemoryProcessBuilder(Objects.requireNonNull(builder, "builder"));
    }

    /**
     * Makes {@code shm} available to the child under {@code key}, with at most {@code access}.
     *
     * @throws IllegalArgumentException if the key is not 1-64 of {@code [A-Za-z0-9_]} or
     *     {@code access} exceeds the handle's access
     */
    public SharedMemoryProcessBuilder share(String key, SharedMemory shm, Access access) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(shm, "shm");
        Objects.requireNonNull(access, "access");
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException(Messages.format("invalid share key, expected [A-Za-z0-9_]{1,64}", "key",
                    Messages.quote(key)));
        }
        if (!shm.access().permitsView(access)) {
            throw new IllegalArgumentException(Messages.format("cannot grant more access than the handle has", "key",
                    key, "handleAccess", shm.access(), "access", access));
        }
        shares.put(key, new Share(shm, access));
        return this;
    }

    /**
     * Starts the child. Each shared object stays referenced until the child exits, even if the
     * caller closes its handle first.
     *
     * @throws IllegalStateException if a shared handle is already closed
     */
    public Process start() throws IOException {
        List<SharedObject> retained = new ArrayList<>();
        try {
            long pid = ProcessHandle.current().pid();
            for (Map.Entry<String, Share> e : shares.entrySet()) {
                SharedMemory shm = e.getValue().shm();
                SharedObject object = shm.object();
                if (!shm.isOpen() || !object.retain()) {
                    throw new IllegalStateException(Messages.format("shared memory handle is closed", "key",
                            e.getKey(), "name", shm.displayName()));
                }
                retained.add(object);
                builder.environment().put(ENV_PREFIX + e.getKey(),
                        "/proc/" + pid + "/fd/" + object.fd() + ";" + shm.byteSize() + ";" + e.getValue().access());
            }
            Process process = builder.start();
            List<SharedObject> held = List.copyOf(retained);
            retained.clear();
            process.onExit().whenComplete((p, failure) -> held.forEach(SharedObject::release));
            return process;
        } finally {
            retained.forEach(SharedObject::release);
        }
    }

    /** The child side; see {@link SharedMemory#openInherited}. */
    static SharedMemory openInherited(String key) throws IOException {
        Objects.requireNonNull(key, "key");
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException(Messages.format("invalid share key, expected [A-Za-z0-9_]{1,64}", "key",
                    Messages.quote(key)));
        }
        String value = System.getenv(ENV_PREFIX + key);
        if (value == null) {
            throw new NoSuchFileException(ENV_PREFIX + key, null, Messages.format(
                    "no inherited segment: this process was not started with it", "key", key));
        }
        Matcher m = VALUE.matcher(value);
        if (!m.matches()) {
            throw new SharedMemoryException(Messages.format("malformed inherited segment variable", "key", key,
                    "value", Messages.quote(value.length() > 80 ? value.substring(0, 80) : value)));
        }
        String path = m.group(1);
        long size = Long.parseLong(m.group(2));
        Access access = Access.valueOf(m.group(3));
        SharedObject object = ObjectOpener.openDescriptorPath(path, "inherited:" + key, access);
        if (object.byteSize() < size) {
            object.release();
            throw new SharedMemoryException(Messages.format("inherited object is smaller than announced", "key", key,
                    "announced", size, "byteSize", object.byteSize()));
        }
        return SharedMemory.wrap(object);
    }
}
