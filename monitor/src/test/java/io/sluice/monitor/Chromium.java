package io.sluice.monitor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Headless Chromium (Debian's {@code chromium}, which {@code .ci/run} installs): a page's DOM after its scripts ran. */
final class Chromium {

    private Chromium() {}

    private static final List<Path> BINARIES =
            List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"));

    static boolean installed() {
        return BINARIES.stream().anyMatch(Files::isExecutable);
    }

    static String domAfterScripts(Path page) throws Exception {
        Path binary = BINARIES.stream()
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no chromium binary: apt-get install chromium (.ci/run installs it)"));
        Path profile = Files.createTempDirectory("sluice-chromium");
        Process chromium = new ProcessBuilder(
                        binary.toString(),
                        "--headless",
                        "--no-sandbox", // CI runs as root
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--user-data-dir=" + profile,
                        "--window-size=1280,2000",
                        "--dump-dom",
                        page.toUri().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!chromium.waitFor(60, TimeUnit.SECONDS)) {
            chromium.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within 60 s");
        }
        return dom;
    }
}
