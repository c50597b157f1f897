package io.sluice.monitor;

import io.sluice.common.SluiceApplications;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The monitor service: Prometheus metrics into reports (only starts and reports health so far). */
@SpringBootApplication
public class MonitorApplication {

    public static SpringApplication create() {
        return SluiceApplications.create(MonitorApplication.class, "monitor-defaults.properties");
    }

    public static void main(String[] args) {
        create().run(args);
    }
}
