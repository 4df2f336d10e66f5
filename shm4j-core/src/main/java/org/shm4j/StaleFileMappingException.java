package org.shm4j;

/**
 * The file a named file mapping names is no longer the file that was named: it was deleted or
 * moved, replaced by another file or by a symbolic link, given to another owner, or re-moded. The
 * name is left alone (the creator may still be using it); the file is never mapped. The message
 * names both the name and the path, and what was recorded beside what was found, e.g.
 * {@code named file mapping refers to a replaced file: name=orders, path=/data/orders.bin,
 * recorded=8:1/inode=123/uid=1000/mode=0100600, found=8:1/inode=456/uid=1000/mode=0100600}.
 */
public final class StaleFileMappingException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final String file;

    StaleFileMappingException(String message, String name, String file) {
        super(message);
        this.name = name;
        this.file = file;
    }

    /** The name of the file mapping. */
    public String name() {
        return name;
    }

    /** The path the name's record gives. */
    public String file() {
        return file;
    }
}
