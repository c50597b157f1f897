package io.sluice.quickstart.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's search for a JDK 21+: by each home's release file, the newest that is new enough. */
class JdkFinderTest {

    @TempDir
    Path jvms;

    @Test
    void theNewestRuntimeThatIsNewEnoughIsChosenAndOthersAreIgnored() throws Exception {
        Path jdk17 = home("java-17-openjdk", "JAVA_VERSION=\"17.0.15\"");
        Path jdk21 = home("temurin-21", "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"21.0.5\"");
        Path jdk25 = home("Temurin-25.jdk/Contents/Home", "JAVA_VERSION=\"25\"");
        Path noJava = jvms.resolve("broken");
        Files.createDirectories(noJava);
        Files.writeString(noJava.resolve("release"), "JAVA_VERSION=\"30\"");
        Path java8 = home("jdk8", "JAVA_VERSION=\"1.8.0_402\"");

        List<Path> places = List.of(jdk17, jdk21, jvms.resolve("Temurin-25.jdk"), noJava, java8, jvms.resolve("none"));

        assertThat(JdkFinder.newest(places, 21)).map(JdkFinder.Jdk::home).contains(jdk25);
        assertThat(JdkFinder.newest(List.of(jdk17, jdk21, java8), 21))
                .map(JdkFinder.Jdk::feature)
                .contains(21);
        assertThat(JdkFinder.newest(List.of(jdk17, java8, noJava), 21)).isEmpty();
        assertThat(JdkFinder.jdk(java8)).map(JdkFinder.Jdk::feature).contains(8);
    }

    @Test
    void thisMachinesOwnRuntimeIsFoundWhereItLives() {
        Path running = Path.of(System.getProperty("java.home"));

        assertThat(JdkFinder.jdk(running))
                .map(JdkFinder.Jdk::feature)
                .contains(Runtime.version().feature());
    }

    private Path home(String name, String release) throws Exception {
        Path home = jvms.resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), release);
        Path java = Files.writeString(home.resolve("bin/java"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }
}
