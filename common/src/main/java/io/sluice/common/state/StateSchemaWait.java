package io.sluice.common.state;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * For a service that does not migrate Sluice's state schema itself ({@code spring.flyway.enabled=false}, so that its
 * least-privilege role needs no CREATE on it): waits at start-up until the role that does (pgtask, as the schema's
 * owner) has brought the schema to the version this build ships, instead of failing its first writes — which a loader
 * would take for a batch's fault.
 */
public final class StateSchemaWait {

    private static final Logger log = LoggerFactory.getLogger(StateSchemaWait.class);
    private static final String MIGRATIONS = "classpath*:io/sluice/common/db/migration/V*__*.sql";
    private static final Pattern VERSION = Pattern.compile("V(\\d+)__");

    private StateSchemaWait() {}

    /** The newest migration version in this build. */
    static int shippedVersion() {
        int newest = 0;
        try {
            for (Resource resource : new PathMatchingResourcePatternResolver().getResources(MIGRATIONS)) {
                Matcher m = VERSION.matcher(String.valueOf(resource.getFilename()));
                if (m.lookingAt()) {
                    newest = Math.max(newest, Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list Sluice's state migrations", e);
        }
        return newest;
    }

    /** Blocks until the state schema is at the shipped version; fails with what to do after {@code timeout}. */
    public static void await(DataSource dataSource, Duration timeout) throws InterruptedException {
        int wanted = shippedVersion();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (true) {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement query = connection.prepareStatement("SELECT coalesce(max(version::int), 0)"
                            + " FROM sluice.flyway_schema_history WHERE success")) {
                try (ResultSet rs = query.executeQuery()) {
                    rs.next();
                    int version = rs.getInt(1);
                    if (version >= wanted) {
                        return;
                    }
                    last = "the state schema is at version " + version + ", this build needs " + wanted;
                }
            } catch (SQLException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Sluice's state schema is not ready (" + last + "): this service does not"
                                + " migrate it (spring.flyway.enabled=false); start pgtask, which migrates it as its owner, or"
                                + " enable Flyway here with the owner's credentials");
            }
            log.info("waiting for Sluice's state schema: {}", last);
            Thread.sleep(2_000);
        }
    }
}
