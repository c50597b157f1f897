package io.sluice.testkit;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when something it needs beyond a JDK is missing (RabbitMQ, Prometheus, Chromium, openssl, kubectl):
 * on a developer's machine it skips, saying what to install; where {@code SLUICE_TEST_STRICT} is set (CI, which
 * installs everything) it fails, so that nothing is ever skipped there unnoticed.
 */
public final class Strictness {

    /** Set (to anything) where no test may skip for lack of a service or tool. */
    public static final String VARIABLE = "SLUICE_TEST_STRICT";

    private Strictness() {}

    public static boolean strict() {
        return System.getenv(VARIABLE) != null;
    }

    /** Skips (or, strict, fails) the calling test unless {@code available}. */
    public static void require(boolean available, String what, String howToGetIt) {
        if (available) {
            return;
        }
        String message = "needs " + what + " (" + howToGetIt + ")";
        if (strict()) {
            throw new IllegalStateException(message + "; " + VARIABLE + " is set, so this is a failure, not a skip");
        }
        Assumptions.abort("skipped: " + message);
    }

    /** Whether a program is on the PATH. */
    public static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
