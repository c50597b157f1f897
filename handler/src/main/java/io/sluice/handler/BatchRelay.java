package io.sluice.handler;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.Retries;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.PublishFailedException;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.MalformedBatchException;
import io.sluice.common.pg.TableName;
import io.sluice.handler.pipeline.PipelineRunner;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageListener;
import org.springframework.core.retry.RetryTemplate;

/**
 * Shapes each raw batch with its table's pipeline (if any) and relays it to every target's clean queue; rows a step
 * rejects go to the dead-letter queue with the step and reason. The listener
 * returns, and so the container acks the input, only after every output is confirmed by the broker; a batch that cannot
 * be read is dead-lettered with the reason instead of being retried forever. A publish the broker does not confirm is
 * retried in place with backoff before the input is given back.
 */
final class BatchRelay implements MessageListener {

    private static final Logger log = LoggerFactory.getLogger(BatchRelay.class);

    private final BatchMessages messages;
    private final ConfirmedPublisher publisher;
    private final Topology topology;
    private final List<String> targets;
    private final MeterRegistry meters;
    private final PipelineRunner runner;
    private final RetryTemplate retry;

    BatchRelay(
            BatchMessages messages,
            ConfirmedPublisher publisher,
            Topology topology,
            List<String> targets,
            PipelineRunner runner,
            MeterRegistry meters,
            Duration retryTimeout) {
        this.retry = Retries.withBackoff(retryTimeout, PublishFailedException.class::isInstance);
        this.messages = messages;
        this.publisher = publisher;
        this.topology = topology;
        this.targets = targets;
        this.meters = meters;
        this.runner = runner;
    }

    @Override
    public void onMessage(Message message) {
        ChangeBatch batch;
        try {
            batch = messages.fromMessage(message);
        } catch (MalformedBatchException e) {
            log.warn("dead-lettering an unreadable batch: {}", e.getMessage());
            publisher.publishAndWait(
                    topology.deadLetterExchange(),
                    Stage.HANDLER.id(),
                    BatchMessages.deadLetter(message, Stage.HANDLER, e.getMessage()));
            meters.counter("sluice.dead.letters", "stage", "handler", "reason", "malformed")
                    .increment();
            return;
        }
        Optional<PipelineRunner.Result> shaped = runner.run(batch);
        List<Message> outputs;
        List<String> to = targets;
        String table = batch.table().toString();
        int rows = batch.rows().size();
        if (shaped.isEmpty()) {
            outputs = List.of(copy(message));
        } else {
            PipelineRunner.Result result = shaped.get();
            result.rejected().forEach((reason, rejected) -> deadLetter(rejected, reason));
            count(batch, "filtered", result.dropped());
            if (result.targets() != null) {
                to = result.targets().stream().filter(targets::contains).toList();
                List<String> unknown = result.targets().stream()
                        .filter(t -> !targets.contains(t))
                        .toList();
                if (!unknown.isEmpty()) {
                    deadLetter(result.output(), "route: " + unknown + " are not targets of this handler " + targets);
                }
            }
            rows = result.output().rows().size();
            outputs = rows == 0 ? List.of() : messages.toMessages(result.output());
            table = result.output().table().toString();
        }
        for (String target : to) {
            String routingKey = Topology.cleanRoutingKey(target, TableName.parse(table));
            for (Message output : outputs) {
                try {
                    retry.invoke(() -> publisher.publishAndWait(topology.cleanExchange(), routingKey, output));
                } catch (RuntimeException e) {
                    // Not acked: the input is redelivered and published again, which the loader's merge absorbs.
                    throw new IllegalStateException("relaying " + batch.table() + " to " + target + " failed", e);
                }
            }
        }
        count(batch, "relayed", rows);
    }

    private void deadLetter(ChangeBatch rejected, String reason) {
        for (Message dead : messages.toMessages(rejected)) {
            publisher.publishAndWait(
                    topology.deadLetterExchange(),
                    Stage.HANDLER.id(),
                    BatchMessages.deadLetter(dead, Stage.HANDLER, reason));
        }
        count(rejected, "dead", rejected.rows().size());
    }

    private void count(ChangeBatch batch, String outcome, int rows) {
        if (rows > 0) {
            meters.counter(
                            "sluice.rows",
                            "stage",
                            "handler",
                            "table",
                            batch.table().toString(),
                            "outcome",
                            outcome)
                    .increment(rows);
        }
    }

    /** The same body and headers, without the delivery details of the input. */
    private static Message copy(Message input) {
        return org.springframework.amqp.core.MessageBuilder.withBody(input.getBody())
                .copyHeaders(input.getMessageProperties().getHeaders())
                .setContentType(input.getMessageProperties().getContentType())
                .setDeliveryMode(org.springframework.amqp.core.MessageDeliveryMode.PERSISTENT)
                .build();
    }
}
