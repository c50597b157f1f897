package io.sluice.monitor;

import io.sluice.common.SluiceApplications;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The monitor service: Prometheus metrics into reports (HTML with charts, CSV, JSON), on a schedule and on demand. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class MonitorApplication {

    public static SpringApplication create() {
        return SluiceApplications.create(MonitorApplication.class, "monitor-defaults.properties");
    }

    public static void main(String[] args) {
        create().run(args);
    }
}
