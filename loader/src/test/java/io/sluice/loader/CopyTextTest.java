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
    void copyReadsTheTextAsUtf8() {
        CopyText text = new CopyText(4).value("中文 ü").value(42L).endRow();
        assertThat(text.utf8()).isEqualTo("中文 ü\t42\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
