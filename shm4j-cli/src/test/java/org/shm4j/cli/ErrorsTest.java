package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** One-line error descriptions: an object in /dev/shm is named by its name, never by its path. */
class ErrorsTest {
    @Test
    void jdkErrorsAboutAShmEntryNameItAndOtherFilesKeepTheirPath() {
        assertThat(Errors.describe(new NoSuchFileException("/dev/shm/orders"))).isEqualTo("no such file: name=orders");
        assertThat(Errors.describe(new AccessDeniedException("/dev/shm/orders")))
                .isEqualTo("permission denied: name=orders");
        assertThat(Errors.describe(new NoSuchFileException("/data/in.bin"))).isEqualTo("no such file: path=/data/in.bin");
        assertThat(Errors.describe(new NoSuchFileException("/dev/shm/dir/x"))).isEqualTo("no such file: path=/dev/shm/dir/x");
    }
}
