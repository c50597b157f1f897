package io.sluice.getter.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file is taken only when complete: stable across two scans, or announced by its marker. */
class CompleteFilesTest {

    @TempDir
    Path dir;

    @Test
    void withoutMarkersAFileIsCompleteWhenTwoScansSeeTheSameSizeAndTime() throws Exception {
        CompleteFiles files = new CompleteFiles(dir, "*.csv", null);
        Path orders = Files.writeString(dir.resolve("orders.csv"), "id\n1\n");
        Files.writeString(dir.resolve("notes.txt"), "not matched");

        assertThat(files.scan()).isEmpty(); // first sight: maybe still being written
        Files.writeString(orders, "id\n1\n2\n"); // it was
        assertThat(files.scan()).isEmpty();
        assertThat(files.scan()).singleElement().satisfies(f -> {
            assertThat(f.name()).isEqualTo("orders.csv");
            assertThat(f.size()).isEqualTo(7);
            // sha256("id\n1\n2\n")
            assertThat(f.checksum()).isEqualTo("1d1c91d15ace6e21ea5f551e16e717f326992bdf800f6696628859be29b906bf");
        });
    }

    @Test
    void withAMarkerAFileIsCompleteAsSoonAsItsMarkerExists() throws Exception {
        CompleteFiles files = new CompleteFiles(dir, "*.csv*", ".done");
        Files.writeString(dir.resolve("a.csv"), "x");
        assertThat(files.scan()).isEmpty();
        Files.writeString(dir.resolve("a.csv.done"), "");
        assertThat(files.scan()).extracting(FileStore.StoredFile::name).containsExactly("a.csv");
    }

    @Test
    void theChecksumDependsOnContentNotName() throws Exception {
        Path a = Files.writeString(dir.resolve("a.csv"), "same");
        Path b = Files.writeString(dir.resolve("b.csv"), "same");
        Path c = Files.writeString(dir.resolve("c.csv"), "other");
        assertThat(CompleteFiles.sha256(a)).isEqualTo(CompleteFiles.sha256(b)).isNotEqualTo(CompleteFiles.sha256(c));
        assertThat(CompleteFiles.sha256(a))
                .isEqualTo("0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5");
    }
}
