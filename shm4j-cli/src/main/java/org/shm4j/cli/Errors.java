package org.shm4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the one-line messages the command prints. */
final class Errors {
    private Errors() {}

    /** The data went nowhere: the reader of standard output went away (as with {@code | head}). */
    static final class OutputClosedException extends IOException {
        private static final long serialVersionUID = 1L;

        OutputClosedException(IOException cause) {
            super("output closed", cause);
        }
    }

    /** A failure the command detected and described itself; the message is final. */
    static final class CommandException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CommandException(String message) {
            super(message);
        }
    }

    /** A one-line description: the library's {@code what: key=value} message when it has one. */
    static String describe(Throwable t) {
        Throwable e = t instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : t;
        String text;
        if (e instanceof FileSystemException fs) {
            String reason = fs.getReason();
            String file = fs.getFile();
            if (reason != null && reason.contains("=")) {
                text = reason;
            } else if (e instanceof NoSuchFileException) {
                text = Text.format("no such file", objectKey(file), objectValue(file));
            } else if (e instanceof AccessDeniedException) {
                text = Text.format("permission denied", objectKey(file), objectValue(file));
            } else if (e instanceof FileAlreadyExistsException) {
                text = Text.format("already exists", objectKey(file), objectValue(file));
            } else {
                text = Text.format(reason == null ? "file system error" : reason, objectKey(file), objectValue(file));
            }
        } else if (e.getMessage() != null && !e.getMessage().isBlank()) {
            text = e.getMessage();
        } else {
            text = Text.format("unexpected error", "type", e.getClass().getSimpleName());
        }
        return Text.safe(text);
    }

    private static final String SHM = "/dev/shm/";

    /** Errors about an object in /dev/shm name it ({@code name=orders}); other files by path. */
    private static String objectKey(String file) {
        return isShmEntry(file) ? "name" : "path";
    }

    private static String objectValue(String file) {
        return isShmEntry(file) ? file.substring(SHM.length()) : file;
    }

    private static boolean isShmEntry(String file) {
        return file != null && file.startsWith(SHM) && file.indexOf('/', SHM.length()) < 0;
    }

    /** Whether the exception is a bug rather than a condition of the system or the input. */
    static boolean isInternal(Throwable t) {
        return !(t instanceof IOException || t instanceof UncheckedIOException || t instanceof IllegalArgumentException
                || t instanceof IllegalStateException || t instanceof IndexOutOfBoundsException
                || t instanceof CommandException || t instanceof UnsupportedOperationException);
    }
}
