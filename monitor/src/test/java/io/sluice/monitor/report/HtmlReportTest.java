package io.sluice.monitor.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class HtmlReportTest {

    @Test
    void chartJsonCannotEndItsScriptElementOrOpenAComment() throws Exception {
        String hostile = "public.<!--<script></script><b>&amp;";
        String safe = HtmlReport.scriptSafe(JsonMapper.builder().build().writeValueAsString(Map.of("series", hostile)));
        assertThat(safe).doesNotContain("<").doesNotContain(">").doesNotContain("&");
        assertThat(JsonMapper.builder().build().readValue(safe, Map.class))
                .containsEntry("series", hostile); // same data
    }
}
