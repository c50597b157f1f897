package io.sluice.handler.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shard hash is what its documentation says: PostgreSQL's own SQL for it gives the same shard for every key. */
class ShardHashIT {

    private final TestDatabase database = TestPostgres.get().newDatabase("shard_hash");

    @Test
    void javaAndTheDocumentedSqlAgreeOnEveryKeyAndSpreadThemEvenly() {
        database.execute(
                "CREATE TABLE k (a text, b text)",
                "INSERT INTO k SELECT i::text, CASE WHEN i % 3 = 0 THEN 'été ' || i WHEN i % 3 = 1 THEN '订单-' || i"
                        + " ELSE repeat('x', i % 50) END FROM generate_series(1, 3000) i");
        int[] perShard = new int[3];
        List<String> mismatches = new ArrayList<>();
        for (List<Object> row : database.query("SELECT a, b,"
                + " ('x' || left(md5(concat_ws(E'\\x1f', a::text)), 8))::bit(32)::bigint % 3,"
                + " ('x' || left(md5(concat_ws(E'\\x1f', a::text, b::text)), 8))::bit(32)::bigint % 5 FROM k")) {
            String a = (String) row.get(0);
            String b = (String) row.get(1);
            int single = ShardHash.of(List.of(a), 3);
            int composite = ShardHash.of(List.of(a, b), 5);
            if (single != ((Number) row.get(2)).intValue() || composite != ((Number) row.get(3)).intValue()) {
                mismatches.add(a + "/" + b);
            }
            perShard[single]++;
        }
        assertThat(mismatches).isEmpty();
        for (int count : perShard) {
            assertThat(count)
                    .as("each of 3 shards holds about a third of 3,000 keys")
                    .isBetween(850, 1150);
        }
    }

    @Test
    void theShardOfAKeyNeverChanges() {
        // Written down once (computed apart, with Python's hashlib): a change of the hash would move every key of
        // every sharded warehouse.
        assertThat(List.of(
                        ShardHash.of(List.of("1"), 1_000_000),
                        ShardHash.of(List.of("42"), 1_000_000),
                        ShardHash.of(List.of("a", "b"), 1_000_000)))
                .containsExactly(EXPECTED_1, EXPECTED_42, EXPECTED_AB);
    }

    private static final int EXPECTED_1 = 589_560;
    private static final int EXPECTED_42 = 814_184;
    private static final int EXPECTED_AB = 527_180;
}
