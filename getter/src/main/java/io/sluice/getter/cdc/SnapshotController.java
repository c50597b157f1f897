package io.sluice.getter.cdc;

import io.sluice.common.pg.TableName;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /snapshots?source=…&table=schema.table}: asks for an ad hoc snapshot of one table while streaming goes
 * on. It writes the same request as a row in {@code sluice.snapshot_requests}, the signal table, and answers 202: the
 * getter that holds the source's slot picks it up within a second.
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
    ResponseEntity<Map<String, String>> request(@RequestParam String source, @RequestParam String table) {
        if (properties.sources().stream().noneMatch(s -> s.name().equals(source))) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND)
                    .body(Map.of("error", "no CDC source named '" + source + "' in this getter"));
        }
        TableName name;
        try {
            name = TableName.parse(table);
        } catch (IllegalArgumentException e) {
            return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
        }
        store.request(source, name);
        return ResponseEntity.accepted().body(Map.of("source", source, "table", name.toString(), "state", "requested"));
    }
}
