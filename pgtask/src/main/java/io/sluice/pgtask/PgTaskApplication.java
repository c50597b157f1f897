package io.sluice.pgtask;

import io.sluice.common.SluiceApplications;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The pgtask service: scheduled jobs on the source and target databases : partitions, slow-query statistics, data checks, tombstone purge. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PgTaskApplication {

    public static SpringApplication create() {
        return SluiceApplications.create(PgTaskApplication.class, "pgtask-defaults.properties");
    }

    public static void main(String[] args) {
        create().run(args);
    }
}
