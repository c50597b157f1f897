package io.sluice.handler;

import io.sluice.common.SluiceApplications;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The handler service: shapes batches from {@code sluice.raw} into {@code sluice.clean}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class HandlerApplication {

    public static SpringApplication create() {
        return SluiceApplications.create(HandlerApplication.class, "handler-defaults.properties");
    }

    public static void main(String[] args) {
        create().run(args);
    }
}
