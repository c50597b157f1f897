package io.sluice.monitor.report;

import io.sluice.monitor.store.ReportStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Makes a report by name and keeps it as HTML, CSV and JSON. */
public final class Reports {

    private static final Logger log = LoggerFactory.getLogger(Reports.class);
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final ReportDefinitions definitions;
    private final ReportBuilder builder;
    private final HtmlReport html;
    private final ReportStore store;
    private final Clock clock;

    public Reports(
            ReportDefinitions definitions, ReportBuilder builder, HtmlReport html, ReportStore store, Clock clock) {
        this.definitions = definitions;
        this.builder = builder;
        this.html = html;
        this.store = store;
        this.clock = clock;
    }

    public ReportDefinitions definitions() {
        return definitions;
    }

    public ReportStore store() {
        return store;
    }

    /** Makes the named report as of now and keeps it; an unknown name is an {@link IllegalArgumentException}. */
    public ReportData make(String name) throws IOException {
        return make(name, clock.instant());
    }

    /**
     * Makes the named report for a scheduled slot (the cron time it was due), unless the store already holds it.
     * The slot, not the moment a replica got to it, names and ends the report, so every replica sharing a store makes
     * the same report under the same id: the first one keeps it and the others find it there and skip.
     *
     * @return the report, or empty when it was already made for this slot
     */
    public java.util.Optional<ReportData> makeScheduled(String name, java.time.Instant slot) throws IOException {
        String id = ReportBuilder.id(name, slot);
        if (store.ids().contains(id)) {
            log.info("report {} is already in {} (another replica made it)", id, store.describe());
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(make(name, slot));
    }

    private ReportData make(String name, java.time.Instant end) throws IOException {
        ReportDefinition definition = definitions.all().get(name);
        if (definition == null) {
            throw new IllegalArgumentException("no report named '" + name + "'; reports: "
                    + definitions.all().keySet());
        }
        ReportData report = builder.build(name, definition, end);
        store.save(
                report.id(),
                html.render(report).getBytes(StandardCharsets.UTF_8),
                CsvReport.render(report).getBytes(StandardCharsets.UTF_8),
                JSON.writeValueAsBytes(report));
        log.info(
                "report {} made in {}: {} alerts",
                report.id(),
                store.describe(),
                report.alerts().size());
        return report;
    }
}
