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
    void valuesStillInTheirBytesAreEscapedAsTheirStringsAre() {
        java.util.List<String> values = java.util.Arrays.asList(
                "plain", null, "tab\there, back\\slash", "\\", "line\nbreak\r", "\t\t", "", "中文 ünïcode 🎉", "\"q\"");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int[] spans = new int[2 * values.size()];
        for (int i = 0; i < values.size(); i++) {
            spans[2 * i] = bytes.size() + 3;
            bytes.writeBytes("pad".getBytes(java.nio.charset.StandardCharsets.UTF_8)); // values need not start at 0
            byte[] value = values.get(i) == null
                    ? new byte[0]
                    : values.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            spans[2 * i + 1] = values.get(i) == null ? -1 : value.length;
            bytes.writeBytes(value);
        }
        io.sluice.common.batch.Utf8Values utf8 = new io.sluice.common.batch.Utf8Values(bytes.toByteArray(), spans);

        CopyText fromBytes = new CopyText(1);
        CopyText fromStrings = new CopyText(1);
        for (int i = 0; i < values.size(); i++) {
            fromBytes.value(utf8, i);
            fromStrings.value(values.get(i));
        }

        assertThat(fromBytes.endRow().utf8()).isEqualTo(fromStrings.endRow().utf8());
    }

    /** Random values of every length around the 8-byte words, specials and multi-byte characters anywhere. */
    @Test
    void randomValuesInTheirBytesAreEscapedAsTheirStringsAre() {
        int[] alphabet = "aZ09 ~[]^_\\\t\n\r\u0001\u001f\u007f中ü🎉".codePoints().toArray();
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 2_000; round++) {
            StringBuilder value = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                // Mostly plain text, so that whole clean words occur, with a rare special anywhere in them.
                value.appendCodePoint(
                        random.nextInt(6) == 0 ? alphabet[random.nextInt(alphabet.length)] : 'a' + random.nextInt(26));
            }
            String text = value.toString();
            byte[] utf8 = ("pre" + text).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            io.sluice.common.batch.Utf8Values bytes =
                    new io.sluice.common.batch.Utf8Values(utf8, new int[] {3, utf8.length - 3});

            assertThat(new CopyText(1).value(bytes, 0).endRow().utf8())
                    .as("%s", text)
                    .isEqualTo(new CopyText(1).value(text).endRow().utf8());
        }
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
