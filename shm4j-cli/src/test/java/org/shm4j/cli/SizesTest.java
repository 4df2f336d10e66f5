package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parsesSuffixesAsPowersOf1024() {
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("4k")).isEqualTo(4096);
        assertThat(Sizes.parse("4K")).isEqualTo(4096);
        assertThat(Sizes.parse("1M")).isEqualTo(1 << 20);
        assertThat(Sizes.parse("1MiB")).isEqualTo(1 << 20);
        assertThat(Sizes.parse("2G")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("1T")).isEqualTo(1L << 40);
        assertThat(Sizes.parse("0x1000")).isEqualTo(4096);
        assertThat(Sizes.parse("0")).isZero();
    }

    @Test
    void rejectsWhatIsNotASize() {
        for (String bad : new String[] {"", "k", "-1", "12Q", "1.5G", "9999999999999999999", "8E", "0xZZ", "1 M M"}) {
            assertThatThrownBy(() -> Sizes.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid size: value=");
        }
    }

    @Test
    void printsHumanSizes() {
        assertThat(Sizes.human(0)).isEqualTo("0 B");
        assertThat(Sizes.human(1023)).isEqualTo("1023 B");
        assertThat(Sizes.human(4096)).isEqualTo("4.0 KiB");
        assertThat(Sizes.human(1L << 40)).isEqualTo("1.0 TiB");
        assertThat(Sizes.human(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
    }

    @Test
    void parsesDurations() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("10")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> Durations.parse("soon")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void safeTextEscapesTerminalControls() {
        assertThat(Text.safe("plain-name")).isEqualTo("plain-name");
        assertThat(Text.safe("a\u001b[31mred\nb")).isEqualTo("a\\x1b[31mred\\x0ab");
        assertThat(Text.safe("rtl\u202eexe")).isEqualTo("rtl\\u202eexe");
        assertThat(Text.safe("back\\slash")).isEqualTo("back\\\\slash");
        assertThat(Text.safe("caf\u00e9")).isEqualTo("caf\u00e9");
    }
}
