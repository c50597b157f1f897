package io.sluice.getter.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.SluiceAmqpProperties;
import io.sluice.common.pause.StagePause;
import io.sluice.getter.RawBatchPublisher;
import io.sluice.getter.Workers;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.transaction.support.TransactionTemplate;

/** Wires change data capture, one runner per configured source, when {@code sluice.getter.cdc.enabled}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "sluice.getter.cdc", name = "enabled", matchIfMissing = true)
class CdcConfiguration {

    @Bean
    SnapshotStore snapshotStore(DataSource dataSource, TransactionTemplate transactions) {
        return new SnapshotStore(dataSource, transactions);
    }

    @Bean
    CaptureHealth captureHealth(ChangeCapture capture) {
        return new CaptureHealth(capture);
    }

    @Bean(destroyMethod = "close")
    RawBatchPublisher rawBatchPublisher(
            CdcProperties properties,
            ConfirmedPublisher publisher,
            BatchMessages messages,
            SluiceAmqpProperties amqp,
            MeterRegistry meters) {
        return new RawBatchPublisher(
                "cdc",
                publisher,
                messages,
                amqp.topology(),
                meters,
                properties.maxInFlightBytes().toBytes());
    }

    @Bean
    ChangeCapture changeCapture(
            CdcProperties properties,
            RawBatchPublisher rawBatchPublisher,
            SnapshotStore store,
            MeterRegistry meters,
            Environment environment,
            StagePause pause) {
        // A getter must read something: changes, files, or both.
        if (properties.sources().isEmpty() && !environment.containsProperty("sluice.getter.files.sources[0].name")) {
            throw new IllegalStateException("nothing to read: configure a CDC source (sluice.getter.cdc.sources[0].name"
                    + " and .url) or a file source (sluice.getter.files.sources[0].name…)");
        }
        Set<String> names = new HashSet<>();
        for (CdcProperties.Source source : properties.sources()) {
            if (!names.add(source.name())) {
                throw new IllegalStateException("two CDC sources are named '" + source.name() + "'");
            }
        }
        return new ChangeCapture(properties.sources().stream()
                .map(source -> new ReplicationRunner(
                        source,
                        properties,
                        rawBatchPublisher,
                        store,
                        new Snapshotter(source, properties, store, rawBatchPublisher::publish, meters),
                        meters,
                        pause))
                .toList());
    }

    /** {@code sluice pause getter}: change capture stops reading, every slot holds its confirmed position. */
    @Bean
    StagePause stagePause(MeterRegistry meters) {
        return new StagePause(io.sluice.common.amqp.Topology.Stage.GETTER, meters);
    }

    /** Starts every source's runner with the application and stops them with it. */
    static final class ChangeCapture extends Workers<ReplicationRunner> {

        ChangeCapture(List<ReplicationRunner> runners) {
            super(runners, ReplicationRunner::start, ReplicationRunner::stop);
        }

        List<ReplicationRunner> runners() {
            return members();
        }
    }
}
