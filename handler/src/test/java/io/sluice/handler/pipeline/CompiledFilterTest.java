package io.sluice.handler.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.spel.standard.SpelExpression;

/** Expressions over typed columns compile to bytecode (SpEL cannot compile comparisons of untyped map values). */
class CompiledFilterTest {

    @Test
    void aComparisonOfATypedColumnCompiles() {
        WorkingBatch batch = new WorkingBatch(new ChangeBatch(
                "shop",
                Origin.CDC,
                new TableName("public", "orders"),
                List.of(new Column("id", "bigint", true), new Column("kind", "integer", false)),
                List.of(new Row(Op.INSERT, 1, 1, Instant.now(), List.of("1", "7"), List.of()))));
        SpelExpression filter = (SpelExpression) ExpressionSteps.parse(null, "kind >= 0 and id < 100L");
        EvaluationContext context = new ExpressionSteps.Contexts(true).of(batch);
        RowValues values = new RowValues(batch).at(batch.rows().getFirst());

        assertThat(filter.getValue(context, values, Boolean.class)).isTrue(); // interpreted: learns the types
        assertThat(filter.compileExpression()).as("compiled").isTrue();
        assertThat(filter.getValue(context, values, Boolean.class)).isTrue();
    }
}
