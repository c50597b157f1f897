package io.sluice.loader;

import io.sluice.common.SluiceApplications;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The loader service: writes clean batches to its sink — by default COPY and a versioned merge into PostgreSQL. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class LoaderApplication {

    public static SpringApplication create() {
        SpringApplication application =
                SluiceApplications.create(LoaderApplication.class, "loader-defaults.properties");
        application.addListeners(new SinkEnvironment());
        return application;
    }

    public static void main(String[] args) {
        create().run(args);
    }
}
