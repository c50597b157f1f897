package io.sluice.loader;

import io.sluice.common.pg.TableName;
import io.sluice.common.pg.TablePattern;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * The loader's allow-list when {@code sluice.loader.allowed-targets} is not set: the targets of what the getter
 * captures and the file sources name (where their properties are in the loader's environment too, as with one shared
 * ConfigMap), and those the table rules name; failing all of these, {@code public.*} — never "anything".
 */
final class AllowedTargets {

    private static final Logger log = LoggerFactory.getLogger(AllowedTargets.class);
    /** How far the getter's numbered sources are looked for. */
    private static final int MAX_SOURCES = 64;

    private AllowedTargets() {}

    static TargetAllowList of(List<String> configured, TableRules rules, Binder environment) {
        if (!configured.isEmpty()) {
            return new TargetAllowList(configured.stream().map(TablePattern::of).toList());
        }
        Set<String> derived = new LinkedHashSet<>();
        for (int i = 0; i < MAX_SOURCES; i++) {
            String cdc = "sluice.getter.cdc.sources[" + i + "].tables";
            environment
                    .bind(cdc, Bindable.listOf(String.class))
                    .ifBound(tables -> tables.stream()
                            .map(String::strip)
                            .filter(t -> !t.isEmpty())
                            .forEach(t -> derived.add(
                                    rules.targetOf(TableName.parse(t)).toString())));
            environment
                    .bind("sluice.getter.files.sources[" + i + "].table", String.class)
                    .ifBound(t -> derived.add(
                            rules.targetOf(TableName.parse(t.strip())).toString()));
        }
        derived.addAll(rules.namedTargets());
        if (derived.isEmpty()) {
            log.warn("sluice.loader.allowed-targets is not set and nothing names the tables to load:"
                    + " writing only tables of schema public (public.*)");
            derived.add("public.*");
        } else {
            log.info("loading only into {} (set sluice.loader.allowed-targets to choose)", derived);
        }
        return new TargetAllowList(derived.stream().map(TablePattern::of).toList());
    }
}
