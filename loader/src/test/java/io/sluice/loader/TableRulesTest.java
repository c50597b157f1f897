package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.pg.TableName;
import io.sluice.loader.TableRule.DeleteMode;
import io.sluice.loader.TableRule.WriteMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A table's own rule wins over its schema's, which wins over {@code *}, field by field. */
class TableRulesTest {

    private final TableRules rules = new TableRules(Map.of(
            "*", new TableRule(null, WriteMode.APPEND, DeleteMode.HARD, Map.of("a", "x"), true, null),
            "shop.*", new TableRule(null, null, DeleteMode.SOFT, Map.of("a", "y", "b", "z"), null, null),
            "shop.items", new TableRule("dw.items", null, null, Map.of("b", "w"), null, null)));

    @Test
    void eachFieldComesFromTheMostSpecificRuleThatSetsIt() {
        TargetSpec items = rules.resolve(new TableName("shop", "items"), true, true);

        assertThat(items.table()).isEqualTo(new TableName("dw", "items"));
        assertThat(items.mode()).isEqualTo(WriteMode.APPEND);
        assertThat(items.deletes()).isEqualTo(DeleteMode.SOFT);
        assertThat(items.truncate()).isTrue();
        assertThat(items.columnName("a")).isEqualTo("y");
        assertThat(items.columnName("b")).isEqualTo("w");
    }

    @Test
    void aTableNoRuleNamesTakesTheSchemasAndThenTheDefault() {
        assertThat(rules.resolve(new TableName("shop", "orders"), true, true).deletes())
                .isEqualTo(DeleteMode.SOFT);
        assertThat(rules.resolve(new TableName("crm", "users"), true, true).deletes())
                .isEqualTo(DeleteMode.HARD);
        assertThat(rules.targetOf(new TableName("crm", "users"))).isEqualTo(new TableName("crm", "users"));
    }
}
