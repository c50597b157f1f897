package io.sluice.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The TLS context the command line reaches the broker with: trusting a PEM file's CAs, or the JVM's own. */
final class BrokerTls {

    private BrokerTls() {}

    /** Trusts the certificates in {@code caFile} (PEM, one or more), or the JVM's trusted CAs when it is null. */
    static SSLContext context(String caFile) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caFile == null) {
            trust.init((KeyStore) null);
        } else {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            try (InputStream in = Files.newInputStream(Path.of(caFile))) {
                int i = 0;
                for (Certificate certificate :
                        CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca-" + i++, certificate);
                }
                if (i == 0) {
                    throw new IllegalArgumentException(caFile + " holds no PEM certificate");
                }
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException("no CA file " + caFile + " (--ca-file)", e);
            }
            trust.init(store);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
