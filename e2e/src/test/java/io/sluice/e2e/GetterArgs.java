package io.sluice.e2e;

import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceArgs;
import io.sluice.testkit.TestDatabase;

/** The e2e tests' getter: source {@code shop}, its slot named after the source database; extra arguments win. */
final class GetterArgs {

    private GetterArgs() {}

    static String[] of(String prefix, TestDatabase source, TestDatabase state, String... extra) {
        return RabbitBroker.get()
                .serviceArgs(
                        prefix,
                        ServiceArgs.merge(
                                new String[] {
                                    "--spring.datasource.url=" + state.jdbcUrl(),
                                    "--sluice.getter.cdc.sources[0].name=shop",
                                    "--sluice.getter.cdc.sources[0].url=" + source.jdbcUrl(),
                                    "--sluice.getter.cdc.sources[0].slot=" + source.name(),
                                    "--sluice.getter.cdc.status-interval=500ms"
                                },
                                extra));
    }
}
