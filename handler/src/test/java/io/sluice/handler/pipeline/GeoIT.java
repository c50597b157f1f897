package io.sluice.handler.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/** Geo matching against region polygons kept as WKT in a reference table. */
class GeoIT {

    private final TestDatabase reference = TestPostgres.get().newDatabase("geo_ref");
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();

    @TempDir
    Path dir;

    @Test
    void pointsGetTheRegionThatCoversThemAndABadCoordinateRejectsItsRow() throws Exception {
        reference.execute(
                "CREATE TABLE regions (id text PRIMARY KEY, boundary text)",
                // Two squares side by side and a triangle above the first one.
                "INSERT INTO regions VALUES ('west', 'POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))'),"
                        + " ('east', 'POLYGON((10 0, 20 0, 20 10, 10 10, 10 0))'),"
                        + " ('north', 'POLYGON((0 10, 10 10, 10 20, 0 10))')");
        dataSource.setURL(reference.jdbcUrl());
        Path file = dir.resolve("geo.yml");
        Files.writeString(file, """
                pipelines:
                  public.trips:
                    - geo: {lon: lon, lat: lat, regions: public.regions, id: id, shape: boundary, column: region}
                """);
        Pipelines pipelines = new PipelineFiles(List.of(new GeoStep(() -> dataSource))).read(file);

        WorkingBatch batch = new WorkingBatch(new ChangeBatch(
                "app",
                Origin.CDC,
                new TableName("public", "trips"),
                List.of(
                        new Column("id", "bigint", true),
                        new Column("lon", "float8", false),
                        new Column("lat", "float8", false)),
                List.of(
                        trip(1, "5", "5"),
                        trip(2, "15.5", "2"),
                        trip(3, "2", "11"),
                        trip(4, "50", "50"),
                        trip(5, "east", "1"))));
        pipelines
                .forTable(new TableName("public", "trips"))
                .forEach(s -> s.step().apply(batch));

        assertThat(batch.output().rows().stream().map(r -> r.values().get(3)))
                .containsExactly("west", "east", "north", null);
        assertThat(batch.rejectedBatches().keySet())
                .singleElement()
                .asString()
                .startsWith("step geo, column lon/lat: not a coordinate");
    }

    @Test
    void aMissingRegionsTableStopsStartUp() throws Exception {
        dataSource.setURL(reference.jdbcUrl());
        Path file = dir.resolve("geo.yml");
        Files.writeString(file, """
                pipelines:
                  "*":
                    - geo: {lon: x, lat: y, regions: public.nowhere, id: id, shape: wkt, column: region}
                """);
        assertThatThrownBy(() -> new PipelineFiles(List.of(new GeoStep(() -> dataSource))).read(file))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("geo.yml:3")
                .hasMessageContaining("nowhere");
    }

    private static Row trip(long id, String lon, String lat) {
        return new Row(Op.INSERT, 1, id, Instant.now(), Arrays.asList(id + "", lon, lat), List.of());
    }
}
