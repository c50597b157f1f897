package io.sluice.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.springframework.boot.SpringApplication;

/**
 * Builds each service's {@link SpringApplication} with Sluice's defaults (shared ones, then the service's own) as the
 * lowest-precedence properties, so that any {@code application.yml}, environment variable or flag overrides them, and
 * so that several services can run in one JVM (tests, quickstart) without reading each other's defaults.
 */
public final class SluiceApplications {

    private SluiceApplications() {}

    /**
     * @param application the {@code @SpringBootApplication} class
     * @param defaultsResource classpath resource with the service's defaults, next to the application class
     */
    public static SpringApplication create(Class<?> application, String defaultsResource) {
        Properties defaults = new Properties();
        load(defaults, SluiceApplications.class, "sluice-defaults.properties");
        load(defaults, application, defaultsResource);
        SpringApplication app = new SpringApplication(application);
        app.setDefaultProperties(defaults);
        return app;
    }

    private static void load(Properties into, Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing defaults " + resource + " next to " + anchor.getName());
            }
            into.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
