package io.sluice.quickstart.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds an installed Java runtime of a given version or newer where JDKs are usually installed, by the {@code release}
 * file every JDK since 9 carries (read, not run). Compiled for Java 17, like the rest of this package.
 */
public final class JdkFinder {

    /** A runtime found: its home and its feature version (21 for 21.0.5). */
    public record Jdk(Path home, int feature) {
        public Path java() {
            return home.resolve("bin").resolve(isWindows() ? "java.exe" : "java");
        }
    }

    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"?(\\d+)");

    private JdkFinder() {}

    /** Where JDKs are installed: JAVA_HOME, the system's JVM directories, SDKMAN, IntelliJ's and Gradle's downloads. */
    public static List<Path> standardPlaces() {
        List<Path> places = new ArrayList<>();
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && !javaHome.isBlank()) {
            places.add(Path.of(javaHome));
        }
        Path home = Path.of(System.getProperty("user.home"));
        for (Path parent : List.of(
                Path.of("/usr/lib/jvm"),
                Path.of("/usr/java"),
                Path.of("/opt/java"),
                Path.of("/Library/Java/JavaVirtualMachines"),
                home.resolve(".sdkman/candidates/java"),
                home.resolve(".jdks"),
                home.resolve(".gradle/jdks"))) {
            places.addAll(children(parent));
        }
        return places;
    }

    /** The newest runtime of at least {@code minimum} among {@code places} (each a JDK home, or a macOS bundle). */
    public static Optional<Jdk> newest(List<Path> places, int minimum) {
        return places.stream()
                .map(JdkFinder::jdk)
                .flatMap(Optional::stream)
                .filter(jdk -> jdk.feature() >= minimum)
                .max(Comparator.comparingInt(Jdk::feature));
    }

    static Optional<Jdk> jdk(Path place) {
        for (Path home : List.of(place, place.resolve("Contents/Home"))) {
            Path release = home.resolve("release");
            if (Files.isRegularFile(release) && Files.isExecutable(new Jdk(home, 0).java())) {
                try {
                    Matcher version = JAVA_VERSION.matcher(Files.readString(release));
                    if (version.find()) {
                        int major = Integer.parseInt(version.group(1));
                        // Before 9 a version read 1.8; no runtime that old is of any use here.
                        return Optional.of(new Jdk(home, major == 1 ? 8 : major));
                    }
                } catch (IOException | RuntimeException unreadable) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static List<Path> children(Path parent) {
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(parent)) {
            return entries.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }
}
