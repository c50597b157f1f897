package io.sluice.getter.files;

import io.sluice.getter.files.FileStore.StoredFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Finds the files of a directory that are complete: matching the glob, and either announced by a marker file
 * ({@code <name><marker>}, e.g. {@code orders.csv.done}) or, without markers, the same size and modification time on two
 * scans in a row (a writer still copying changes them). Each complete file comes with its content checksum, computed
 * once per size and modification time.
 */
final class CompleteFiles {

    private record Seen(long size, Instant mtime) {}

    private final Path directory;
    private final PathMatcher glob;
    private final String marker;
    private final Map<Path, Seen> lastScan = new HashMap<>();
    private final Map<Path, StoredFile> checksummed = new HashMap<>();
    private final Predicate<Path> admissible;
    private final Opener opener;

    /** Opens a file for reading. */
    interface Opener {
        InputStream open(Path file) throws IOException;
    }

    /** Regular files, opened without following links. */
    CompleteFiles(Path directory, String glob, String marker) {
        this(
                directory,
                glob,
                marker,
                file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS),
                file -> Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * @param marker suffix of a marker file that says a file is complete, or null to wait for a stable size instead
     * @param admissible which entries of the directory are files to take
     */
    CompleteFiles(Path directory, String glob, String marker, Predicate<Path> admissible, Opener opener) {
        this.directory = directory;
        this.glob = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        this.marker = marker;
        this.admissible = admissible;
        this.opener = opener;
    }

    List<StoredFile> scan() throws IOException {
        List<Path> candidates;
        try (Stream<Path> files = Files.list(directory)) {
            candidates = files.filter(admissible)
                    .filter(p -> glob.matches(p.getFileName()))
                    .filter(p -> marker == null || !p.getFileName().toString().endsWith(marker))
                    .sorted()
                    .toList();
        }
        List<StoredFile> complete = new ArrayList<>();
        Map<Path, Seen> thisScan = new HashMap<>();
        for (Path file : candidates) {
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (java.nio.file.NoSuchFileException gone) {
                continue; // moved away by another replica meanwhile
            }
            Seen seen =
                    new Seen(attributes.size(), attributes.lastModifiedTime().toInstant());
            thisScan.put(file, seen);
            boolean ready = marker != null
                    ? Files.exists(file.resolveSibling(file.getFileName() + marker))
                    : seen.equals(lastScan.get(file));
            if (ready) {
                complete.add(identify(file, seen));
            }
        }
        lastScan.clear();
        lastScan.putAll(thisScan);
        checksummed.keySet().retainAll(thisScan.keySet());
        return complete;
    }

    private StoredFile identify(Path file, Seen seen) throws IOException {
        StoredFile known = checksummed.get(file);
        if (known != null && known.size() == seen.size() && known.mtime().equals(seen.mtime())) {
            return known;
        }
        StoredFile found =
                new StoredFile(file.getFileName().toString(), seen.size(), seen.mtime(), sha256(opener.open(file)));
        checksummed.put(file, found);
        return found;
    }

    /** The SHA-256 of a file's content, read as a stream: a 10 GiB file needs no more memory than a small one. */
    static String sha256(Path file) throws IOException {
        return sha256(Files.newInputStream(file));
    }

    private static String sha256(InputStream content) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(content, digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
