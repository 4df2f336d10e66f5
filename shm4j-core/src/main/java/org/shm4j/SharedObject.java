package org.shm4j;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.shm4j.internal.os.FileStat;
import org.shm4j.internal.os.Flock;
import org.shm4j.internal.os.LinuxOs;

/**
 * The one owner of an object's file descriptor inside this process. The {@link SharedMemory}
 * handle and every {@link MappedView} hold a reference; the descriptor is closed (and, for a
 * {@link Lifetime#REFERENCE_COUNTED} object, the name removed if no other process holds it) when
 * the last reference is released, in whatever order handles and views are closed.
 */
final class SharedObject {
    /** Extended attribute that marks a named object's lifetime for later openers and the CLI. */
    static final String LIFETIME_XATTR = "user.shm4j.lifetime";
    /** Extended attribute holding the creator's {@code pid:startTicks}. */
    static final String CREATOR_XATTR = "user.shm4j.creator";

    private final String displayName;
    private final String path;
    private final int fd;
    private final Access access;
    private final Lifetime lifetime;
    private final long byteSize;
    private final boolean hugePages;
    /** The entry that carries the name (and the attach lock) when it is not {@link #path}: a file mapping's record. */
    private final String namePath;
    /** The descriptor holding the attach lock of a reference-counted name; {@link #fd} unless a record holds it. */
    private final int nameFd;
    private final AtomicInteger references = new AtomicInteger(1);

    SharedObject(String displayName, String path, int fd, Access access, Lifetime lifetime, long byteSize) {
        this(displayName, path, fd, access, lifetime, byteSize, false);
    }

    /** As above; {@code hugePages} makes every view of this handle ask for transparent huge pages. */
    SharedObject(String displayName, String path, int fd, Access access, Lifetime lifetime, long byteSize,
            boolean hugePages) {
        this.displayName = displayName;
        this.path = path;
        this.fd = fd;
        this.access = access;
        this.lifetime = lifetime;
        this.byteSize = byteSize;
        this.hugePages = hugePages;
        this.namePath = path;
        this.nameFd = fd;
    }

    /**
     * A named file mapping: the file's descriptor {@code fd} maps, the record {@code recordPath}
     * carries the name, and {@code recordFd} (or -1 for a persistent name) holds the attach lock of a
     * reference-counted one, which this object closes with the file.
     */
    SharedObject(String name, String file, int fd, Access access, Lifetime lifetime, long byteSize, boolean hugePages,
            String recordPath, int recordFd) {
        this.displayName = name;
        this.path = file;
        this.fd = fd;
        this.access = access;
        this.lifetime = lifetime;
        this.byteSize = byteSize;
        this.hugePages = hugePages;
        this.namePath = recordPath;
        this.nameFd = recordFd;
    }

    /** Whether views advise huge pages ({@link SegmentOption.Flag#HUGE_PAGES} on a named object or file). */
    boolean hugePages() {
        return hugePages;
    }

    String displayName() {
        return displayName;
    }

    /** The file path, or {@code null} for an anonymous object. */
    String path() {
        return path;
    }

    /** The entry that carries the name: {@link #path()}, or a named file mapping's record. */
    String namePath() {
        return namePath;
    }

    int fd() {
        return fd;
    }

    Access access() {
        return access;
    }

    Lifetime lifetime() {
        return lifetime;
    }

    long byteSize() {
        return byteSize;
    }

    /** The object's size now, which another process may have changed by truncating the file. */
    long currentSize() throws IOException {
        return LinuxOs.fstat(fd, path == null ? displayName : path).size();
    }

    /** Takes a reference for a new view; false once the last reference is gone. */
    boolean retain() {
        int n;
        do {
            n = references.get();
            if (n <= 0) {
                return false;
            }
        } while (!references.compareAndSet(n, n + 1));
        return true;
    }

    /** Drops a reference; the last one closes the descriptor (and may remove the name). */
    void release() {
        if (references.decrementAndGet() == 0) {
            dispose();
        }
    }

    private void dispose() {
        if (lifetime == Lifetime.REFERENCE_COUNTED && namePath != null && nameFd >= 0) {
            // Converting our shared lock to an exclusive one succeeds only if no other open file
            // description, in any process, still holds a shared lock: we are the last attacher.
            // (Of several last attachers closing at once, exactly one succeeds; see Flock.)
            // Openers take their shared lock and then check the link count, so one that opened the
            // file just before the unlink sees links == 0 and treats the object as gone.
            if (Flock.flock(nameFd, Flock.LOCK_EX | Flock.LOCK_NB) == 0) {
                removeIfStillOurs();
            }
        }
        if (nameFd >= 0 && nameFd != fd) {
            LinuxOs.close(nameFd);
        }
        LinuxOs.close(fd);
    }

    private void removeIfStillOurs() {
        try {
            FileStat mine = LinuxOs.fstat(nameFd, namePath);
            FileStat named = LinuxOs.lstat(namePath);
            if (mine.sameFileAs(named)) {
                LinuxOs.unlink(namePath);
            }
        } catch (IOException e) {
            // The name is already gone or was replaced by another object: nothing of ours to remove.
        }
    }
}
