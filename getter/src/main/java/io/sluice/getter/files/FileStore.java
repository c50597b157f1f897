package io.sluice.getter.files;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/**
 * Where a file source's files are (a directory, an S3-compatible bucket): which are complete, their content, and where
 * they go once loaded or set aside. Files are named by their name in the store, as the ledger records them.
 */
interface FileStore {

    /** A complete file and its identity for the ledger. */
    record StoredFile(String name, long size, Instant mtime, String checksum) {}

    /** The files complete as of this scan, in name order. */
    List<StoredFile> scan() throws IOException;

    /** The file's raw (possibly compressed) content. */
    InputStream open(String name) throws IOException;

    /** Moves a file and its marker into a folder (archive, quarantine); a file already gone is not an error. */
    void moveTo(String name, String folder) throws IOException;

    /** Deletes a file and its marker; a file already gone is not an error. */
    void delete(String name) throws IOException;

    /** Where the store is, for logs and errors. */
    String describe();
}
