package io.sluice.common.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Origin;
import io.sluice.common.pg.TableName;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code sluice.amqp.format} chooses what a service writes; JSON unless told, and a wrong value stops the start. */
class BatchFormatConfigTest {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SluiceAmqpAutoConfiguration.class));
    private final ChangeBatch batch = new ChangeBatch(
            "s", Origin.CDC, new TableName("public", "t"), List.of(new Column("id", "bigint", true)), List.of());

    @Test
    void servicesWriteJsonUnlessToldBinary() {
        runner.run(context ->
                assertThat(contentType(context.getBean(BatchMessages.class))).isEqualTo(BatchCodec.CONTENT_TYPE));
        runner.withPropertyValues("sluice.amqp.format=binary")
                .run(context -> assertThat(contentType(context.getBean(BatchMessages.class)))
                        .isEqualTo(BatchCodec.BINARY_CONTENT_TYPE));
    }

    @Test
    void anUnknownFormatStopsTheStartNamingTheChoices() {
        runner.withPropertyValues("sluice.amqp.format=protobuf")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("protobuf"));
    }

    private String contentType(BatchMessages messages) {
        return messages.toMessages(batch).getFirst().getMessageProperties().getContentType();
    }
}
