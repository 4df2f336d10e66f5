/**
 * Shared memory between processes: the Windows file-mapping system, for Java, on Linux.
 *
 * <table class="striped">
 * <caption>Windows API and shm4j</caption>
 * <tr><th>Windows</th><th>shm4j</th><th>Linux</th></tr>
 * <tr><td>{@code CreateFileMapping(INVALID_HANDLE_VALUE, ...)}</td><td>{@link org.shm4j.SharedMemory#create}</td><td>{@code /dev/shm/<name>}</td></tr>
 * <tr><td>name + {@code ERROR_ALREADY_EXISTS}</td><td>{@link org.shm4j.SharedMemory#openOrCreate}, {@link org.shm4j.SharedMemory#created()}</td><td>private file + {@code renameat2(RENAME_NOREPLACE)}</td></tr>
 * <tr><td>{@code OpenFileMapping}</td><td>{@link org.shm4j.SharedMemory#open}</td><td>{@code open(O_NOFOLLOW)}, {@code statx} checks</td></tr>
 * <tr><td>{@code CreateFile} + {@code CreateFileMapping(hFile, ...)}</td><td>{@link org.shm4j.SharedMemory#mapFile}</td><td>{@code open}, {@code ftruncate}, {@code fallocate}</td></tr>
 * <tr><td>{@code CreateFileMapping(hFile, ..., lpName)}, {@code OpenFileMapping(lpName)}</td><td>{@link org.shm4j.SharedMemory#mapFile(String, java.nio.file.Path, long, Access, SegmentOption...)}, {@link org.shm4j.SharedMemory#open}</td><td>a {@link org.shm4j.FileMappingRecord} in {@code /dev/shm}, checked against the file</td></tr>
 * <tr><td>{@code MapViewOfFile(Ex)}</td><td>{@link org.shm4j.SharedMemory#map}, {@link org.shm4j.MapOption#at}</td><td>{@code mmap}, {@code MAP_FIXED_NOREPLACE}</td></tr>
 * <tr><td>{@code FlushViewOfFile} (0 bytes = to the end of the view)</td><td>{@link org.shm4j.MappedView#force(long, long)} (length 0 = to the end of the view)</td><td>{@code msync(MS_SYNC)}, {@code fsync}</td></tr>
 * <tr><td>{@code UnmapViewOfFile}</td><td>{@link org.shm4j.MappedView#close}</td><td>{@code munmap}</td></tr>
 * <tr><td>{@code CloseHandle}</td><td>{@link org.shm4j.SharedMemory#close}</td><td>reference count; {@code close}</td></tr>
 * </table>
 *
 * <h2>Threading</h2>
 * {@link org.shm4j.SharedMemory} and {@link org.shm4j.MappedView} are thread-safe; their
 * {@code close()} methods are idempotent. Data in a view is shared memory: concurrent access from
 * several threads or processes needs the caller's own ordering (VarHandles on the segment, or
 * {@code org.shm4j.sync}).
 *
 * <h2>Untrusted memory</h2>
 * Another process can write anything into a shared object at any time. Nothing in this library
 * acts on a value read from shared memory without validating it first.
 */
package org.shm4j;
