package io.sluice.common.amqp;

import io.sluice.common.pg.TableName;
import java.util.List;

/** The names of DESIGN.md's exchanges, queues and routing keys, derived from one prefix. */
public record Topology(String prefix, List<String> targets) {

    /** The pipeline stages; each has a dead-letter queue. */
    public enum Stage {
        GETTER,
        HANDLER,
        LOADER;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public String rawExchange() {
        return prefix + ".raw";
    }

    public String cleanExchange() {
        return prefix + ".clean";
    }

    public String deadLetterExchange() {
        return prefix + ".dlx";
    }

    public String handlerQueue() {
        return prefix + ".handler";
    }

    public String loaderQueue(String target) {
        return prefix + ".loader." + target;
    }

    public String deadLetterQueue(Stage stage) {
        return prefix + ".dead." + stage.id();
    }

    /** Every queue of the topology: work queues and dead-letter queues. */
    public List<String> queues() {
        List<String> queues = new java.util.ArrayList<>();
        queues.add(handlerQueue());
        targets.forEach(target -> queues.add(loaderQueue(target)));
        for (Stage stage : Stage.values()) {
            queues.add(deadLetterQueue(stage));
        }
        return queues;
    }

    public List<String> exchanges() {
        return List.of(rawExchange(), cleanExchange(), deadLetterExchange());
    }

    /** Routing key on the raw exchange: {@code <source>.<schema>.<table>}. */
    public static String rawRoutingKey(String source, TableName table) {
        return source + '.' + table.schema() + '.' + table.name();
    }

    /** Routing key on the clean exchange: {@code <target>.<schema>.<table>}. */
    public static String cleanRoutingKey(String target, TableName table) {
        return target + '.' + table.schema() + '.' + table.name();
    }
}
