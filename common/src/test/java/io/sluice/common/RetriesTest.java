package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;

class RetriesTest {

    @Test
    void aZeroTimeoutTriesOnceAndPassesTheFailureOn() {
        AtomicInteger calls = new AtomicInteger();
        RetryTemplate retry = Retries.withBackoff(Duration.ZERO, e -> true);
        assertThatThrownBy(() -> retry.execute(() -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("down");
                }))
                .isInstanceOf(RetryException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void aTransientFailureIsRetriedUntilItPasses() throws RetryException {
        AtomicInteger calls = new AtomicInteger();
        RetryTemplate retry = Retries.withBackoff(Duration.ofSeconds(10), e -> true);
        String result = retry.execute(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("restarting");
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(calls).hasValue(3);
    }
}
