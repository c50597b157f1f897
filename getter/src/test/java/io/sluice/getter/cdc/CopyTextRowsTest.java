package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A COPY text line becomes the values the types' output gave, escapes undone, NULL apart from an empty string. */
class CopyTextRowsTest {

    @Test
    void aLineWithoutEscapesIsSplitInPlace() {
        byte[] line = bytes("1\tplain\t\\N\t\t中文\n");

        var values = CopyTextRows.parse(line, 5);

        assertThat(values).containsExactly("1", "plain", null, "", "中文");
        assertThat(values.array()).isSameAs(line);
    }

    @Test
    void escapesAreUndoneAndNullStaysNull() {
        byte[] line = bytes("a\\tb\t\\\\N\t\\N\tx\\ny\\r\\\\\t\\b\\f\\v\n");

        assertThat(CopyTextRows.parse(line, 5)).containsExactly("a\tb", "\\N", null, "x\ny\r\\", "\b\f\u000b");
    }

    @Test
    void aWrongNumberOfValuesIsAnError() {
        assertThatThrownBy(() -> CopyTextRows.parse(bytes("1\t2\n"), 3)).hasMessageContaining("expected 3");
        assertThatThrownBy(() -> CopyTextRows.parse(bytes("1\t2\t3\n"), 2)).hasMessageContaining("more than 2");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
