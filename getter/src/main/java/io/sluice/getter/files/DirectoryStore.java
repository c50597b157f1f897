package io.sluice.getter.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files in a local or mounted directory (a PersistentVolume shared by replicas), polled with a glob. Archived and
 * quarantined files move into sub-folders of the directory, which the glob's scan of the directory itself never sees.
 * Only the directory's own regular files are ever read, moved or deleted: a name (from a scan or read back from the
 * ledger) that resolves elsewhere is refused, and symbolic links are ignored unless {@code followSymlinks} allows those
 * that point at a file inside the directory.
 */
final class DirectoryStore implements FileStore {

    private static final Logger log = LoggerFactory.getLogger(DirectoryStore.class);

    private final Path directory;
    private final String marker;
    private final boolean followSymlinks;
    private final CompleteFiles complete;

    DirectoryStore(Path directory, String glob, String marker, boolean followSymlinks) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("the file source directory " + directory + " does not exist");
        }
        try {
            this.directory = directory.toRealPath(); // a mounted volume may itself be a link: resolved once, here
        } catch (IOException e) {
            throw new IllegalArgumentException("the file source directory " + directory + " cannot be read", e);
        }
        this.marker = marker;
        this.followSymlinks = followSymlinks;
        this.complete = new CompleteFiles(this.directory, glob, marker, this::admissible, this::read);
    }

    @Override
    public List<StoredFile> scan() throws IOException {
        return complete.scan();
    }

    @Override
    public InputStream open(String name) throws IOException {
        Path file = inside(name);
        if (file == null) {
            throw new UnreadableFileException(
                    "'" + name + "' is not a file of " + directory + " (outside it, or a symbolic link)");
        }
        return read(file);
    }

    @Override
    public void moveTo(String name, String folder) throws IOException {
        Path file = inside(name);
        if (file == null) {
            log.warn("not moving '{}': it is not a file of {}", name, directory);
            return;
        }
        Path target = Files.createDirectories(directory.resolve(folder));
        move(file, target);
        Path markerFile = marker == null ? null : inside(name + marker);
        if (markerFile != null) {
            move(markerFile, target);
        }
    }

    @Override
    public void delete(String name) throws IOException {
        Path file = inside(name);
        if (file == null) {
            log.warn("not deleting '{}': it is not a file of {}", name, directory);
            return;
        }
        Files.deleteIfExists(file);
        Path markerFile = marker == null ? null : inside(name + marker);
        if (markerFile != null) {
            Files.deleteIfExists(markerFile);
        }
    }

    @Override
    public String describe() {
        return directory.toString();
    }

    /**
     * The file a name stands for, if it is one of the directory's own: the name must resolve (normalised, through no
     * link) to an entry in the directory or a sub-folder of it (the archive) that is a regular file, or an allowed link to one; a missing file is returned as its path
     * (its operations then find it gone). Null for anything else.
     */
    private Path inside(String name) {
        Path file;
        try {
            file = directory.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        if (!file.startsWith(directory) || file.equals(directory) || !folderInside(file.getParent())) {
            return null;
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return file;
        }
        return admissible(file) ? file : null;
    }

    /** The folder of a file (the directory, or its archive) really is inside the directory: no link leads out. */
    private boolean folderInside(Path folder) {
        try {
            return !Files.exists(folder) || folder.toRealPath().startsWith(directory);
        } catch (IOException e) {
            return false;
        }
    }

    /** A regular file, or (when allowed) a symbolic link to a regular file inside the directory. */
    private boolean admissible(Path file) {
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        if (!followSymlinks || !Files.isSymbolicLink(file)) {
            return false;
        }
        try {
            Path real = file.toRealPath();
            return real.startsWith(directory) && Files.isRegularFile(real);
        } catch (IOException e) {
            return false;
        }
    }

    /** Opens a file without following a link planted after it was checked, unless links are allowed. */
    private InputStream read(Path file) throws IOException {
        return followSymlinks
                ? Files.newInputStream(file.toRealPath())
                : Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    }

    /** Moves a file into a folder; an older file of the same name there is kept under a numbered name. */
    private static void move(Path file, Path folder) throws IOException {
        Path target = folder.resolve(file.getFileName());
        for (int n = 1; Files.exists(target, LinkOption.NOFOLLOW_LINKS); n++) {
            target = folder.resolve(file.getFileName() + "." + n);
        }
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException gone) {
            // another replica finished it first
        }
    }
}
