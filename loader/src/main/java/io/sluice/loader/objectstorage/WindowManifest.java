package io.sluice.loader.objectstorage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code manifest.json} of a table's window: the files a reader loads, with their row counts, and the TRUNCATEs in it
 * (a reader drops the table's rows older than one). A file not listed here is not part of the window yet; listing is a
 * set by file name, so a retry that writes the same file lists it once.
 *
 * @param format the manifest's version: readers refuse one they do not know
 * @param table {@code schema.table} of the source
 * @param windowStart the window's first instant (inclusive, ISO-8601 UTC)
 * @param windowEnd the window's end (exclusive)
 * @param files the window's files, by name
 * @param truncations the TRUNCATEs committed in the window, by version
 */
record WindowManifest(
        int format,
        String table,
        String windowStart,
        String windowEnd,
        List<FileEntry> files,
        List<Truncation> truncations) {

    static final int FORMAT = 1;

    WindowManifest {
        files = files == null ? List.of() : List.copyOf(files);
        truncations = truncations == null ? List.of() : List.copyOf(truncations);
    }

    /**
     * One file: its rows (one per key: the latest of the window in the group that wrote it) and how many are deletes.
     *
     * @param columns the source columns, in the file's order, before the {@code _sluice_*} ones
     */
    record FileEntry(String name, int rows, int deleted, List<String> columns, long minLsn, long maxLsn) {}

    /** A TRUNCATE at this version: rows of older versions are gone. */
    record Truncation(long lsn, long seq) {}

    /** This manifest with the other's files and truncations added (files already listed stay as they are). */
    WindowManifest with(List<FileEntry> moreFiles, List<Truncation> moreTruncations) {
        Map<String, FileEntry> byName = new TreeMap<>();
        for (FileEntry file : files) {
            byName.put(file.name(), file);
        }
        for (FileEntry file : moreFiles) {
            byName.putIfAbsent(file.name(), file);
        }
        LinkedHashSet<Truncation> all = new LinkedHashSet<>(truncations);
        all.addAll(moreTruncations);
        List<Truncation> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingLong(Truncation::lsn).thenComparingLong(Truncation::seq));
        return new WindowManifest(format, table, windowStart, windowEnd, List.copyOf(byName.values()), sorted);
    }

    /** Whether adding these would change nothing: a retry after the manifest was already stored. */
    boolean holds(List<FileEntry> moreFiles, List<Truncation> moreTruncations) {
        return moreFiles.stream()
                        .allMatch(f -> files.stream().anyMatch(g -> g.name().equals(f.name())))
                && truncations.containsAll(moreTruncations);
    }
}
