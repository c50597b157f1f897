package io.sluice.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/** The one line an operator reads when a command fails: what went wrong, never a stack trace or a secret. */
final class Failures {

    private Failures() {}

    static String describe(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException handshake) {
                return "TLS handshake failed ("
                        + handshake.getMessage().lines().findFirst().orElse("")
                        + "): trust the broker's CA with --ca-file or the SSL bundle's truststore certificate";
            }
        }
        if (e instanceof ConnectException || cause instanceof ConnectException) {
            return "cannot reach the broker: " + cause.getMessage();
        }
        if (e instanceof TimeoutException) {
            return "the broker did not answer in time: " + e.getMessage();
        }
        if (e instanceof IOException && cause.getMessage() == null) {
            return "the broker closed the connection (wrong credentials or virtual host?)";
        }
        return String.valueOf(cause.getMessage());
    }
}
