package io.sluice.monitor.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Reports in a directory: {@code <id>/report.html|csv|json} and {@code index.html}, each file replaced whole. */
public final class DirectoryReportStore implements ReportStore {

    private final Path directory;

    public DirectoryReportStore(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
    }

    @Override
    public void save(String id, byte[] html, byte[] csv, byte[] json) throws IOException {
        Path folder = Files.createDirectories(directory.resolve(id));
        byte[][] contents = {html, csv, json};
        for (int i = 0; i < FILES.length; i++) {
            write(folder.resolve(FILES[i]), contents[i]);
        }
        write(directory.resolve("index.html"), ReportStore.index(ids()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<String> ids() throws IOException {
        try (Stream<Path> folders = Files.list(directory)) {
            return folders.filter(f -> Files.exists(f.resolve("report.html")))
                    .map(f -> f.getFileName().toString())
                    .sorted(Comparator.reverseOrder())
                    .toList();
        }
    }

    @Override
    public Optional<byte[]> read(String id, String file) throws IOException {
        Path path = directory.resolve(id).resolve(file).normalize();
        if (!path.startsWith(directory) || !Files.isRegularFile(path)) {
            return Optional.empty();
        }
        return Optional.of(Files.readAllBytes(path));
    }

    @Override
    public String describe() {
        return directory.toString();
    }

    private static void write(Path file, byte[] content) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.write(partial, content);
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
