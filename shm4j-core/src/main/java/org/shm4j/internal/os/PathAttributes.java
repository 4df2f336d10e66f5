package org.shm4j.internal.os;

import static org.shm4j.internal.os.Native.C_LONG;
import static org.shm4j.internal.os.Native.C_POINTER;
import static org.shm4j.internal.os.Native.C_SIZE_T;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Extended attributes read by path, without opening the file and without following a final
 * symbolic link ({@code lgetxattr(2)}). Inspecting a directory this way never opens a FIFO or a
 * device, which could block or have side effects.
 */
public final class PathAttributes {
    private static final MethodHandle LGETXATTR = Native.downcallWithErrno("lgetxattr",
            FunctionDescriptor.of(C_LONG, C_POINTER, C_POINTER, C_POINTER, C_SIZE_T));
    private static final int MAX_VALUE_BYTES = 256;

    private PathAttributes() {}

    /**
     * Reads an extended attribute of at most 256 bytes; {@code null} when it is absent, longer,
     * unsupported by the file system, or the file is gone.
     */
    public static String lgetxattr(String path, String key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(MAX_VALUE_BYTES);
            long n = Native.call(arena, (errno, a) -> (long) LGETXATTR.invokeExact(errno, a.allocateFrom(path),
                    a.allocateFrom(key), value, (long) MAX_VALUE_BYTES));
            if (n < 0 || n > MAX_VALUE_BYTES) {
                return null;
            }
            return new String(value.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }
}
