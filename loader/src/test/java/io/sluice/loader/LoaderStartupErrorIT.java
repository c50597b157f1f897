package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A loader that cannot log in to its target stops with a few lines saying what it tried and what to change. */
@ExtendWith(OutputCaptureExtension.class)
class LoaderStartupErrorIT {

    @Test
    void aRoleThatCannotLogInIsOneClearAnswerNotPagesOfStackTraces(CapturedOutput output) {
        // Without the URL's own user, so that the configured role is the one that logs in.
        String url = TestPostgres.get().newDatabase("startup_error").jdbcUrl().replaceAll("\\?.*", "");

        assertThatThrownBy(() -> LoaderApplication.create()
                        .run(RabbitBroker.get()
                                .serviceArgs(
                                        RabbitBroker.uniquePrefix("startup"),
                                        "--spring.datasource.url=" + url,
                                        "--spring.datasource.username=no_such_role",
                                        "--spring.datasource.password=wrong-secret")))
                .isInstanceOf(Exception.class);

        String out = output.getOut();
        assertThat(out).contains("APPLICATION FAILED TO START");
        assertThat(out).contains("PostgreSQL refused").contains("no_such_role").contains("SQLSTATE 28");
        assertThat(out).contains("SPRING_DATASOURCE_PASSWORD");
        assertThat(out).doesNotContain("wrong-secret");
        long traceLines = out.lines().filter(line -> line.startsWith("\tat ")).count();
        assertThat(traceLines).as(out).isLessThan(20);
    }
}
