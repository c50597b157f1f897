package io.sluice.loader;

import io.sluice.common.pg.TableName;
import io.sluice.loader.TableRule.DeleteMode;
import io.sluice.loader.TableRule.WriteMode;
import java.util.Map;

/**
 * Resolves the configured rules for a source table: its own ({@code schema.table}) over its schema's
 * ({@code schema.*}) over everyone's ({@code *}). A target of {@code schema.*} keeps the source's table name.
 */
final class TableRules {

    private final Map<String, TableRule> rules;

    TableRules(Map<String, TableRule> rules) {
        this.rules = rules;
        rules.forEach((pattern, rule) -> {
            if (!pattern.equals("*") && !pattern.endsWith(".*")) {
                TableName.parse(pattern); // fails start-up on a malformed name
            }
            if (rule.target() != null && !rule.target().endsWith(".*")) {
                TableName.parse(rule.target());
            }
        });
    }

    TargetSpec resolve(TableName source, boolean hasKey) {
        TableRule rule = rules.getOrDefault(source.toString(), TableRule.none())
                .over(rules.getOrDefault(source.schema() + ".*", TableRule.none()))
                .over(rules.getOrDefault("*", TableRule.none()));
        TableName target = rule.target() == null
                ? source
                : rule.target().endsWith(".*")
                        ? new TableName(rule.target().substring(0, rule.target().length() - 2), source.name())
                        : TableName.parse(rule.target());
        WriteMode mode = rule.mode() != null ? rule.mode() : hasKey ? WriteMode.UPSERT : WriteMode.APPEND;
        if (mode != WriteMode.APPEND && !hasKey) {
            throw new SchemaConflictException(source + " has no key (no primary key or replica identity) and cannot be"
                    + " written in " + mode.name().toLowerCase() + " mode; use append");
        }
        return new TargetSpec(
                target,
                mode,
                rule.deletes() != null ? rule.deletes() : DeleteMode.HARD,
                rule.columns(),
                Boolean.TRUE.equals(rule.truncate()),
                rule.distributeBy());
    }
}
