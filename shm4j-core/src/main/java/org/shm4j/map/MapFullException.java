package org.shm4j.map;

/**
 * A new key did not fit: the stripe its hash selects already holds
 * {@link SharedMap#entriesPerStripe()} entries. Nothing was written; no entry was overwritten or
 * evicted. Replacing or removing existing keys still works. Unchecked, like
 * {@link IllegalStateException}: a map is sized at creation (see {@link MapSpec}).
 */
public final class MapFullException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int stripe;

    MapFullException(String message, int stripe) {
        super(message);
        this.stripe = stripe;
    }

    /** The stripe that was full. */
    public int stripe() {
        return stripe;
    }
}
