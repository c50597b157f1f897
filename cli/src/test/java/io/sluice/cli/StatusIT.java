package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code sluice status} as the on-call engineer reads it: a work queue with messages and no consumer, dead letters by
 * reason, a service's health and slot lag, a snapshot's chunks, and the last check per table; exit code 1 while any of
 * it needs a person, 0 once it does not.
 */
class StatusIT {

    private final CliBroker broker = new CliBroker();
    private HttpServer getter;

    @AfterEach
    void cleanUp() throws Exception {
        broker.close();
        if (getter != null) {
            getter.stop(0);
        }
    }

    @Test
    void oneViewOfQueuesDeadLettersServicesSnapshotsAndChecks() throws Exception {
        TestDatabase state = TestPostgres.get().newDatabase("cli_state");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(state.jdbcUrl());
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:io/sluice/common/db/migration")
                .schemas("sluice")
                .defaultSchema("sluice")
                .createSchemas(true)
                .load()
                .migrate();
        state.execute(
                "INSERT INTO sluice.snapshots (source, slot, state) VALUES ('shop', 'sluice_shop', 'started')",
                "INSERT INTO sluice.snapshot_chunks (source, slot, table_name, chunk, first_page, end_page, state, rows)"
                        + " VALUES ('shop', 'sluice_shop', 'public.orders', 0, 0, 2048, 'done', 150000),"
                        + " ('shop', 'sluice_shop', 'public.orders', 1, 2048, 4096, 'done', 150000),"
                        + " ('shop', 'sluice_shop', 'public.orders', 2, 4096, NULL, 'pending', NULL)",
                "INSERT INTO sluice.check_results (check_name, checked_at, source_table, target_table, matched, detail)"
                        + " VALUES ('nightly', now() - interval '1 day', 'public.orders', 'public.orders', true, 'equal'),"
                        + " ('nightly', now(), 'public.orders', 'public.orders', false, '3 keys differ'),"
                        + " ('nightly', now(), 'public.items', 'public.items', true, 'source = target')");
        broker.publish("public.orders"); // waits in the handler's queue, which nothing consumes
        broker.deadLetter(Stage.LOADER, "public.orders", "value too long for type character varying(8)", 0);
        getter = actuator("UP", "sluice_slot_lag_bytes{source=\"shop\",} 1234.0\n");

        CliRun run = status(
                "--state-url",
                state.jdbcUrl(),
                "--service",
                "getter=" + url(getter),
                "--service",
                "loader=http://127.0.0.1:1");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out())
                .containsPattern(broker.topology().handlerQueue() + "\\s+1\\s+0  <- no consumer")
                .contains("loader: value too long for type character varying(8)")
                .containsPattern("getter\\s+UP\\s+slot_lag_bytes\\{source=\"shop\",}=1234")
                .containsPattern("loader\\s+UNREACHABLE")
                .containsPattern("shop\\s+sluice_shop\\s+started\\s+2/3\\s+300000")
                .containsPattern("nightly\\s+public.orders\\s+\\S+\\s+DIFFERENT 3 keys differ")
                .containsPattern("nightly\\s+public.items\\s+\\S+\\s+equal source = target");

        CliRun json = status("--json", "--state-url", state.jdbcUrl());
        JsonNode status = JsonMapper.builder().build().readTree(json.out());
        assertThat(status.get("queues").size())
                .isEqualTo(broker.topology().queues().size());
        assertThat(status.get("snapshots").get(0).get("chunksDone").asLong()).isEqualTo(2);

        // The runnable jar prints the same view and exits with the same code.
        CliRun jar = CliRun.jar(broker.args("status"));
        assertThat(jar.code()).as(jar.err()).isEqualTo(1);
        assertThat(jar.out()).containsPattern(broker.topology().handlerQueue() + "\\s+1\\s+0  <- no consumer");

        // Once the queue is consumed and every service is up, nothing needs a person: exit code 0.
        broker.take(broker.topology().handlerQueue());
        CliRun healthy = status("--service", "getter=" + url(getter));
        assertThat(healthy.code()).as(healthy.out()).isZero();
    }

    private CliRun status(String... options) {
        List<String> args = new ArrayList<>(List.of("status"));
        args.addAll(List.of(options));
        return CliRun.of(broker.args(args.toArray(String[]::new)));
    }

    /** A stand-in for a service's management port: its health and one metric, as Spring Boot serves them. */
    private static HttpServer actuator(String status, String metrics) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/actuator/health", exchange -> {
            byte[] body = ("{\"status\":\"" + status + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/actuator/prometheus", exchange -> {
            byte[] body = ("# TYPE sluice_slot_lag_bytes gauge\n" + metrics).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
