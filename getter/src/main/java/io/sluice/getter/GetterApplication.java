package io.sluice.getter;

import io.sluice.common.SluiceApplications;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The getter service: PostgreSQL change data capture into {@code sluice.raw}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GetterApplication {

    public static SpringApplication create() {
        return SluiceApplications.create(GetterApplication.class, "getter-defaults.properties");
    }

    public static void main(String[] args) {
        create().run(args);
    }
}
