package io.sluice.common.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PgValueTypesTest {

    @Test
    void lsnReadsAndPrintsPostgresForm() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(lsn.value()).isEqualTo(0x16B374D848L);
        assertThat(lsn).hasToString("16/B374D848");
        assertThat(Lsn.parse("0/0").isValid()).isFalse();
        assertThat(Lsn.parse("1/0")).isGreaterThan(Lsn.parse("0/FFFFFFFF"));
    }

    @Test
    void badLsnSaysWhatIsExpected() {
        assertThatThrownBy(() -> Lsn.parse("16B374D848")).hasMessageContaining("X/Y");
        assertThatThrownBy(() -> Lsn.parse("G/1")).hasMessageContaining("X/Y");
        assertThatThrownBy(() -> Lsn.parse("1/")).hasMessageContaining("X/Y");
    }

    @Test
    void identifiersAreAlwaysQuotedAndEscaped() {
        assertThat(Identifiers.quote("orders")).isEqualTo("\"orders\"");
        assertThat(Identifiers.quote("Select")).isEqualTo("\"Select\"");
        assertThat(Identifiers.quote("a\"; DROP TABLE x; --")).isEqualTo("\"a\"\"; DROP TABLE x; --\"");
        assertThat(Identifiers.quote("public", "my table")).isEqualTo("\"public\".\"my table\"");
        assertThat(Identifiers.literal("it's")).isEqualTo("'it''s'");
        assertThatThrownBy(() -> Identifiers.quote("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tableNamesDefaultToPublic() {
        assertThat(TableName.parse("orders")).isEqualTo(new TableName("public", "orders"));
        assertThat(TableName.parse("sales.orders").quoted()).isEqualTo("\"sales\".\"orders\"");
        assertThatThrownBy(() -> TableName.parse("a.b.c")).hasMessageContaining("one dot");
    }
}
