package io.sluice.testkit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (Debian's {@code chromium}, which {@code .ci/run} installs): a page's DOM after its scripts ran,
 * and a screenshot of it.
 */
public final class Chromium {

    private Chromium() {}

    private static final List<Path> BINARIES =
            List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"));

    public static boolean installed() {
        return BINARIES.stream().anyMatch(Files::isExecutable);
    }

    public static String domAfterScripts(Path page) throws Exception {
        return run(page, "--dump-dom");
    }

    /** A PNG of the page as drawn, {@code width} by {@code height}. */
    public static void screenshot(Path page, Path png, int width, int height) throws Exception {
        Files.createDirectories(png.toAbsolutePath().getParent());
        run(page, "--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height, "--hide-scrollbars");
        if (!Files.isRegularFile(png)) {
            throw new IllegalStateException("chromium made no screenshot " + png);
        }
    }

    private static String run(Path page, String... what) throws Exception {
        Path binary = BINARIES.stream()
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no chromium binary: apt-get install chromium (.ci/run installs it)"));
        Path profile = Files.createTempDirectory("sluice-chromium");
        List<String> command = new java.util.ArrayList<>(List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox", // CI runs as root
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile));
        if (java.util.Arrays.stream(what).noneMatch(w -> w.startsWith("--window-size"))) {
            command.add("--window-size=1280,2000");
        }
        command.addAll(List.of(what));
        command.add(page.toUri().toString());
        Process chromium = new ProcessBuilder(command)
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
