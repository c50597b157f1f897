package io.sluice.loader.redis;

import io.sluice.loader.ConditionalOnSink;
import io.sluice.loader.Sink;
import io.sluice.loader.SinkKind;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/** The Redis sink ({@code sluice.loader.sink=redis}) on Spring Boot's Redis connection. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSink(SinkKind.REDIS)
class RedisSinkConfiguration {

    @Bean
    Sink redisSink(RedisConnectionFactory connections, RedisSinkProperties properties) {
        return new RedisSink(connections, properties);
    }
}
