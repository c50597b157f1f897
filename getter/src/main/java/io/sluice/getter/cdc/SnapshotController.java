package io.sluice.getter.cdc;

import io.sluice.common.pg.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /snapshots?source=…&table=schema.table[&where=SQL]}: asks for an ad hoc snapshot of one table, or of
 * the rows a condition keeps, while streaming goes on. It writes the request as a row in {@code
 * sluice.snapshot_requests}, the signal table, and answers 202 with the request's id: the getter that holds the
 * source's slot picks it up within a second, and {@code GET /snapshots/{id}} says where it stands.
 */
@RestController
@ConditionalOnProperty(prefix = "sluice.getter.cdc", name = "enabled", matchIfMissing = true)
class SnapshotController {

    private final SnapshotStore store;
    private final CdcProperties properties;

    SnapshotController(SnapshotStore store, CdcProperties properties) {
        this.store = store;
        this.properties = properties;
    }

    @PostMapping("/snapshots")
    ResponseEntity<Map<String, String>> request(
            @RequestParam String source, @RequestParam String table, @RequestParam(required = false) String where)
            throws SQLException {
        Optional<CdcProperties.Source> config = properties.sources().stream()
                .filter(s -> s.name().equals(source))
                .findFirst();
        if (config.isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND)
                    .body(Map.of("error", "no CDC source named '" + source + "' in this getter"));
        }
        TableName name;
        try {
            name = TableName.parse(table);
        } catch (IllegalArgumentException e) {
            return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
        }
        if (!captured(config.get(), name)) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND)
                    .body(Map.of(
                            "error",
                            name + " is not captured from '" + source + "' (not in its publication "
                                    + config.get().publication() + "): only captured tables can be snapshotted"));
        }
        RowFilter filter = null;
        if (where != null) {
            String refusal;
            try (Connection connection = SourceConnections.query(config.get(), "sluice-getter-snapshots")) {
                filter = RowFilter.parse(where);
                refusal = filter.refusal(connection, name, config.get().excludedColumns(name));
            } catch (IllegalArgumentException e) {
                refusal = e.getMessage();
            }
            if (refusal != null) {
                return ResponseEntity.badRequest().body(Map.of("error", refusal));
            }
        }
        long id = store.request(source, name, filter);
        return ResponseEntity.accepted()
                .body(Map.of(
                        "id",
                        Long.toString(id),
                        "source",
                        source,
                        "table",
                        name.toString(),
                        "where",
                        filter == null ? "" : filter.sql(),
                        "state",
                        "requested"));
    }

    /**
     * Where a requested snapshot stands: {@code requested}, {@code started} or {@code done}, with its chunks and the
     * rows confirmed so far; 404 once a later request for the same table replaced it.
     */
    @GetMapping("/snapshots/{id}")
    ResponseEntity<Map<String, Object>> follow(@PathVariable long id) {
        return store.follow(id)
                .<ResponseEntity<Map<String, Object>>>map(f -> ResponseEntity.ok(Map.of(
                        "id", id,
                        "state", f.state(),
                        "chunksDone", f.chunksDone(),
                        "chunks", f.chunks(),
                        "rows", f.rows())))
                .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND)
                        .body(Map.of(
                                "error",
                                "no snapshot request " + id + " (a later request for the same table replaces one)")));
    }

    /**
     * Whether the source's publication holds the table: an ad hoc snapshot may only re-read what is captured, so a
     * request can neither widen capture nor stall it on a table that does not exist.
     */
    private static boolean captured(CdcProperties.Source source, TableName table) throws SQLException {
        try (Connection connection = SourceConnections.query(source, "sluice-getter-snapshots");
                PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_publication_tables"
                        + " WHERE pubname = ? AND schemaname = ? AND tablename = ?")) {
            query.setString(1, source.publication());
            query.setString(2, table.schema());
            query.setString(3, table.name());
            try (ResultSet rs = query.executeQuery()) {
                return rs.next();
            }
        }
    }
}
