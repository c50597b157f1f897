package io.sluice.getter.files;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The file ledger ({@code sluice.files}): which files were seen (by content checksum, so a copy under another name is
 * not loaded twice), who loads which (claimed with {@code FOR UPDATE SKIP LOCKED}, so replicas take different files),
 * and how far each got (the last line whose rows the broker confirmed, so a file interrupted by a crash resumes there
 * under another replica once the owner's lease has run out).
 */
public final class FileLedger {

    /**
     * A file one replica loads: where to start, the counts so far, and the version its rows carry ({@code (version,
     * line)}); its modification time is its rows' source time.
     */
    public record Claim(
            long id, String path, Instant mtime, long version, long confirmedLine, long rows, long badLines) {}

    /** A file's state in the ledger. */
    public enum FileState {
        NEW,
        CLAIMED,
        LOADING,
        DONE,
        FAILED,
        QUARANTINED
    }

    /**
     * What registering a file found: {@code added} when its content is new (or back after it had gone missing), else
     * the state and name of the ledger's file with the same content.
     */
    public record Registration(boolean added, FileState state, String path) {}

    private final DataSource dataSource;

    public FileLedger(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Records a complete file found by a source; the checksum decides whether it was seen before. A file that had
     * failed because it was gone is taken again when it is back.
     */
    public Registration register(String source, String path, long size, Instant mtime, String checksum)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement("INSERT INTO sluice.files (source, path, size, mtime,"
                        + " checksum) VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, checksum) DO UPDATE SET state = 'new',"
                        + " path = EXCLUDED.path, reason = NULL, updated_at = now() WHERE files.state = 'failed'");
                PreparedStatement known =
                        c.prepareStatement("SELECT state, path FROM sluice.files WHERE source = ? AND checksum = ?")) {
            insert.setString(1, source);
            insert.setString(2, path);
            insert.setLong(3, size);
            insert.setTimestamp(4, Timestamp.from(mtime));
            insert.setString(5, checksum);
            if (insert.executeUpdate() == 1) {
                return new Registration(true, FileState.NEW, path);
            }
            known.setString(1, source);
            known.setString(2, checksum);
            try (ResultSet rs = known.executeQuery()) {
                rs.next();
                return new Registration(
                        false, FileState.valueOf(rs.getString(1).toUpperCase(java.util.Locale.ROOT)), rs.getString(2));
            }
        }
    }

    /**
     * Takes the oldest file nobody loads: new, left by this owner (its load was interrupted, or the process restarted
     * under the same name), or loading under an owner whose heartbeat is older than the lease (it died). Concurrent
     * replicas skip each other's locked rows, so each gets a different file.
     */
    public Optional<Claim> claimNext(String source, String owner, Duration lease) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement claim = c.prepareStatement(
                        "UPDATE sluice.files f SET state = 'claimed', owner = ?,"
                                + " heartbeat_at = now(), updated_at = now() WHERE f.id = (SELECT id FROM sluice.files"
                                + " WHERE source = ? AND (state = 'new' OR (state IN ('claimed', 'loading')"
                                + " AND (owner = ? OR heartbeat_at < now() - ?::interval)))"
                                // A file that keeps failing waits behind the others: it cannot starve them.
                                + " ORDER BY attempts, id LIMIT 1"
                                + " FOR UPDATE SKIP LOCKED) RETURNING id, path, mtime, version, confirmed_line, rows, bad_lines")) {
            claim.setString(1, owner);
            claim.setString(2, source);
            claim.setString(3, owner);
            claim.setString(4, lease.toMillis() + " milliseconds");
            try (ResultSet rs = claim.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Claim(
                                rs.getLong(1),
                                rs.getString(2),
                                rs.getTimestamp(3).toInstant(),
                                rs.getLong(4),
                                rs.getLong(5),
                                rs.getLong(6),
                                rs.getLong(7)))
                        : Optional.empty();
            }
        }
    }

    /** Counts a failure to read the claimed file; returns how many there have been. */
    public int failedAttempt(Claim claim, String owner, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement count = c.prepareStatement("UPDATE sluice.files SET attempts = attempts + 1,"
                        + " reason = ?, updated_at = now() WHERE id = ? AND owner = ? RETURNING attempts")) {
            count.setString(1, reason);
            count.setLong(2, claim.id());
            count.setString(3, owner);
            try (ResultSet rs = count.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /** Records progress (lines whose rows are confirmed downstream) and renews the owner's lease. */
    public void progress(Claim claim, String owner, long confirmedLine, long rows, long badLines) throws SQLException {
        update(
                claim,
                owner,
                "state = 'loading', confirmed_line = ?, rows = ?, bad_lines = ?",
                confirmedLine,
                rows,
                badLines);
    }

    /** The whole file is loaded: it is never read again unless forced. */
    public void done(Claim claim, String owner) throws SQLException {
        update(claim, owner, "state = 'done', owner = NULL");
    }

    /** Sets a file aside with the reason (too many bad lines): the pipeline goes on with others. */
    public void quarantine(Claim claim, String owner, String reason) throws SQLException {
        update(claim, owner, "state = 'quarantined', owner = NULL, reason = ?", reason);
    }

    /** The file could not be read (gone, unreadable): recorded with the reason. */
    public void fail(Claim claim, String owner, String reason) throws SQLException {
        update(claim, owner, "state = 'failed', owner = NULL, reason = ?", reason);
    }

    /**
     * Loads a file again from its first line, even though its content was loaded before (rows get a new version, so
     * they win over the first load's): the latest file of that name, which must be in the store again.
     */
    public boolean force(String source, String path) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement force = c.prepareStatement("UPDATE sluice.files SET state = 'new', owner = NULL,"
                        + " confirmed_line = 0, rows = 0, bad_lines = 0, reason = NULL,"
                        + " version = nextval('sluice.file_versions'), updated_at = now()"
                        + " WHERE id = (SELECT max(id) FROM sluice.files WHERE source = ? AND path = ?)")) {
            force.setString(1, source);
            force.setString(2, path);
            return force.executeUpdate() == 1;
        }
    }

    /** Changes a claimed file, only while this owner still holds it (a replica that lost its lease must stop). */
    private void update(Claim claim, String owner, String set, Object... values) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement update = c.prepareStatement("UPDATE sluice.files SET " + set
                        + ", heartbeat_at = now(), updated_at = now() WHERE id = ? AND owner = ?")) {
            int i = 1;
            for (Object value : values) {
                update.setObject(i++, value);
            }
            update.setLong(i++, claim.id());
            update.setString(i, owner);
            if (update.executeUpdate() == 0) {
                throw new LostClaimException("file " + claim.path() + " is no longer claimed by " + owner);
            }
        }
    }

    /** Another replica took the file over (this one's lease ran out): this one must stop reading it. */
    public static final class LostClaimException extends SQLException {
        LostClaimException(String message) {
            super(message);
        }
    }
}
