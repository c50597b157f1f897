package io.sluice.bench;

import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The whole pipeline for an end-to-end benchmark: loader, handler and getter, each its own JVM, in that order. */
final class BenchPipeline {

    /** What every service writes: {@code SLUICE_BENCH_FORMAT=binary} measures the binary batch body. */
    private static final String FORMAT =
            "--sluice.amqp.format=" + System.getenv().getOrDefault("SLUICE_BENCH_FORMAT", "json");

    private BenchPipeline() {}

    /**
     * Starts the three services on one prefix; the getter captures {@code source} as source {@code name} (slot of the
     * same name), keeping its state in the target; {@code getterArgs} add to that.
     */
    static List<ServiceProcess> start(
            RabbitBroker broker,
            String prefix,
            String name,
            TestDatabase source,
            TestDatabase target,
            String... getterArgs)
            throws Exception {
        List<ServiceProcess> services = new ArrayList<>();
        try {
            services.add(ServiceProcess.start(
                    "loader",
                    "512m",
                    List.of(broker.serviceArgs(prefix, FORMAT, "--spring.datasource.url=" + target.jdbcUrl()))));
            services.add(ServiceProcess.start("handler", "512m", List.of(broker.serviceArgs(prefix, FORMAT))));
            String[] getter = Stream.concat(
                            Stream.of(
                                    FORMAT,
                                    "--spring.datasource.url=" + target.jdbcUrl(),
                                    "--sluice.getter.cdc.sources[0].name=" + name,
                                    "--sluice.getter.cdc.sources[0].url=" + source.jdbcUrl(),
                                    "--sluice.getter.cdc.sources[0].slot=" + name),
                            Stream.of(getterArgs))
                    .toArray(String[]::new);
            services.add(ServiceProcess.start("getter", "512m", List.of(broker.serviceArgs(prefix, getter))));
            return services;
        } catch (Exception e) {
            services.forEach(ServiceProcess::close);
            throw e;
        }
    }
}
