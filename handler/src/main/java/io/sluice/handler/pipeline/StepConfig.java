package io.sluice.handler.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** The configuration of one step as written in a pipeline file, with where it was written for error messages. */
public final class StepConfig {

    private final String file;
    private final String step;
    private final Node node;

    StepConfig(String file, String step, Node node) {
        this.file = file;
        this.step = step;
        this.node = node;
    }

    public String step() {
        return step;
    }

    /** {@code file:line} of this configuration. */
    public String location() {
        return file + ":" + (node.getStartMark().getLine() + 1);
    }

    /** An error to throw for a bad configuration, saying where and why. */
    public PipelineConfigException error(String reason) {
        return new PipelineConfigException(location(), "step '" + step + "': " + reason);
    }

    /** A single value, e.g. {@code - filter: "amount > 0"}. */
    public String text() {
        if (node instanceof ScalarNode scalar) {
            return scalar.getValue();
        }
        throw error("expected a single value");
    }

    /** A list of values, e.g. {@code - drop: [a, b]}. */
    public List<String> texts() {
        if (node instanceof SequenceNode sequence) {
            List<String> values = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                values.add(new StepConfig(file, step, item).text());
            }
            return values;
        }
        if (node instanceof ScalarNode scalar) {
            return List.of(scalar.getValue());
        }
        throw error("expected a list of values");
    }

    /** A mapping of names to nested configurations, e.g. {@code - mask: {email: sha256}}. */
    public Map<String, StepConfig> entries() {
        if (!(node instanceof MappingNode mapping)) {
            throw error("expected name: value pairs");
        }
        Map<String, StepConfig> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = new StepConfig(file, step, tuple.getKeyNode()).text();
            entries.put(key, new StepConfig(file, step, tuple.getValueNode()));
        }
        return entries;
    }

    /** A list of nested configurations, e.g. the steps of a pipeline. */
    public List<StepConfig> sequence() {
        if (!(node instanceof SequenceNode sequence)) {
            throw error("expected a list");
        }
        return sequence.getValue().stream()
                .map(n -> new StepConfig(file, step, n))
                .toList();
    }

    Node node() {
        return node;
    }

    /** A mapping of names to nested configurations that must hold these names. */
    public Map<String, StepConfig> entries(String... required) {
        Map<String, StepConfig> entries = entries();
        for (String name : required) {
            if (!entries.containsKey(name)) {
                throw error(step + " needs '" + name + "'");
            }
        }
        return entries;
    }

    /** The reference database a step reads; a configuration error when none is configured. */
    DataSource referenceDatabase(Supplier<DataSource> reference) {
        DataSource dataSource = reference.get();
        if (dataSource == null) {
            throw error(step + " needs a reference database: set sluice.handler.reference.url");
        }
        return dataSource;
    }

    /** A mapping of names to single values, e.g. {@code - rename: {a: b}}. */
    public Map<String, String> textEntries() {
        Map<String, String> values = new LinkedHashMap<>();
        entries().forEach((key, value) -> values.put(key, value.text()));
        return values;
    }
}
