package io.sluice.handler.pipeline;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a pipeline file into {@link Pipelines}. The YAML is read as nodes, not bound to classes, so that every error
 * says the file and line:
 *
 * <pre>
 * pipelines:
 *   public.orders:
 *     - rename: {amount: amount_cny}
 *     - cast: {amount_cny: numeric}
 *     - filter: "amount_cny > 0"
 *     - mask: {email: sha256}
 * </pre>
 */
public final class PipelineFiles {

    private final Map<String, StepType> types;

    public PipelineFiles(Collection<StepType> types) {
        this.types = types.stream().collect(Collectors.toMap(StepType::name, Function.identity()));
    }

    public Pipelines read(Path file) {
        Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(reader);
        } catch (MarkedYAMLException e) {
            throw new PipelineConfigException(
                    file + ":" + (e.getProblemMark().getLine() + 1), "not valid YAML: " + e.getProblem());
        } catch (IOException e) {
            throw new PipelineConfigException(file.toString(), "cannot be read: " + e.getMessage());
        }
        if (root == null) {
            return Pipelines.none();
        }
        StepConfig top = new StepConfig(file.toString(), "pipelines", root);
        StepConfig pipelines = top.entries().get("pipelines");
        if (pipelines == null) {
            throw new PipelineConfigException(file + ":1", "expected a top-level 'pipelines:' mapping");
        }
        Map<String, List<Pipelines.NamedStep>> byPattern = new LinkedHashMap<>();
        pipelines.entries().forEach((pattern, steps) -> byPattern.put(pattern, steps(file.toString(), pattern, steps)));
        return new Pipelines(byPattern);
    }

    private List<Pipelines.NamedStep> steps(String file, String pattern, StepConfig list) {
        List<Pipelines.NamedStep> steps = new ArrayList<>();
        for (StepConfig item : list.sequence()) {
            Map<String, StepConfig> entry = item.entries();
            if (entry.size() != 1) {
                throw item.error("a step is one 'name: configuration' pair, found " + entry.keySet());
            }
            Map.Entry<String, StepConfig> only = entry.entrySet().iterator().next();
            StepType type = types.get(only.getKey());
            if (type == null) {
                throw new PipelineConfigException(
                        only.getValue().location(),
                        "unknown step '" + only.getKey() + "'; known steps: "
                                + types.keySet().stream().sorted().toList());
            }
            Step step = type.create(
                    new StepConfig(file, only.getKey(), only.getValue().node()));
            steps.add(new Pipelines.NamedStep(pattern, only.getKey(), step));
        }
        return steps;
    }
}
