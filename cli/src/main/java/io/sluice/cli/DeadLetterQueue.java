package io.sluice.cli;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.Topology;
import java.io.IOException;
import java.time.Instant;

/**
 * Walks a stage's dead-letter queue on one channel: each message is taken without acknowledging it, shown to a
 * visitor, and removed only if the visitor says so. Everything else goes back to the queue, in its order, when the
 * channel closes, so an interrupted command (Ctrl-C, a lost connection) loses nothing.
 */
final class DeadLetterQueue {

    /** What to do with a letter once visited. */
    enum Outcome {
        KEEP,
        REMOVE
    }

    /** Sees one letter. */
    interface Visitor {
        Outcome visit(DeadLetter letter) throws Exception;
    }

    private DeadLetterQueue() {}

    /**
     * Visits the letters of {@code stage} that the filter takes, at most the queue's depth as it was at the start (so
     * letters that come back while it runs are not seen twice); returns how many were visited.
     */
    static int walk(
            Connection connection,
            Topology topology,
            Topology.Stage stage,
            DeadLetterFilter filter,
            int alreadyTaken,
            Visitor visitor)
            throws Exception {
        String queue = topology.deadLetterQueue(stage);
        Channel channel = connection.createChannel();
        try {
            long depth = depth(connection, queue);
            Instant now = Instant.now();
            int visited = 0;
            for (long i = 0; i < depth && !filter.full(alreadyTaken + visited); i++) {
                GetResponse response = channel.basicGet(queue, false);
                if (response == null) {
                    break;
                }
                DeadLetter letter = DeadLetter.of(stage.id(), response);
                if (!filter.matches(letter, now)) {
                    continue;
                }
                visited++;
                if (visitor.visit(letter) == Outcome.REMOVE) {
                    channel.basicAck(letter.tag(), false);
                }
            }
            return visited;
        } finally {
            if (channel.isOpen()) {
                channel.close(); // returns the letters not removed
            }
        }
    }

    /** The queue's depth; a queue that does not exist (no service declared it yet) is empty. */
    private static long depth(Connection connection, String queue) throws Exception {
        AMQP.Queue.DeclareOk ok = declared(connection, queue);
        return ok == null ? 0 : ok.getMessageCount();
    }

    /** The queue's depth and consumers as the broker declares them, or null if no service declared it yet. */
    static AMQP.Queue.DeclareOk declared(Connection connection, String queue) throws Exception {
        Channel probe = connection.createChannel(); // a failed passive declare closes its channel
        try {
            return probe.queueDeclarePassive(queue);
        } catch (IOException e) {
            return null;
        } finally {
            if (probe.isOpen()) {
                probe.close();
            }
        }
    }
}
