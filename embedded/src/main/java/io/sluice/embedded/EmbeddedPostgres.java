package io.sluice.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server for tests, from unpacked binaries: {@code wal_level=logical}, {@code pg_stat_statements}
 * preloaded, TCP on loopback only. PostgreSQL refuses to run as root, so when the JVM is root the server processes are
 * started as the unprivileged user {@code nobody} through {@code setpriv}; as any other user they run as that user.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String UNPRIVILEGED_USER = "nobody";

    private final Path binaries;
    private final Path dataDir;
    private final int port;
    private final boolean dropPrivileges;
    private boolean tls;
    private Process server;

    private EmbeddedPostgres(Path binaries, Path dataDir, int port, boolean dropPrivileges) {
        this.binaries = binaries;
        this.dataDir = dataDir;
        this.port = port;
        this.dropPrivileges = dropPrivileges;
    }

    /** Creates a fresh cluster in a temporary directory and starts it. */
    public static EmbeddedPostgres start() {
        return start(null, null);
    }

    /** A fresh cluster that also takes TLS connections ({@code ssl=on}) with this certificate and key (PEM). */
    public static EmbeddedPostgres startWithTls(Path certificate, Path key) {
        return start(certificate, key);
    }

    /**
     * A fresh cluster of the machine's own PostgreSQL {@code major} (Debian's {@code /usr/lib/postgresql/<major>}), for
     * tests that must see another server version's behaviour; null when that version is not installed.
     */
    public static EmbeddedPostgres startInstalled(int major) {
        Path binaries = Path.of("/usr/lib/postgresql", Integer.toString(major));
        if (!Files.isExecutable(binaries.resolve("bin").resolve("initdb"))) {
            return null;
        }
        return start(binaries, null, null);
    }

    /**
     * A fresh cluster of the PostgreSQL in another version's zonky binaries jar (a build copies it beside the tests),
     * for tests that must see that version's behaviour; null when the jar is not there.
     */
    public static EmbeddedPostgres startFromJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return null;
        }
        return start(PostgresBinaries.install(jar), null, null);
    }

    private static EmbeddedPostgres start(Path certificate, Path key) {
        return start(PostgresBinaries.install(), certificate, key);
    }

    private static EmbeddedPostgres start(Path binaries, Path certificate, Path key) {
        try {
            boolean root = "root".equals(System.getProperty("user.name"));
            Path dataDir = Files.createTempDirectory("sluice-pgdata-");
            if (root) {
                dataDir.toFile().setExecutable(true, false);
                UserPrincipal nobody = dataDir.getFileSystem()
                        .getUserPrincipalLookupService()
                        .lookupPrincipalByName(UNPRIVILEGED_USER);
                Files.setOwner(dataDir, nobody);
            }
            EmbeddedPostgres pg = new EmbeddedPostgres(binaries, dataDir, FreePorts.any(), root);
            pg.initdb();
            if (certificate != null) {
                pg.installTls(certificate, key);
            }
            pg.startServer();
            Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "embedded-postgres-stop"));
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    public int port() {
        return port;
    }

    /** A JDBC URL for one database of this server, as the superuser {@code postgres}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database));
    }

    /** Stops the server (fast shutdown, as in a clean restart), keeping its data. */
    public void stop() {
        if (server == null) {
            return;
        }
        try {
            run(List.of(bin("pg_ctl"), "stop", "-D", dataDir.toString(), "-m", "fast", "-w"), Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            log.warn("pg_ctl stop failed, killing the server: {}", e.getMessage());
            server.destroyForcibly();
        }
        server = null;
    }

    /** Starts the server again on the same port and data, after {@link #stop()}. */
    public void restart() {
        stop();
        startServer();
    }

    @Override
    public synchronized void close() {
        stop();
        deleteRecursively(dataDir);
    }

    private void initdb() {
        run(
                List.of(
                        bin("initdb"),
                        "-D",
                        dataDir.toString(),
                        "-U",
                        "postgres",
                        "-A",
                        "trust",
                        "-E",
                        "UTF8",
                        "--locale=C",
                        "--no-sync"),
                Duration.ofMinutes(2));
    }

    /** Puts the certificate and key in the data directory, readable by the server's user only, and turns TLS on. */
    private void installTls(Path certificate, Path key) throws IOException {
        Path crt = Files.copy(certificate, dataDir.resolve("server.crt"));
        Path pem = Files.copy(key, dataDir.resolve("server.key"));
        Files.setPosixFilePermissions(pem, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        if (dropPrivileges) {
            UserPrincipal nobody =
                    dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(UNPRIVILEGED_USER);
            Files.setOwner(crt, nobody);
            Files.setOwner(pem, nobody);
        }
        tls = true;
    }

    private void startServer() {
        List<String> command = new ArrayList<>(List.of(bin("postgres"), "-D", dataDir.toString(), "-p", "" + port));
        for (String setting : List.of(
                "listen_addresses=127.0.0.1",
                "unix_socket_directories=",
                "wal_level=logical",
                "max_replication_slots=64",
                "max_wal_senders=64",
                "max_connections=300",
                "shared_preload_libraries=pg_stat_statements",
                "fsync=off",
                "full_page_writes=off",
                "synchronous_commit=off",
                "shared_buffers=256MB",
                "max_wal_size=4GB",
                "log_min_messages=warning",
                "ssl=" + (tls ? "on" : "off"))) {
            command.add("-c");
            command.add(setting);
        }
        try {
            ProcessBuilder builder = new ProcessBuilder(privileged(command))
                    .redirectErrorStream(true)
                    .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log")
                            .toFile());
            server = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start postgres", e);
        }
        awaitReady();
        log.info("embedded PostgreSQL ready on 127.0.0.1:{} (data {})", port, dataDir);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("postgres exited with " + server.exitValue() + "; see "
                        + dataDir.resolveSibling(dataDir.getFileName() + ".log"));
            }
            try (Connection c = connect("postgres")) {
                return;
            } catch (SQLException e) {
                last = e;
                sleep(100);
            }
        }
        throw new IllegalStateException("postgres did not accept connections within 60 s", last);
    }

    private String bin(String name) {
        return binaries.resolve("bin").resolve(name).toString();
    }

    private List<String> privileged(List<String> command) {
        if (!dropPrivileges) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(
                "setpriv",
                "--reuid=" + unprivilegedIds()[0],
                "--regid=" + unprivilegedIds()[1],
                "--clear-groups",
                "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** uid and gid of the unprivileged user, from /etc/passwd (its group is nogroup on Debian, nobody elsewhere). */
    private static String[] unprivilegedIds() {
        try (Stream<String> lines = Files.lines(Path.of("/etc/passwd"))) {
            return lines.map(line -> line.split(":"))
                    .filter(f -> f.length > 3 && f[0].equals(UNPRIVILEGED_USER))
                    .map(f -> new String[] {f[2], f[3]})
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("running as root, PostgreSQL must be started as an "
                            + "unprivileged user, but there is no user '" + UNPRIVILEGED_USER + "'"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void run(List<String> command, Duration timeout) {
        try {
            Process process = new ProcessBuilder(privileged(command))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }
}
