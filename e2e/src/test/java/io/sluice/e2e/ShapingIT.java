package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.getter.GetterApplication;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A row renamed, masked, enriched by lookup and geo matching, and routed to another table by the handler lands in a
 * target table the loader created for it.
 */
class ShapingIT {

    private final TestDatabase source = TestPostgres.get().newDatabase("shaping_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("shaping_target");
    private final String prefix = RabbitBroker.uniquePrefix("shaping");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        services.reversed().forEach(ConfigurableApplicationContext::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void aMaskedEnrichedRenamedRowLandsInTheTarget() throws Exception {
        source.execute("CREATE TABLE customers (id int8 PRIMARY KEY, name text, email text, city_id int8,"
                + " lon float8, lat float8)");
        // Reference data lives in the warehouse here: cities for the lookup, districts for geo matching.
        target.execute(
                "CREATE TABLE cities (id int8 PRIMARY KEY, city text)",
                "INSERT INTO cities VALUES (1, 'Hangzhou'), (2, 'Shanghai')",
                "CREATE TABLE districts (id text PRIMARY KEY, wkt text)",
                "INSERT INTO districts VALUES ('xihu', 'POLYGON((120 30, 120.2 30, 120.2 30.4, 120 30.4, 120 30))')");
        Path pipeline = dir.resolve("pipelines.yml");
        Files.writeString(pipeline, """
                pipelines:
                  public.customers:
                    - rename: {name: full_name}
                    - mask: {email: {sha256: pepper}}
                    - lookup: {table: public.cities, key: city_id, on: id, columns: [city]}
                    - geo: {lon: lon, lat: lat, regions: public.districts, id: id, shape: wkt, column: district}
                    - drop: [lon, lat]
                    - route: {table: dw.customers}
                """);
        services.add(LoaderApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + target.jdbcUrl(),
                                "--sluice.loader.allowed-targets=dw.*"))); // where the route sends the rows
        services.add(HandlerApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--sluice.handler.pipelines=" + pipeline,
                                "--sluice.handler.reference.url=" + target.jdbcUrl())));
        services.add(GetterApplication.create().run(GetterArgs.of(prefix, source, target)));

        source.execute("INSERT INTO customers VALUES (1, 'Ann Li', 'ann@example.com', 1, 120.1, 30.2),"
                + " (2, 'Bo Wang', 'bo@example.com', 3, 121.5, 31.2)");

        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> target.queryLong("SELECT count(*) FROM dw.customers") == 2);
        assertThat(target.query("SELECT id, full_name, email = encode(sha256(convert_to('pepper' || 'ann@example.com',"
                        + " 'UTF8')), 'hex'), city, district FROM dw.customers ORDER BY id"))
                .containsExactly(
                        List.of(1L, "Ann Li", true, "Hangzhou", "xihu"),
                        java.util.Arrays.asList(2L, "Bo Wang", false, null, null));
        assertThat(target.queryLong("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'dw'"
                        + " AND table_name = 'customers' AND column_name IN ('lon', 'lat', 'name')"))
                .isZero();
    }
}
