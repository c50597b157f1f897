package io.sluice.getter.files;

import java.sql.SQLException;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /files/reload?source=…&path=…}: loads a file again although its content was loaded before — from the
 * archive folder, or (deleted) once it is put back; its rows get a new version, so they win over the first load's.
 */
@RestController
@ConditionalOnProperty(prefix = "sluice.getter.files.sources[0]", name = "name")
class FilesController {

    private final FileLedger ledger;
    private final FileProperties properties;

    FilesController(FileLedger ledger, FileProperties properties) {
        this.ledger = ledger;
        this.properties = properties;
    }

    @PostMapping("/files/reload")
    ResponseEntity<Map<String, String>> reload(@RequestParam String source, @RequestParam String path)
            throws SQLException {
        if (properties.sources().stream().noneMatch(s -> s.name().equals(source))) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND)
                    .body(Map.of("error", "no file source named '" + source + "' in this getter"));
        }
        if (!ledger.force(source, path)) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND)
                    .body(Map.of("error", "source '" + source + "' has no file named '" + path + "' in its ledger"));
        }
        return ResponseEntity.accepted().body(Map.of("source", source, "path", path, "state", "new"));
    }
}
