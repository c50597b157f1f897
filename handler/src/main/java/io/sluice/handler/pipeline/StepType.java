package io.sluice.handler.pipeline;

/**
 * A kind of step that pipeline files can name ({@code - rename: …}). Built-in kinds and a team's own are Spring beans of
 * this type: put one in a jar on the handler's classpath and its name is usable in YAML.
 */
public interface StepType {

    /** The key that names this step in a pipeline file. */
    String name();

    /** A step from its configuration; a bad configuration throws {@link StepConfig#error(String)}. */
    Step create(StepConfig config);
}
