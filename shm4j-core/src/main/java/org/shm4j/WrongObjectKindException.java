package org.shm4j;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.shm4j.internal.Messages;

/**
 * A name was opened as one kind of object but holds another: a mutex's name opened as an event,
 * a ring's name opened as plain memory, a plain segment opened as a ring. Thrown at once, before
 * anything waits or writes; the object is left as it was. Windows answers such an open with
 * {@code ERROR_INVALID_HANDLE}.
 *
 * {@snippet :
 * try (SharedEvent e = SharedEvent.open("orders")) {
 *     // ...
 * } catch (WrongObjectKindException e) {
 *     System.err.println(e.name() + " is a " + e.found()); // orders is a spsc-ring
 * }
 * }
 */
public final class WrongObjectKindException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final ObjectKind found;
    private final EnumSet<ObjectKind> expected;

    /**
     * @param name the name that was opened
     * @param found the kind the name holds
     * @param expected the kinds the caller accepts (one, or several for a ring that may be SPSC or MPSC)
     */
    public WrongObjectKindException(String name, ObjectKind found, Set<ObjectKind> expected) {
        super(Messages.format("name holds another kind of object", "name", Objects.requireNonNull(name, "name"),
                "found", Objects.requireNonNull(found, "found"), "expected", render(expected)));
        this.name = name;
        this.found = found;
        this.expected = EnumSet.copyOf(expected);
    }

    private static String render(Set<ObjectKind> expected) {
        return expected.stream().sorted().map(ObjectKind::label).collect(Collectors.joining("|"));
    }

    /** The name that was opened. */
    public String name() {
        return name;
    }

    /** The kind of object the name holds. */
    public ObjectKind found() {
        return found;
    }

    /** The kinds the caller asked for. */
    public Set<ObjectKind> expected() {
        return Set.copyOf(expected);
    }
}
