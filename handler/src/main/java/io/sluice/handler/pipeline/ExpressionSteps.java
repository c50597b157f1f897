package io.sluice.handler.pipeline;

import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.PropertyAccessor;
import org.springframework.expression.spel.SpelCompilerMode;
import org.springframework.expression.spel.SpelEvaluationException;
import org.springframework.expression.spel.SpelMessage;
import org.springframework.expression.spel.SpelParserConfiguration;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.DataBindingMethodResolver;
import org.springframework.expression.spel.support.StandardEvaluationContext;

/**
 * {@code filter: "<expression>"} keeps the rows for which it is true; {@code compute: {column: "<expression>"}} sets
 * or adds a column. Expressions are SpEL with {@link #restricted} rules: columns by name, typed by their column
 * (numbers, booleans, dates; see {@link ColumnAccessor}), operators and methods on values — no type references, beans or constructors, so a
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
     * Compiles an expression to bytecode once a batch has run it interpreted (which tells SpEL the values' types):
     * SpEL's MIXED mode does not get there by itself on these evaluations. If a later value does not fit the compiled
     * code, SpEL falls back to the interpreter for it and the next batch compiles again; an expression SpEL cannot
     * compile stays interpreted, and SpEL stops trying after 100 attempts.
     */
    static void compile(Expression expression) {
        if (expression instanceof SpelExpression spel) {
            spel.compileExpression();
        }
    }

    /**
     * Evaluation contexts by the batch's columns: each column readable by name with its Java type, methods on values
     * allowed, nothing else. Built once per shape of batch (columns change rarely).
     */
    static final class Contexts {
        private static final int MAX_SHAPES = 64;
        private final Map<List<Column>, EvaluationContext> byColumns = new ConcurrentHashMap<>();
        private final boolean narrowIntegers;

        /**
         * @param narrowIntegers read {@code integer} columns as Integer (filters: comparisons with int literals
         *     compile), not Long (compute: arithmetic on Integer would wrap around where PostgreSQL raises an error)
         */
        Contexts(boolean narrowIntegers) {
            this.narrowIntegers = narrowIntegers;
        }

        EvaluationContext of(WorkingBatch batch) {
            List<Column> columns = batch.columns();
            EvaluationContext context = byColumns.get(columns);
            if (context == null) {
                if (byColumns.size() >= MAX_SHAPES) {
                    byColumns.clear();
                }
                context = restricted(columns.stream()
                        .map(c -> (PropertyAccessor)
                                new ColumnAccessor(c.name(), TypedValues.javaType(c.type(), narrowIntegers)))
                        .toList());
                byColumns.put(List.copyOf(columns), context);
            }
            return context;
        }
    }

    /**
     * What {@code SimpleEvaluationContext.forPropertyAccessors(...).withInstanceMethods()} allows — the columns, instance
     * methods on values; no types, constructors or beans — in a {@link StandardEvaluationContext}, because a simple one
     * refuses compiled code ({@code isCompilationSupported() == false}) and every row would run interpreted. Compiled code
     * does only what the interpreted first run resolved under these rules.
     */
    static EvaluationContext restricted(List<PropertyAccessor> columns) {
        StandardEvaluationContext context = new StandardEvaluationContext();
        context.setPropertyAccessors(columns);
        context.setMethodResolvers(List.of(DataBindingMethodResolver.forInstanceMethodInvocation()));
        context.setConstructorResolvers(List.of());
        context.setTypeLocator(type -> {
            throw new SpelEvaluationException(SpelMessage.TYPE_NOT_FOUND, type);
        });
        return context;
    }

    static final class Filter implements StepType {
        @Override
        public String name() {
            return "filter";
        }

        @Override
        public Step create(StepConfig config) {
            Expression expression = parse(config, config.text());
            Contexts contexts = new Contexts(true);
            return batch -> {
                EvaluationContext context = contexts.of(batch);
                RowValues values = new RowValues(batch);
                for (WorkingBatch.WorkingRow row : batch.rows()) {
                    if (row.op() == Op.DELETE) {
                        continue; // a delete of a row that passed earlier must still reach the target
                    }
                    try {
                        // No expected type: SpEL would pass even a Boolean through its conversion service, per row.
                        Object keep = expression.getValue(context, values.at(row));
                        if (keep != null && !(keep instanceof Boolean)) {
                            throw new IllegalArgumentException("the filter gave " + keep + ", not true or false");
                        }
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
            Contexts contexts = new Contexts(false);
            return batch -> expressions.forEach((column, expression) -> {
                if (batch.indexOf(column) < 0) {
                    batch.addColumn(new Column(column, "text", false), row -> null);
                }
                EvaluationContext context = contexts.of(batch);
                RowValues values = new RowValues(batch);
                int at = batch.indexOf(column);
                String type = batch.columns().get(at).type();
                for (WorkingBatch.WorkingRow row : batch.rows()) {
                    if (row.op() == Op.DELETE) {
                        continue;
                    }
                    try {
                        row.set(at, TypedValues.format(expression.getValue(context, values.at(row)), type));
                    } catch (RuntimeException e) {
                        batch.reject(row, name(), column, e.getMessage());
                    }
                }
                compile(expression);
            });
        }
    }
}
