package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A row filter is one parenthesised condition: quotes may hold anything, and nothing may leave the parentheses. */
class RowFilterTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "id > 100",
                "name = 'a;b' AND note <> 'x -- y /* z'",
                "note = 'it''s (not closed'",
                "\"odd;name)\" = 1",
                "note = E'\\' ; )'",
                "body = $$;)--$$ OR body = $tag$ ) $tag$",
                "a$b = 1 AND (c IN (1, 2) OR d IS NULL)",
                "updated_at > now() - interval '1 day'"
            })
    void conditionsWhoseQuotesHoldSeparatorsAreAccepted(String sql) {
        assertThat(RowFilter.parse(sql).and("ctid >= '(0,0)'")).isEqualTo("ctid >= '(0,0)' AND (" + sql + ")");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "true) TO STDOUT; DROP TABLE t; --",
                "1 = 1) OR (true",
                "true; DELETE FROM t",
                "true -- and the rest",
                "true /* hidden */",
                "(a = 1",
                "note = 'unterminated",
                "\"unterminated = 1",
                "body = $x$ never closed",
                "note = E'\\\\' )",
                " "
            })
    void anythingThatCouldLeaveItsParenthesesIsRefused(String sql) {
        assertThatThrownBy(() -> RowFilter.parse(sql))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the row filter");
    }

    @org.junit.jupiter.api.Test
    void aVeryLongFilterIsRefused() {
        assertThatThrownBy(() -> RowFilter.parse("id = 1 OR ".repeat(500) + "true"))
                .hasMessageContaining("longer than 4000");
    }
}
