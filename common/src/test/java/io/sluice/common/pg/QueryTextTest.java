package io.sluice.common.pg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QueryTextTest {

    @Test
    void passwordsAndLiteralsNeverSurvive() {
        assertThat(QueryText.redact("ALTER ROLE app PASSWORD 'hunter2'")).isEqualTo("ALTER ROLE app PASSWORD ***");
        assertThat(QueryText.redact("create user bob with password 'it''s secret' valid until '2030-01-01'"))
                .isEqualTo("create user bob with password *** valid until ?")
                .doesNotContain("secret'");
        assertThat(QueryText.redact("CREATE USER MAPPING FOR me SERVER s OPTIONS (user 'u', password 'p4ss')"))
                .doesNotContain("p4ss")
                .doesNotContain("'u'");
        assertThat(QueryText.redact("SELECT * FROM users WHERE email = 'ann@example.com' AND id = 42 AND t1.x = 3.5e2"))
                .isEqualTo("SELECT * FROM users WHERE email = ? AND id = ? AND t1.x = ?");
        assertThat(QueryText.redact("DO $body$ BEGIN PERFORM 'x'; END $body$")).isEqualTo("DO ?");
        assertThat(QueryText.redact("SELECT E'a\\'b', $1 FROM t")).isEqualTo("SELECT ?, $1 FROM t");
        assertThat(QueryText.redact("SELECT 'unterminated")).isEqualTo("SELECT ?");
    }
}
