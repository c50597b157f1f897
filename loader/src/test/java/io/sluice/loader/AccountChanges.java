package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Random inserts, updates and deletes of accounts, shuffled into batches, with the state they must converge to. */
record AccountChanges(List<ChangeBatch> batches, Map<Long, List<String>> expected) {

    static final TableName ACCOUNTS = new TableName("public", "accounts");
    static final List<Column> COLUMNS = List.of(
            new Column("id", "bigint", true),
            new Column("balance", "numeric", false),
            new Column("owner", "text", false));
    static final String CREATE_TABLE = "CREATE TABLE accounts (id int8 PRIMARY KEY, balance numeric, owner text,"
            + " _sluice_lsn int8 NOT NULL, _sluice_seq int8 NOT NULL)";

    static AccountChanges generate(Random random, int keys, int maxBatchRows) {
        List<Row> changes = new ArrayList<>();
        Map<Long, List<String>> expected = new TreeMap<>();
        long lsn = 1_000;
        for (long id = 1; id <= keys; id++) {
            int steps = 1 + random.nextInt(6);
            boolean exists = false;
            for (int step = 0; step < steps; step++) {
                lsn += 1 + random.nextInt(50);
                Op op = !exists ? Op.INSERT : random.nextInt(4) == 0 ? Op.DELETE : Op.UPDATE;
                List<String> values = op == Op.DELETE
                        ? Arrays.asList(Long.toString(id), null, null)
                        : Arrays.asList(Long.toString(id), random.nextInt(10_000) + ".25", "owner " + lsn);
                changes.add(new Row(op, lsn, 1 + random.nextInt(3), Instant.now(), values, List.of()));
                exists = op != Op.DELETE;
                if (exists) {
                    expected.put(id, values);
                } else {
                    expected.remove(id);
                }
            }
        }
        Collections.shuffle(changes, random);
        List<ChangeBatch> batches = new ArrayList<>();
        for (int from = 0; from < changes.size(); ) {
            int to = Math.min(changes.size(), from + 1 + random.nextInt(maxBatchRows));
            batches.add(new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, changes.subList(from, to)));
            from = to;
        }
        return new AccountChanges(batches, expected);
    }

    /** Every batch twice (a redelivery after a lost ack), in random order. */
    List<ChangeBatch> deliveries(Random random) {
        List<ChangeBatch> deliveries = new ArrayList<>(batches);
        deliveries.addAll(batches);
        Collections.shuffle(deliveries, random);
        return deliveries;
    }

    static Map<Long, List<String>> targetRows(TestDatabase target) {
        Map<Long, List<String>> rows = new TreeMap<>();
        for (List<Object> row : target.query("SELECT id, balance::text, owner FROM accounts")) {
            rows.put(
                    ((Number) row.get(0)).longValue(),
                    Arrays.asList(String.valueOf(row.get(0)), (String) row.get(1), (String) row.get(2)));
        }
        return rows;
    }
}
