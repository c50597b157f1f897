package io.sluice.loader;

import io.sluice.common.SluiceApplications;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The loader service: COPY and versioned merge of clean batches into the target PostgreSQL. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class LoaderApplication {

    public static SpringApplication create() {
        return SluiceApplications.create(LoaderApplication.class, "loader-defaults.properties");
    }

    public static void main(String[] args) {
        create().run(args);
    }
}
