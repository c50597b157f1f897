package io.sluice.monitor.prometheus;

/** A query Prometheus could not answer, with the reason a reader of the report can act on. */
public class PrometheusException extends RuntimeException {

    public PrometheusException(String message) {
        super(message);
    }

    public PrometheusException(String message, Throwable cause) {
        super(message, cause);
    }
}
