package io.sluice.handler.pipeline;

/** A pipeline file the handler cannot use: says where ({@code file:line}) and why, and stops start-up. */
public class PipelineConfigException extends RuntimeException {

    public PipelineConfigException(String location, String reason) {
        super(location + ": " + reason);
    }
}
