package io.sluice.loader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisRepositoriesAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.health.DataRedisHealthContributorAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.health.DataRedisReactiveHealthContributorAutoConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Leaves out of the loader what its sink does not use, before the context starts: a Redis or object-storage loader
 * opens no JDBC pool, runs no Flyway and is not held unready by a database it has none of; a PostgreSQL or
 * object-storage loader connects to no Redis. Readiness then checks the broker and the sink's own store.
 */
final class SinkEnvironment implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    private static final List<Class<?>> JDBC =
            List.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class);
    /** What the Redis sink uses: the connection factory and template, and their health. */
    private static final List<Class<?>> REDIS =
            List.of(DataRedisAutoConfiguration.class, DataRedisHealthContributorAutoConfiguration.class);
    /** What no sink uses: reactive Redis and Redis repositories. */
    private static final List<Class<?>> NEVER = List.of(
            DataRedisReactiveAutoConfiguration.class,
            DataRedisRepositoriesAutoConfiguration.class,
            DataRedisReactiveHealthContributorAutoConfiguration.class);

    private static final String EXCLUDE = "spring.autoconfigure.exclude";
    private static final String READINESS = "management.endpoint.health.group.readiness.include";

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ConfigurableEnvironment environment = event.getEnvironment();
        SinkKind sink = ConditionalOnSink.OnSink.configured(Binder.get(environment));
        Set<String> exclude =
                new LinkedHashSet<>(Arrays.asList(environment.getProperty(EXCLUDE, String[].class, new String[0])));
        List<Class<?>> unused = new ArrayList<>(NEVER);
        if (sink != SinkKind.POSTGRESQL) {
            unused.addAll(JDBC);
        }
        if (sink != SinkKind.REDIS) {
            unused.addAll(REDIS);
        }
        unused.forEach(c -> exclude.add(c.getName()));
        environment.getPropertySources().addFirst(new MapPropertySource("sluiceLoaderSink", Map.of(EXCLUDE, exclude)));
        String readiness = switch (sink) {
            case POSTGRESQL -> "readinessState,rabbit,db";
            case REDIS -> "readinessState,rabbit,redis";
            case OBJECT_STORAGE -> "readinessState,rabbit,objectStorage";
        };
        // Just above the defaults: an operator's own readiness group still wins.
        MapPropertySource defaults = new MapPropertySource(
                "sluiceLoaderSinkDefaults",
                Map.of(READINESS, readiness, "management.health.redis.enabled", sink == SinkKind.REDIS));
        if (environment.getPropertySources().contains("defaultProperties")) {
            environment.getPropertySources().addBefore("defaultProperties", defaults);
        } else {
            environment.getPropertySources().addLast(defaults);
        }
    }
}
