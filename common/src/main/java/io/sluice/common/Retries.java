package io.sluice.common;

import java.time.Duration;
import java.util.function.Predicate;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;

/**
 * Retry with exponential backoff for failures that are not the message's fault (a broker or database restarting): the
 * work is retried in place for a while instead of being requeued, which would spend the queue's delivery limit and
 * dead-letter good data.
 */
public final class Retries {

    private Retries() {}

    /**
     * @param timeout how long to keep retrying before the failure is passed on; zero: no retry
     * @param retryable which failures are worth retrying
     */
    public static RetryTemplate withBackoff(Duration timeout, Predicate<Throwable> retryable) {
        // Spring's RetryPolicy reads a zero timeout as "no time limit": zero here means "do not retry".
        boolean never = timeout.isZero() || timeout.isNegative();
        return new RetryTemplate(RetryPolicy.builder()
                .maxRetries(never ? 0 : Long.MAX_VALUE)
                .delay(Duration.ofMillis(100))
                .multiplier(2)
                .maxDelay(Duration.ofSeconds(5))
                .timeout(never ? Duration.ofMillis(1) : timeout)
                .predicate(retryable)
                .build());
    }
}
