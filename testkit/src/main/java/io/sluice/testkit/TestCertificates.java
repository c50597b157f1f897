package io.sluice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test CA, a server certificate it signed for 127.0.0.1, and a second CA that signed nothing, made with the
 * machine's {@code openssl} in a directory: {@code ca.crt}, {@code server.crt}, {@code server.key}, {@code other.crt}.
 */
public record TestCertificates(Path dir) {

    /** Makes them in {@code dir}; needs {@code openssl} (.ci/run installs it). */
    public static TestCertificates issue(Path dir) throws IOException, InterruptedException {
        Strictness.require(Strictness.onPath("openssl"), "openssl", "apt-get install openssl; .ci/run installs it");
        TestCertificates certificates = new TestCertificates(dir);
        certificates.selfSignedCa("/CN=Sluice test CA", "ca");
        certificates.openssl(
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "server.key",
                "-out",
                "server.csr");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        certificates.openssl(
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.ext",
                "-out",
                "server.crt");
        certificates.selfSignedCa("/CN=Another CA", "other");
        return certificates;
    }

    public Path ca() {
        return dir.resolve("ca.crt");
    }

    public Path serverCertificate() {
        return dir.resolve("server.crt");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    /** A CA that signed neither certificate: trusting only it must fail. */
    public Path otherCa() {
        return dir.resolve("other.crt");
    }

    /** A CA's key and self-signed certificate: {@code name.key}, {@code name.crt}. */
    private void selfSignedCa(String subject, String name) throws IOException, InterruptedException {
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                subject,
                "-keyout",
                name + ".key",
                "-out",
                name + ".crt");
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
        }
    }
}
