package io.sluice.getter.cdc;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Change data capture from one PostgreSQL database, under {@code sluice.getter.cdc}.
 *
 * @param enabled whether the getter captures changes at all
 * @param source the source's name in batches and routing keys, e.g. {@code orders-db}
 * @param url JDBC URL of the source database ({@code jdbc:postgresql://host:5432/db})
 * @param username role with {@code REPLICATION} and {@code SELECT} on the captured tables
 * @param password that role's password
 * @param slot logical replication slot, created with pgoutput when missing
 * @param publication publication, created when missing
 * @param tables tables to capture as {@code schema.table}; empty means all tables
 * @param maxBatchRows rows of one table gathered into one batch before it is published
 * @param statusInterval how often the getter reports its flushed position to the server
 * @param retryBackoff first wait before reconnecting after a failure; it doubles up to a minute
 */
@Validated
@ConfigurationProperties("sluice.getter.cdc")
public record CdcProperties(
        @DefaultValue("true") boolean enabled,

        @DefaultValue("source") @Pattern(regexp = "[A-Za-z0-9_-]+", message = "use letters, digits, '_' and '-'")
        String source,

        String url,
        String username,
        String password,

        @DefaultValue("sluice") @Pattern(regexp = "[a-z0-9_]{1,63}", message = "slot names are a-z, 0-9 and '_'")
        String slot,

        @DefaultValue("sluice") @NotBlank String publication,
        @DefaultValue List<String> tables,
        @DefaultValue("5000") @Min(1) int maxBatchRows,
        @DefaultValue("10s") Duration statusInterval,
        @DefaultValue("1s") Duration retryBackoff) {}
