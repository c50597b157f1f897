package io.sluice.common.tls;

import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;

/**
 * Hands the application's SSL bundles to {@link SslBundleSocketFactory} before any data source opens a connection
 * (Flyway migrates while the context starts), so a JDBC URL can take its TLS certificates from a bundle.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration")
@ConditionalOnClass(name = "org.postgresql.ssl.WrappedFactory")
public class SluiceTlsAutoConfiguration {

    @Bean
    static BeanPostProcessor sluiceSslBundlesForJdbc(ObjectProvider<SslBundles> bundles) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                if (bean instanceof DataSource) {
                    bundles.ifAvailable(SslBundleSocketFactory::register);
                }
                return bean;
            }
        };
    }
}
