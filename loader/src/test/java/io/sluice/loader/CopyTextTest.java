package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The COPY text format: what PostgreSQL reads back must be the values exactly as they were. */
class CopyTextTest {

    @Test
    void specialCharactersAreEscapedWhereverTheyStandAndTheRestGoesAsItIs() {
        String text = new CopyText(16)
                .value("plain")
                .value(null)
                .value("tab\there, back\\slash")
                .value("\\")
                .value("line\nbreak\r")
                .value("\t\t")
                .value("")
                .value("中文 ünïcode")
                .endRow()
                .value("second")
                .value(-9_223_372_036_854_775_808L)
                .value('u')
                .endRow()
                .toString();
        assertThat(text)
                .isEqualTo("plain\t\\N\ttab\\there, back\\\\slash\t\\\\\tline\\nbreak\\r\t\\t\\t\t\t中文 ünïcode\n"
                        + "second\t-9223372036854775808\tu\n");
    }

    @Test
    void numbersAreWrittenAsLongToStringWritesThem() {
        long[] numbers = {
            0, 7, -7, 10, 99, 100, -100, 1_000_000_007L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1
        };
        CopyText text = new CopyText(1);
        StringBuilder expected = new StringBuilder();
        for (long number : numbers) {
            text.value(number);
            expected.append(expected.isEmpty() ? "" : "\t").append(number);
        }
        assertThat(text.endRow().toString()).isEqualTo(expected.append('\n').toString());
    }

    @Test
    void copyReadsTheTextAsUtf8() {
        CopyText text = new CopyText(4).value("中文 ü").value(42L).endRow();
        assertThat(text.utf8()).isEqualTo("中文 ü\t42\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
