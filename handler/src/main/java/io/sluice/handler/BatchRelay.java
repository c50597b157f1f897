package io.sluice.handler;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.Retries;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.DeadLetters;
import io.sluice.common.amqp.PublishFailedException;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.MalformedBatchException;
import io.sluice.common.metrics.StageMetrics;
import io.sluice.common.pg.TableName;
import io.sluice.handler.pipeline.PipelineRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.listener.api.ChannelAwareBatchMessageListener;
import org.springframework.core.retry.RetryTemplate;

/**
 * Shapes each raw batch of a group with its table's pipeline (if any) and relays it to its targets' clean queues; rows
 * a step rejects go to the dead-letter queue with the step and reason. A group's inputs are acked only once every one
 * of its outputs is confirmed — but on the ack thread, not the consumer's: the consumer shapes the next group while the
 * broker stores this one (the prefetch bounds how many groups are in flight). A publish the broker does not confirm is
 * retried there with backoff (all outputs again: the loader's merge absorbs duplicates) before the inputs are given
 * back. A batch that cannot be read is dead-lettered with the reason.
 */
final class BatchRelay implements ChannelAwareBatchMessageListener, AutoCloseable {

    /** A message to publish for an input: a shaped batch to the clean exchange, or a dead letter (with its kind). */
    private record Output(String exchange, String routingKey, Message message, String deadLetterKind) {}

    private static final Logger log = LoggerFactory.getLogger(BatchRelay.class);

    private final BatchMessages messages;
    private final ConfirmedPublisher publisher;
    private final Topology topology;
    private final List<String> targets;
    private final StageMetrics stageMetrics;
    private final DeadLetters deadLetters;
    private final PipelineRunner runner;
    private final RetryTemplate retry;
    private final ExecutorService acks = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("handler-acks").daemon().factory());
    private final Set<CompletableFuture<Void>> inFlight = ConcurrentHashMap.newKeySet();

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
        this.runner = runner;
        this.stageMetrics = new StageMetrics(meters, Stage.HANDLER);
        this.deadLetters =
                new DeadLetters(publisher, topology, Stage.HANDLER, stageMetrics, List.of("malformed", "rejected"));
    }

    @Override
    public void onMessageBatch(List<Message> group, Channel channel) {
        List<Long> tags = group.stream()
                .map(m -> m.getMessageProperties().getDeliveryTag())
                .toList();
        List<Output> outputs = new ArrayList<>();
        try {
            for (Message message : group) {
                outputs.addAll(shape(message));
            }
        } catch (RuntimeException e) {
            settle(channel, tags, false);
            throw e;
        }
        CompletableFuture<Void> settled = publishAll(outputs)
                .whenCompleteAsync(
                        (confirmed, error) -> settle(channel, tags, error == null || republished(outputs, error)),
                        acks);
        inFlight.add(settled);
        settled.whenComplete((done, error) -> inFlight.remove(settled));
    }

    @Override
    public void onMessage(Message message, Channel channel) {
        onMessageBatch(List.of(message), channel);
    }

    /** Publishes the outputs again, waiting for their confirms, with backoff; false once the retry time is spent. */
    private boolean republished(List<Output> outputs, Throwable first) {
        log.warn(
                "outputs not confirmed, publishing them again: {}", cause(first).getMessage());
        try {
            retry.invoke(() -> ConfirmedPublisher.await(publishAll(outputs)));
            return true;
        } catch (RuntimeException e) {
            // Not acked: the inputs are redelivered and published again, which the loader's merge absorbs.
            log.error("relaying {} outputs failed, giving their inputs back: {}", outputs.size(), e.getMessage());
            return false;
        }
    }

    /** Acks the inputs, or gives them back; a closed channel gives them back by itself (they are redelivered). */
    private static void settle(Channel channel, List<Long> tags, boolean done) {
        try {
            for (long tag : tags) {
                if (done) {
                    channel.basicAck(tag, false);
                } else {
                    channel.basicNack(tag, false, true);
                }
            }
        } catch (IOException | ShutdownSignalException e) {
            log.info("channel closed before {} inputs were settled; the broker redelivers them", tags.size());
        }
    }

    /**
     * Settles what is in flight (for a few seconds at most), then stops the ack thread. Inputs left unsettled are
     * redelivered by the broker and published again, which the loader's merge absorbs.
     */
    @Override
    public void close() throws InterruptedException {
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.info("{} groups of inputs left unsettled at shutdown; the broker redelivers them", inFlight.size());
        }
        acks.shutdown();
    }

    /**
     * The outputs of one input. An unreadable input and rejected rows become dead letters among the outputs, sent and
     * confirmed with them: the input is acked only once its letters are in the dead-letter queue too.
     */
    private List<Output> shape(Message message) {
        List<Output> unread = passUnread(message);
        if (unread != null) {
            return unread;
        }
        ChangeBatch batch;
        try {
            batch = messages.fromMessage(message);
        } catch (MalformedBatchException e) {
            log.warn("dead-lettering an unreadable batch: {}", e.getMessage());
            return List.of(deadLetter(message, e.getMessage(), "malformed"));
        }
        Optional<PipelineRunner.Result> shaped = runner.run(batch);
        if (shaped.isEmpty()) {
            return relayAsIs(
                    withIdentity(message, batch), batch.table(), batch.rows().size());
        }
        PipelineRunner.Result result = shaped.get();
        List<Output> outputs = new ArrayList<>();
        result.rejected().forEach((reason, rejected) -> outputs.addAll(deadLetters(rejected, reason, message)));
        count(batch.table(), "filtered", result.dropped());
        List<String> to = targets;
        if (result.targets() != null) {
            to = result.targets().stream().filter(targets::contains).toList();
            List<String> unknown =
                    result.targets().stream().filter(t -> !targets.contains(t)).toList();
            if (!unknown.isEmpty()) {
                outputs.addAll(deadLetters(
                        result.output(), "route: " + unknown + " are not targets of this handler " + targets, message));
            }
        }
        ChangeBatch output = result.output();
        count(batch.table(), "relayed", output.rows().size());
        if (result.sharding() != null) {
            Map<String, ChangeBatch> shards;
            try {
                shards = result.sharding().split(output);
            } catch (IllegalArgumentException e) {
                outputs.addAll(deadLetters(output, "shard: " + e.getMessage(), message));
                return outputs;
            }
            shards.forEach((shard, rows) -> {
                if (!targets.contains(shard)) {
                    outputs.addAll(deadLetters(
                            rows, "shard: " + shard + " is not a target of this handler " + targets, message));
                    return;
                }
                List<Message> shardMessages = messages.toMessages(rows);
                keepFileName(message, shardMessages);
                outputs.addAll(routed(rows.table(), List.of(shard), shardMessages));
            });
            return outputs;
        }
        List<Message> shapedMessages = messages.toMessages(output);
        keepFileName(message, shapedMessages);
        if (!output.rows().isEmpty()) {
            outputs.addAll(routed(output.table(), to, shapedMessages));
        }
        return outputs;
    }

    /**
     * A batch of a table without a pipeline passes as it is, unread: its headers say its source, table and rows (checked
     * against the first bytes of its body), and reading it only to copy it cost most of the handler's CPU. Null when it must be read: a pipeline may apply, or
     * the headers are missing (an unreadable body is then dead-lettered here; one behind valid headers, by the loader).
     */
    private List<Output> passUnread(Message message) {
        MessageProperties properties = message.getMessageProperties();
        if (!(properties.getHeader(BatchMessages.HEADER_SOURCE) instanceof String source)
                || !(properties.getHeader(BatchMessages.HEADER_TABLE) instanceof String tableName)
                || !(properties.getHeader(BatchMessages.HEADER_ROWS) instanceof Number rows)) {
            return null;
        }
        TableName table;
        try {
            table = TableName.parse(tableName);
        } catch (IllegalArgumentException ambiguous) {
            return null; // a name with dots of its own: the body says which part is the schema
        }
        if (runner.hasPipeline(source, table)) {
            return null;
        }
        // Headers are anyone's to write: relay unread only what the body itself says it is, so that a batch of a
        // masked table behind another table's headers is read and goes through its pipeline.
        Optional<BatchCodec.Identity> body = messages.identity(message);
        if (body.isEmpty()
                || !body.get().source().equals(source)
                || !body.get().table().equals(table)) {
            return null;
        }
        return relayAsIs(message, table, rows.intValue());
    }

    /** The input, byte for byte, to every target. */
    private List<Output> relayAsIs(Message message, TableName table, int rows) {
        count(table, "relayed", rows);
        return routed(table, targets, List.of(copy(message)));
    }

    private List<Output> routed(TableName table, List<String> to, List<Message> bodies) {
        List<Output> outputs = new ArrayList<>();
        for (String target : to) {
            String routingKey = Topology.cleanRoutingKey(target, table);
            bodies.forEach(body -> outputs.add(new Output(topology.cleanExchange(), routingKey, body, null)));
        }
        return outputs;
    }

    private Output deadLetter(Message message, String reason, String kind) {
        return new Output(deadLetters.exchange(), deadLetters.routingKey(), deadLetters.letter(message, reason), kind);
    }

    /** Publishes every output; the future completes when all are confirmed. */
    private CompletableFuture<Void> publishAll(List<Output> outputs) {
        List<CompletableFuture<Void>> confirms = new ArrayList<>(outputs.size());
        for (Output output : outputs) {
            CompletableFuture<Void> confirmed =
                    publisher.publish(output.exchange(), output.routingKey(), output.message());
            if (output.deadLetterKind() != null) {
                confirmed = confirmed.thenRun(() -> deadLetters.counted(output.deadLetterKind()));
            }
            confirms.add(confirmed);
        }
        return CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new));
    }

    private static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** Rows a step rejected (or a route could not deliver), as dead letters of their own, naming the input's place. */
    private List<Output> deadLetters(ChangeBatch rejected, String reason, Message input) {
        List<Output> letters = new ArrayList<>();
        for (Message dead : messages.setAside(rejected, input)) {
            letters.add(deadLetter(dead, reason, "rejected"));
        }
        count(rejected.table(), "dead", rejected.rows().size());
        return letters;
    }

    private void count(TableName table, String outcome, int rows) {
        if (rows > 0) {
            stageMetrics.rows(table, outcome).increment(rows);
        }
    }

    /** A file row's batch keeps naming its file after shaping, so that a dead letter downstream can name it too. */
    private static void keepFileName(Message input, List<Message> outputs) {
        Object file = input.getMessageProperties().getHeader(BatchMessages.HEADER_FILE);
        if (file != null) {
            outputs.forEach(m -> m.getMessageProperties().setHeader(BatchMessages.HEADER_FILE, file));
        }
    }

    /** The message with the source and table headers its body gives, whatever the input's headers said. */
    private static Message withIdentity(Message message, ChangeBatch batch) {
        message.getMessageProperties().setHeader(BatchMessages.HEADER_SOURCE, batch.source());
        message.getMessageProperties()
                .setHeader(BatchMessages.HEADER_TABLE, batch.table().toString());
        message.getMessageProperties()
                .setHeader(BatchMessages.HEADER_ROWS, batch.rows().size());
        return message;
    }

    /** The same body and headers, without the delivery details of the input. */
    private static Message copy(Message input) {
        return MessageBuilder.withBody(input.getBody())
                .copyHeaders(input.getMessageProperties().getHeaders())
                .setContentType(input.getMessageProperties().getContentType())
                .setContentEncoding(input.getMessageProperties().getContentEncoding())
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .build();
    }
}
