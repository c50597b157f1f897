package io.sluice.e2e;

import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.testkit.RabbitBroker;
import java.util.ArrayList;
import java.util.List;

/** Removes a test's exchanges and queues from the shared broker. */
final class Topologies {

    private Topologies() {}

    static void delete(String prefix) {
        Topology names = new Topology(prefix, List.of("warehouse"));
        List<String> queues = new ArrayList<>(List.of(names.handlerQueue(), names.loaderQueue("warehouse")));
        for (Stage stage : Stage.values()) {
            queues.add(names.deadLetterQueue(stage));
        }
        RabbitBroker.get()
                .delete(queues, List.of(names.rawExchange(), names.cleanExchange(), names.deadLetterExchange()));
    }
}
