package io.sluice.loader.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Row keys from a template: the table's names and key values in place, and never one of Sluice's own keys. */
class KeyTemplateTest {

    @Test
    void aRowKeyIsTheTemplateWithTheTablesNamesAndTheKeyValues() {
        ChangeBatch batch = batch(new TableName("shop", "items"), "A-1");

        assertThat(new KeyTemplate("{schema}:{table}:{key}")
                        .bind(batch)
                        .keyOf(batch.rows().getFirst()))
                .isEqualTo("shop:items:A-1");
    }

    @Test
    void aKeyUnderSluicesOwnPrefixIsRefusedWithTheReason() {
        ChangeBatch batch = batch(new TableName("shop", "sluice"), "version:{shop:items:A-1}");

        assertThatThrownBy(() -> new KeyTemplate("{table}:{key}")
                        .bind(batch)
                        .keyOf(batch.rows().getFirst()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sluice:version:{shop:items:A-1}")
                .hasMessageContaining("Sluice's own");
    }

    private static ChangeBatch batch(TableName table, String key) {
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                table,
                List.of(new Column("sku", "text", true)),
                List.of(new Row(Op.INSERT, 10, 1, Instant.now(), List.of(key), List.of())));
    }
}
