package io.sluice.getter.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Files in a local or mounted directory (a PersistentVolume shared by replicas), polled with a glob. Archived and
 * quarantined files move into sub-folders of the directory, which the glob's scan of the directory itself never sees.
 */
final class DirectoryStore implements FileStore {

    private final Path directory;
    private final String marker;
    private final CompleteFiles complete;

    DirectoryStore(Path directory, String glob, String marker) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("the file source directory " + directory + " does not exist");
        }
        this.directory = directory;
        this.marker = marker;
        this.complete = new CompleteFiles(directory, glob, marker);
    }

    @Override
    public List<StoredFile> scan() throws IOException {
        return complete.scan();
    }

    @Override
    public InputStream open(String name) throws IOException {
        return Files.newInputStream(directory.resolve(name));
    }

    @Override
    public void moveTo(String name, String folder) throws IOException {
        Path target = Files.createDirectories(directory.resolve(folder));
        move(directory.resolve(name), target);
        if (marker != null) {
            move(directory.resolve(name + marker), target);
        }
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(directory.resolve(name));
        if (marker != null) {
            Files.deleteIfExists(directory.resolve(name + marker));
        }
    }

    @Override
    public String describe() {
        return directory.toString();
    }

    /** Moves a file into a folder; an older file of the same name there is kept under a numbered name. */
    private static void move(Path file, Path folder) throws IOException {
        Path target = folder.resolve(file.getFileName());
        for (int n = 1; Files.exists(target); n++) {
            target = folder.resolve(file.getFileName() + "." + n);
        }
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException gone) {
            // another replica finished it first
        }
    }
}
