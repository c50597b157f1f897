package io.sluice.handler.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pipeline files: steps shape a batch as written; a bad file stops start-up saying where and why. */
class PipelineFilesTest {

    private static final TableName ORDERS = new TableName("public", "orders");
    private static final List<StepType> TYPES = List.of(
            new ColumnSteps.Rename(),
            new ColumnSteps.Select(),
            new ColumnSteps.Drop(),
            new ColumnSteps.Default(),
            new CastStep(),
            new MaskStep(),
            new ExpressionSteps.Filter(),
            new ExpressionSteps.Compute(),
            new RouteStep());

    @TempDir
    Path dir;

    @Test
    void stepsRenameCastFilterComputeMaskDefaultAndDropInOrder() throws Exception {
        Pipelines pipelines = read("""
                pipelines:
                  public.orders:
                    - rename: {amount: amount_cny}
                    - cast: {amount_cny: numeric}
                    - filter: "amount_cny > 0"
                    - compute: {big: "amount_cny >= 100", email_domain: "email.substring(email.indexOf('@') + 1)"}
                    - mask: {email: {sha256: pepper}, phone: keep-last-4}
                    - default: {note: none}
                    - drop: [internal]
                """);
        ChangeBatch input = orders(
                row(1, " 150.50 ", "ann@example.com", "13800138000", null),
                row(2, "-3", "bob@example.com", "13900139000", "x"),
                row(3, "lots", "cy@example.com", "1", "y"));

        WorkingBatch batch = apply(pipelines, input);

        ChangeBatch out = batch.output();
        assertThat(out.columns().stream().map(Column::name))
                .containsExactly("id", "amount_cny", "email", "phone", "note", "big", "email_domain");
        assertThat(out.columns().get(1).type()).isEqualTo("numeric");
        assertThat(out.rows()).hasSize(1);
        assertThat(out.rows().get(0).values())
                .containsExactly(
                        "1",
                        "150.50",
                        "831740710d6a8225c6ad8e71610353afdfcf9f6a3caa448dc11ab17a513081c2", // sha256("pepper" + email)
                        "*******8000",
                        "none",
                        "true",
                        "example.com");
        assertThat(batch.dropped()).isEqualTo(1); // -3 is filtered
        assertThat(batch.rejectedBatches())
                .containsOnlyKeys("step cast, column amount_cny: 'lots' is not a valid numeric");
    }

    @Test
    void theSameSaltGivesTheSameHashSoMaskedKeysStillJoin() throws Exception {
        Pipelines pipelines = read("""
                pipelines:
                  "*":
                    - mask: {email: {sha256: pepper}}
                """);
        String first = apply(pipelines, orders(row(1, "1", "ann@example.com", "1", null)))
                .output()
                .rows()
                .get(0)
                .values()
                .get(2);
        String again = apply(pipelines, orders(row(9, "2", "ann@example.com", "2", null)))
                .output()
                .rows()
                .get(0)
                .values()
                .get(2);
        assertThat(first).isEqualTo(again);
    }

    @Test
    void aPatternNamingTheSourceWinsForThatSourceOnly() throws Exception {
        Pipelines pipelines = read("""
                pipelines:
                  "shop:public.orders":
                    - drop: [internal]
                  public.orders:
                    - drop: [note]
                """);
        assertThat(pipelines.forTable("shop", ORDERS))
                .singleElement()
                .satisfies(s -> assertThat(s.pipeline()).isEqualTo("shop:public.orders"));
        assertThat(pipelines.forTable("crm", ORDERS))
                .singleElement()
                .satisfies(s -> assertThat(s.pipeline()).isEqualTo("public.orders"));
    }

    @Test
    void anUnknownStepIsReportedWithFileAndLine() {
        assertThatThrownBy(() -> read("""
                        pipelines:
                          public.orders:
                            - rename: {a: b}
                            - explode: {a: 1}
                        """))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("pipelines.yml:4")
                .hasMessageContaining("unknown step 'explode'");
    }

    @Test
    void aMisspeltOrMalformedRouteOptionIsReportedWithFileAndLine() {
        assertThatThrownBy(() -> read("""
                        pipelines:
                          public.orders:
                            - rename: {a: b}
                            - route: {target: [eu]}
                        """))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("pipelines.yml:4")
                .hasMessageContaining("unknown option 'target'; route takes targets, table");
        assertThatThrownBy(() -> read("""
                        pipelines:
                          public.orders:
                            - route: {table: "a.b.c"}
                        """))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("pipelines.yml:3")
                .hasMessageContaining("table: ");
    }

    @Test
    void aBadExpressionIsReportedWithFileAndLine() {
        assertThatThrownBy(() -> read("""
                        pipelines:
                          public.orders:
                            - filter: "amount >"
                        """))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("pipelines.yml:3")
                .hasMessageContaining("bad expression");
    }

    @Test
    void expressionsCannotReachTypesOrBeans() throws Exception {
        for (String expression : List.of(
                "T(java.lang.Runtime).getRuntime().exec('true')",
                "email.getClass().forName('java.lang.Runtime')",
                "new java.io.File('/tmp/x').delete()",
                "@someBean")) {
            Pipelines pipelines = read("""
                    pipelines:
                      public.orders:
                        - compute: {x: "%s"}
                    """.formatted(expression));
            // Refused run after run: a run that passed would have been compiled and would pass from then on.
            for (int run = 0; run < 3; run++) {
                WorkingBatch batch = apply(pipelines, orders(row(1, "1", "a@b", "1", null)));
                assertThat(batch.output().rows()).as(expression).isEmpty();
                assertThat(batch.rejected()).as(expression).hasSize(1);
            }
        }
    }

    @Test
    void compiledExpressionsStillRejectTheRowTheyCannotHandleAndGoOnWithTheOthers() throws Exception {
        Pipelines pipelines = read("""
                pipelines:
                  public.orders:
                    - compute: {email_length: "email.length()"}
                """);
        for (int i = 0; i < 3; i++) { // the first batch runs interpreted, then the expression is compiled
            assertThat(apply(pipelines, orders(row(1, "1", "ann@example.com", "1", null)))
                            .output()
                            .rows())
                    .singleElement()
                    .satisfies(r -> assertThat(r.values().getLast()).isEqualTo("15"));
        }
        WorkingBatch batch = apply(pipelines, orders(row(1, "1", null, "1", null), row(2, "1", "bo@x.cn", "1", null)));
        assertThat(batch.rejected())
                .singleElement()
                .satisfies(r -> assertThat(r.row().values().getFirst()).isEqualTo("1"));
        assertThat(batch.output().rows())
                .singleElement()
                .satisfies(r -> assertThat(r.values().getLast()).isEqualTo("7"));
    }

    @Test
    void aFilterOnATypedColumnKeepsTheSameRowsCompiledAsInterpretedWhateverTheValues() throws Exception {
        Pipelines pipelines = read("""
                pipelines:
                  public.orders:
                    - filter: "amount > 10"
                """);
        List<Column> typed = List.of(new Column("id", "bigint", true), new Column("amount", "bigint", false));
        // The first batch runs interpreted, later ones compiled; a NULL makes compiled code fall back, not fail.
        for (int i = 0; i < 4; i++) {
            WorkingBatch batch = apply(
                    pipelines,
                    new ChangeBatch(
                            "shop",
                            Origin.CDC,
                            ORDERS,
                            typed,
                            List.of(typedRow(1, "5"), typedRow(2, "20"), typedRow(3, null), typedRow(4, "11"))));
            assertThat(batch.output().rows())
                    .extracting(r -> r.values().getFirst())
                    .containsExactly("2", "4");
            assertThat(batch.dropped()).isEqualTo(2);
            assertThat(batch.rejected()).isEmpty();
        }
        // The column turns to text: the compiled code no longer fits, and the rows say why they are rejected.
        WorkingBatch changed = apply(
                pipelines,
                new ChangeBatch(
                        "shop",
                        Origin.CDC,
                        ORDERS,
                        List.of(new Column("id", "bigint", true), new Column("amount", "text", false)),
                        List.of(typedRow(5, "a lot"))));
        assertThat(changed.output().rows()).isEmpty();
        assertThat(changed.rejected())
                .singleElement()
                .satisfies(r -> assertThat(r.reason()).isNotBlank());
    }

    private static Row typedRow(long id, String amount) {
        return new Row(Op.INSERT, 10, id, Instant.now(), Arrays.asList(Long.toString(id), amount), List.of());
    }

    private Pipelines read(String yaml) throws Exception {
        Path file = dir.resolve("pipelines.yml");
        Files.writeString(file, yaml);
        return new PipelineFiles(TYPES).read(file);
    }

    private static WorkingBatch apply(Pipelines pipelines, ChangeBatch input) {
        WorkingBatch batch = new WorkingBatch(input);
        pipelines.forTable(input.table()).forEach(step -> step.step().apply(batch));
        return batch;
    }

    private static ChangeBatch orders(Row... rows) {
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                ORDERS,
                List.of(
                        new Column("id", "bigint", true),
                        new Column("amount", "text", false),
                        new Column("email", "text", false),
                        new Column("phone", "text", false),
                        new Column("note", "text", false),
                        new Column("internal", "text", false)),
                List.of(rows));
    }

    private static Row row(long id, String amount, String email, String phone, String note) {
        return new Row(
                Op.INSERT,
                10,
                id,
                Instant.now(),
                Arrays.asList(Long.toString(id), amount, email, phone, note, "secret"),
                List.of());
    }
}
