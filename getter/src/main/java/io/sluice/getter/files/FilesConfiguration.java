package io.sluice.getter.files;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.ProcessName;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.SluiceAmqpProperties;
import io.sluice.getter.RawBatchPublisher;
import io.sluice.getter.Workers;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires file ingestion, one loop per configured source, when {@code sluice.getter.files.sources} has any. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "sluice.getter.files.sources[0]", name = "name")
class FilesConfiguration {

    @Bean(destroyMethod = "close")
    RawBatchPublisher fileBatchPublisher(
            FileProperties properties,
            ConfirmedPublisher publisher,
            BatchMessages messages,
            SluiceAmqpProperties amqp,
            MeterRegistry meters) {
        return new RawBatchPublisher(
                "file",
                publisher,
                messages,
                amqp.topology(),
                meters,
                properties.maxInFlightBytes().toBytes());
    }

    @Bean
    FileLedger fileLedger(DataSource dataSource) {
        return new FileLedger(dataSource);
    }

    @Bean
    FileIngestions fileIngestions(
            FileProperties properties,
            FileLedger ledger,
            RawBatchPublisher fileBatchPublisher,
            ConfirmedPublisher publisher,
            SluiceAmqpProperties amqp,
            MeterRegistry meters) {
        String owner = properties.owner() != null ? properties.owner() : ProcessName.current();
        Set<String> names = new HashSet<>();
        List<FileIngestion> ingestions = properties.sources().stream()
                .map(config -> {
                    if (!names.add(config.name())) {
                        throw new IllegalStateException("two file sources are named '" + config.name() + "'");
                    }
                    FileSource source = new FileSource(config, FilesConfiguration::s3Store);
                    FileLoad load = new FileLoad(
                            source,
                            ledger,
                            owner,
                            fileBatchPublisher,
                            publisher,
                            amqp.topology(),
                            properties.maxBatchRows(),
                            properties.progressInterval(),
                            meters);
                    return new FileIngestion(
                            source, ledger, load, owner, properties.lease(), properties.pollInterval(), meters);
                })
                .toList();
        return new FileIngestions(ingestions);
    }

    @Bean
    FilesHealth filesHealthIndicator(FileIngestions fileIngestions) {
        return new FilesHealth(fileIngestions);
    }

    /** The store of an S3 source: its bucket and prefix, through a client of its own. */
    static FileStore s3Store(FileProperties.Source config) {
        return new S3Store(
                config.s3().client(), config.s3().bucket(), config.s3().folder(), config.glob(), config.marker());
    }

    /** Starts every source's loop with the application and stops them with it. */
    static final class FileIngestions extends Workers<FileIngestion> {

        FileIngestions(List<FileIngestion> ingestions) {
            super(ingestions, FileIngestion::start, FileIngestion::stop);
        }

        List<FileIngestion> ingestions() {
            return members();
        }
    }
}
