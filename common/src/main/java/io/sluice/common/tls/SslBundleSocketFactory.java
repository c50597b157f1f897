package io.sluice.common.tls;

import java.util.Properties;
import org.postgresql.ssl.WrappedFactory;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;

/**
 * TLS to PostgreSQL with the certificates of a Spring Boot SSL bundle, the same way RabbitMQ takes them
 * ({@code spring.rabbitmq.ssl.bundle}): a JDBC URL names this factory and the bundle, e.g.
 * {@code jdbc:postgresql://db:5432/warehouse?sslmode=verify-full&sslfactory=io.sluice.common.tls.SslBundleSocketFactory&sslbundle=sluice}.
 * pgjdbc makes one per connection; the bundles come from the application context ({@link SluiceTlsAutoConfiguration}).
 */
public final class SslBundleSocketFactory extends WrappedFactory {

    /** The URL parameter naming the bundle. */
    public static final String BUNDLE_PARAMETER = "sslbundle";

    private static volatile SslBundles bundles;

    public SslBundleSocketFactory(Properties info) throws PSQLException {
        String name = info.getProperty(BUNDLE_PARAMETER);
        if (name == null) {
            throw new PSQLException(
                    "sslfactory " + SslBundleSocketFactory.class.getName() + " needs the URL parameter "
                            + BUNDLE_PARAMETER + "=<spring.ssl.bundle name>",
                    PSQLState.CONNECTION_UNABLE_TO_CONNECT);
        }
        SslBundles registry = bundles;
        if (registry == null) {
            throw new PSQLException(
                    "no SSL bundles are registered yet (is io.sluice.common on the class path?)",
                    PSQLState.CONNECTION_UNABLE_TO_CONNECT);
        }
        try {
            factory = registry.getBundle(name).createSslContext().getSocketFactory();
        } catch (NoSuchSslBundleException e) {
            throw new PSQLException(
                    "no SSL bundle named '" + name + "': define spring.ssl.bundle.pem." + name + ".truststore…",
                    PSQLState.CONNECTION_UNABLE_TO_CONNECT,
                    e);
        }
    }

    static void register(SslBundles registry) {
        bundles = registry;
    }
}
