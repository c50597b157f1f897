package io.sluice.handler.pipeline;

import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelCompilerMode;
import org.springframework.expression.spel.SpelParserConfiguration;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.MapAccessor;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * {@code filter: "<expression>"} keeps the rows for which it is true; {@code compute: {column: "<expression>"}} sets
 * or adds a column. Expressions are SpEL in a {@link SimpleEvaluationContext}: columns by name, typed by their column
 * (numbers, booleans, dates), operators and methods on values — no type references, beans or constructors, so a
 * config file cannot run arbitrary code. A row whose expression throws is rejected with the reason.
 */
final class ExpressionSteps {

    /** MIXED: compiled code with the interpreter as fallback (see {@link #compile}). */
    private static final SpelExpressionParser PARSER = new SpelExpressionParser(
            new SpelParserConfiguration(SpelCompilerMode.MIXED, ExpressionSteps.class.getClassLoader()));

    private ExpressionSteps() {}

    static Expression parse(StepConfig config, String text) {
        try {
            return PARSER.parseExpression(text);
        } catch (ParseException e) {
            throw config.error("bad expression '" + text + "': " + e.getSimpleMessage());
        }
    }

    /**
     * The row's values by column name, typed, parsed only when the expression reads them (a filter on one column does
     * not parse the row's timestamps); unsent (unchanged) values are null.
     */
    static Map<String, Object> variables(WorkingBatch batch, WorkingBatch.WorkingRow row) {
        List<Column> columns = batch.columns();
        return new AbstractMap<>() {
            @Override
            public boolean containsKey(Object name) {
                return batch.indexOf((String) name) >= 0;
            }

            @Override
            public Object get(Object name) {
                int at = batch.indexOf((String) name);
                return at < 0
                        ? null
                        : TypedValues.parse(row.value(at), columns.get(at).type());
            }

            @Override
            public Set<Entry<String, Object>> entrySet() {
                Map<String, Object> all = new HashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    all.put(
                            columns.get(i).name(),
                            TypedValues.parse(row.value(i), columns.get(i).type()));
                }
                return all.entrySet();
            }
        };
    }

    /**
     * Compiles an expression to bytecode once a batch has run it interpreted (which tells SpEL the values' types):
     * SpEL's MIXED mode does not get there by itself on these evaluations. If a later value does not fit the compiled
     * code, SpEL falls back to the interpreter for it and the next batch compiles again; an expression SpEL cannot
     * compile (a comparison of untyped map values) stays interpreted, and SpEL stops trying after 100 attempts.
     */
    static void compile(Expression expression) {
        if (expression instanceof SpelExpression spel) {
            spel.compileExpression();
        }
    }

    static EvaluationContext context() {
        return SimpleEvaluationContext.forPropertyAccessors(new MapAccessor(false))
                .withInstanceMethods()
                .build();
    }

    static final class Filter implements StepType {
        @Override
        public String name() {
            return "filter";
        }

        @Override
        public Step create(StepConfig config) {
            Expression expression = parse(config, config.text());
            EvaluationContext context = context();
            return batch -> {
                for (WorkingBatch.WorkingRow row : new ArrayList<>(batch.rows())) {
                    if (row.op() == Op.DELETE) {
                        continue; // a delete of a row that passed earlier must still reach the target
                    }
                    try {
                        Boolean keep = expression.getValue(context, variables(batch, row), Boolean.class);
                        if (!Boolean.TRUE.equals(keep)) {
                            batch.drop(row);
                        }
                    } catch (RuntimeException e) {
                        batch.reject(row, name(), null, e.getMessage());
                    }
                }
                compile(expression);
            };
        }
    }

    static final class Compute implements StepType {
        @Override
        public String name() {
            return "compute";
        }

        @Override
        public Step create(StepConfig config) {
            Map<String, Expression> expressions = new java.util.LinkedHashMap<>();
            config.entries().forEach((column, text) -> expressions.put(column, parse(text, text.text())));
            EvaluationContext context = context();
            return batch -> expressions.forEach((column, expression) -> {
                if (batch.indexOf(column) < 0) {
                    batch.addColumn(new Column(column, "text", false), row -> null);
                }
                int at = batch.indexOf(column);
                String type = batch.columns().get(at).type();
                for (WorkingBatch.WorkingRow row : new ArrayList<>(batch.rows())) {
                    if (row.op() == Op.DELETE) {
                        continue;
                    }
                    try {
                        row.set(at, TypedValues.format(expression.getValue(context, variables(batch, row)), type));
                    } catch (RuntimeException e) {
                        batch.reject(row, name(), column, e.getMessage());
                    }
                }
                compile(expression);
            });
        }
    }
}
