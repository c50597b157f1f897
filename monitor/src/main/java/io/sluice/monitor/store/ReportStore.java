package io.sluice.monitor.store;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Where reports are kept: a directory or an S3-compatible bucket, each report a folder of files, with an index. */
public interface ReportStore {

    /** The files of one report. */
    String[] FILES = {"report.html", "report.csv", "report.json"};

    /** Keeps a report's files (named as {@link #FILES}) and refreshes the index. */
    void save(String id, byte[] html, byte[] csv, byte[] json) throws IOException;

    /** The ids of the kept reports, newest first. */
    List<String> ids() throws IOException;

    /** One file of a report, if it is kept. */
    Optional<byte[]> read(String id, String file) throws IOException;

    /** Where the store is, for logs. */
    String describe();

    /** The index page: the reports, newest first, each with its HTML, CSV and JSON. */
    static String index(List<String> ids) {
        StringBuilder html = new StringBuilder("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Sluice reports</title><style>body{font:14px system-ui,sans-serif;margin:24px}"
                + "li{margin:4px 0}</style></head><body><h1>Sluice reports</h1><ul>");
        for (String id : ids) {
            html.append("<li><a href=\"")
                    .append(id)
                    .append("/report.html\">")
                    .append(id)
                    .append("</a> · <a href=\"")
                    .append(id)
                    .append("/report.csv\">CSV</a> · <a href=\"")
                    .append(id)
                    .append("/report.json\">JSON</a></li>");
        }
        if (ids.isEmpty()) {
            html.append("<li>No report yet.</li>");
        }
        return html.append("</ul></body></html>").toString();
    }
}
