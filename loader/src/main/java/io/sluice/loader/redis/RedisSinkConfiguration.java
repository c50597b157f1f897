package io.sluice.loader.redis;

import io.sluice.loader.ConditionalOnSink;
import io.sluice.loader.Sink;
import io.sluice.loader.SinkKind;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnection.PipeliningFlushPolicy;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The Redis sink ({@code sluice.loader.sink=redis}) on Spring Boot's Redis connection. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSink(SinkKind.REDIS)
class RedisSinkConfiguration {

    @Bean
    Sink redisSink(RedisConnectionFactory connections, RedisSinkProperties properties) {
        if (connections instanceof LettuceConnectionFactory lettuce) {
            // Spring Data flushes a pipeline after every command by default: one write per row. The sink's pipelines
            // are bounded, so each goes out in one flush.
            lettuce.setPipeliningFlushPolicy(PipeliningFlushPolicy.flushOnClose());
        }
        return new RedisSink(connections, properties);
    }
}
