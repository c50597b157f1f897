package io.sluice.monitor.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The report definitions: the shipped {@code default} report and every {@code *.yml} of a configured directory, by
 * file name. A definition that cannot be read, or misses a panel's query, stops start-up naming the file and line.
 */
public final class ReportDefinitions {

    private static final String DEFAULT = "/io/sluice/monitor/reports/default.yml";
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES) // an absent flag is false
            .build();

    private final Map<String, ReportDefinition> byName = new LinkedHashMap<>();

    public ReportDefinitions(Path directory) {
        try (InputStream in = ReportDefinitions.class.getResourceAsStream(DEFAULT)) {
            byName.put("default", read(in, "default.yml (shipped)"));
        } catch (IOException e) {
            throw new IllegalStateException("the shipped default report is missing", e);
        }
        if (directory != null) {
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".yml"))
                        .sorted()
                        .toList()) {
                    try (InputStream in = Files.newInputStream(file)) {
                        byName.put(
                                file.getFileName().toString().replaceFirst("\\.yml$", ""), read(in, file.toString()));
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read report definitions in " + directory + ": " + e, e);
            }
        }
    }

    public Map<String, ReportDefinition> all() {
        return byName;
    }

    static ReportDefinition read(InputStream in, String file) {
        ReportDefinition definition;
        try {
            definition = YAML.readValue(in, ReportDefinition.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    file + ": " + e.getOriginalMessage() + " (line "
                            + e.getLocation().getLineNr() + ")",
                    e);
        }
        if (definition.sections() == null || definition.sections().isEmpty()) {
            throw new IllegalArgumentException(file + ": a report needs sections");
        }
        for (ReportDefinition.Section section : definition.sections()) {
            for (ReportDefinition.Panel panel : section.panels()) {
                if (panel.title() == null || panel.query() == null || panel.type() == null) {
                    throw new IllegalArgumentException(file + ": section '" + section.title()
                            + "' has a panel without title, type or query: " + panel);
                }
            }
        }
        return definition;
    }
}
