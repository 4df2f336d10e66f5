package org.shm4j;

/**
 * A view was asked for at a fixed address ({@link MapOption#at(long)}) and part of that range is
 * already mapped. Nothing was replaced: shm4j uses {@code MAP_FIXED_NOREPLACE}, which never
 * clobbers an existing mapping.
 */
public final class AddressInUseException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    public AddressInUseException(String message) {
        super(message, "EEXIST");
    }
}
