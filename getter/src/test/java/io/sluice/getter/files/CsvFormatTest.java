package io.sluice.getter.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV files as partners send them: headers in any order, quotes, nulls, GBK, compression, and bad lines. */
class CsvFormatTest {

    private static final List<String> COLUMNS = List.of("id", "name", "note");

    @TempDir
    Path dir;

    @Test
    void headerColumnsAreMatchedByNameQuotedFieldsKeepDelimitersAndLineBreaksAndTheNullMarkerIsNull() throws Exception {
        String csv = "note,id,name\r\n\"a, \"\"quoted\"\"\nnote\",1,Ann\r\n\\N,2,Bob\r\n";
        List<ParsedLine> lines = read(
                new CsvFormat(COLUMNS, true, ',', '"', "\\N", StandardCharsets.UTF_8),
                csv.getBytes(StandardCharsets.UTF_8));
        assertThat(lines)
                .extracting(ParsedLine::values)
                .containsExactly(List.of("1", "Ann", "a, \"quoted\"\nnote"), Arrays.asList("2", "Bob", null));
        assertThat(lines).extracting(ParsedLine::number).containsExactly(1L, 2L);
    }

    @Test
    void gbkFilesWithoutHeaderAndABadLineThatDoesNotStopTheFile() throws Exception {
        Charset gbk = Charset.forName("GBK");
        byte[] file = "1|张三|北京\n2|李四\n3|王五|上海\n".getBytes(gbk);
        List<ParsedLine> lines = read(new CsvFormat(COLUMNS, false, '|', '"', null, gbk), file);
        assertThat(lines.get(0).values()).containsExactly("1", "张三", "北京");
        assertThat(lines.get(1).isBad()).isTrue();
        assertThat(lines.get(1).error()).isEqualTo("expected 3 fields, found 2");
        assertThat(lines.get(1).number()).isEqualTo(2);
        assertThat(lines.get(2).values()).containsExactly("3", "王五", "上海");
    }

    @Test
    void gzipAndZstdFilesAreReadByTheirExtension() throws Exception {
        byte[] csv = "id,name,note\n1,a,x\n".getBytes(StandardCharsets.UTF_8);
        Path gz = dir.resolve("f.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(csv);
        }
        Path zst = dir.resolve("f.csv.zst");
        try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(zst))) {
            out.write(csv);
        }
        CsvFormat format = new CsvFormat(COLUMNS, true, ',', '"', null, StandardCharsets.UTF_8);
        for (Path file : List.of(gz, zst)) {
            Iterator<ParsedLine> lines = format.read(Decompression.wrap(Files.newInputStream(file), file.toString()));
            assertThat(lines.next().values()).as(file.toString()).containsExactly("1", "a", "x");
            assertThat(lines.hasNext()).isFalse();
        }
    }

    @Test
    void aHeaderWithoutAConfiguredColumnIsRefusedWithTheHeader() {
        CsvFormat format = new CsvFormat(COLUMNS, true, ',', '"', null, StandardCharsets.UTF_8);
        assertThatThrownBy(
                        () -> format.read(new ByteArrayInputStream("id,name\n1,a\n".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(UnreadableFileException.class)
                .hasMessage("the header [id, name] has no column note");
    }

    private static List<ParsedLine> read(CsvFormat format, byte[] content) throws Exception {
        List<ParsedLine> lines = new ArrayList<>();
        format.read(new ByteArrayInputStream(content)).forEachRemaining(lines::add);
        return lines;
    }
}
