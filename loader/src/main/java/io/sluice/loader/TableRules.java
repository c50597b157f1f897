package io.sluice.loader;

import io.sluice.common.pg.TableName;
import io.sluice.loader.TableRule.DeleteMode;
import io.sluice.loader.TableRule.WriteMode;
import java.util.ArrayList;
import java.util.List;
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
            if (rule.target() != null) {
                String schema = rule.target().endsWith(".*")
                        ? rule.target().substring(0, rule.target().length() - 2)
                        : TableName.parse(rule.target()).schema();
                if (TargetAllowList.isReserved(schema)) {
                    throw new IllegalArgumentException("sluice.loader.tables[" + pattern + "].target " + rule.target()
                            + " is in " + schema + ", which the loader never writes");
                }
            }
        });
    }

    /**
     * @param hasKey whether the batch's table has a key
     * @param captured whether the batch comes from a database (change capture or snapshot) rather than a file: a
     *     captured keyless table is a set of rows to copy (multiset), a keyless file a stream of facts (append)
     */
    TargetSpec resolve(TableName source, boolean hasKey, boolean captured) {
        TableRule rule = ruleFor(source);
        TableName target = targetOf(source, rule);
        WriteMode mode = rule.mode() != null
                ? rule.mode()
                : hasKey ? WriteMode.UPSERT : captured ? WriteMode.MULTISET : WriteMode.APPEND;
        if ((mode == WriteMode.UPSERT || mode == WriteMode.HISTORY) && !hasKey) {
            throw new SchemaConflictException(source + " has no key (no primary key or replica identity) and cannot be"
                    + " written in " + mode.name().toLowerCase() + " mode, which keeps rows by key; use multiset (a"
                    + " copy of its rows) or append (its changes)");
        }
        if (mode == WriteMode.MULTISET && hasKey) {
            throw new SchemaConflictException(
                    source + " has a key: multiset mode is for tables without one; use upsert");
        }
        return new TargetSpec(
                target,
                mode,
                rule.deletes() != null ? rule.deletes() : DeleteMode.HARD,
                rule.columns(),
                Boolean.TRUE.equals(rule.truncate()),
                rule.distributeBy());
    }

    /** The target table of a source table under these rules. */
    TableName targetOf(TableName source) {
        return targetOf(source, ruleFor(source));
    }

    /**
     * The targets the rules name: each rule's target, or the table or schema its pattern names ({@code *} names none).
     */
    List<String> namedTargets() {
        List<String> named = new ArrayList<>();
        rules.forEach((pattern, rule) -> {
            if (rule.target() != null) {
                named.add(rule.target());
            } else if (!pattern.equals("*")) {
                named.add(
                        pattern.endsWith(".*")
                                ? pattern
                                : targetOf(TableName.parse(pattern)).toString());
            }
        });
        return named;
    }

    private TableRule ruleFor(TableName source) {
        TableRule rule = TableRule.none();
        for (String pattern : source.patterns().reversed()) { // each more specific rule over the ones before
            rule = rules.getOrDefault(pattern, TableRule.none()).over(rule);
        }
        return rule;
    }

    private static TableName targetOf(TableName source, TableRule rule) {
        if (rule.target() == null) {
            return source;
        }
        return rule.target().endsWith(".*")
                ? new TableName(rule.target().substring(0, rule.target().length() - 2), source.name())
                : TableName.parse(rule.target());
    }
}
