package io.sluice.bench;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Row;
import io.sluice.testkit.InJvmS3;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import io.sluice.testkit.TestRedis;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postgresql.PGConnection;

/**
 * {@code bench/run loader}: a queue pre-filled with batches of {@code feed_log} (N inserts, then N updates of the same
 * keys) drained by one loader process, then by two; beside them the SQL-only limit: COPY of the same rows into a temp
 * table and one {@code INSERT … SELECT DISTINCT ON … ON CONFLICT DO UPDATE} over JDBC; and one loader with each other
 * sink (Redis, object storage), the same batches through the same batch path.
 */
final class LoaderBench {

    private static final String TABLE = "(id int8 PRIMARY KEY, c1 int, c2 int, info text, crt_time timestamp,"
            + " _sluice_lsn int8 NOT NULL, _sluice_seq int8 NOT NULL)";
    private static final int BATCH_ROWS = FeedLogBatches.ROWS_PER_BATCH;

    private final int rows;
    private double redisLimit;
    private final RabbitBroker broker = RabbitBroker.get();
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);

    LoaderBench(boolean quick) {
        this.rows = quick ? 200_000 : 1_000_000;
    }

    Report run() throws Exception {
        Report report = new Report("loader: " + rows + " feed_log inserts, then " + rows + " updates of the same keys,"
                + " in batches of " + BATCH_ROWS + " (RabbitMQ " + broker.host() + ":" + broker.port() + ")");
        List<Row> sample = new ArrayList<>();
        for (int batch = 0; batch * BATCH_ROWS < rows; batch++) {
            sample.addAll(batch(0, batch).rows());
        }
        CopyFormats.measure(report, TestPostgres.get().newDatabase("bench_formats"), sample);
        double[] limit = sqlLimit(report);
        // Each twice, in the order C M M C, and the better of the two kept: the first loader run pays for warming up.
        double[] onConflict = postgres(report, 1, "on-conflict");
        double[] one = best(postgres(report, 1, "auto"), postgres(report, 1, "auto")); // the default: MERGE here
        onConflict = best(onConflict, postgres(report, 1, "on-conflict"));
        double[] two = postgres(report, 2, "auto");
        double[] portable = postgres(report, 1, "portable");
        double[] redis = redis(report);
        double[] objects = objectStorage(report);
        double limitTotal = total(limit);
        double oneTotal = total(one);
        double twoTotal = total(two);
        report.result("loader_rows_s", String.format(Locale.ROOT, "%.0f", oneTotal));
        report.result("sql_limit_rows_s", String.format(Locale.ROOT, "%.0f", limitTotal));
        report.result("two_loaders_rows_s", String.format(Locale.ROOT, "%.0f", twoTotal));
        report.result("insert_vs_limit", ratio(one[0], limit[0]));
        report.result("update_vs_limit", ratio(one[1], limit[1]));
        report.result("two_vs_one", ratio(twoTotal, oneTotal));
        report.result("loader_merge_vs_on_conflict", ratio(oneTotal, total(onConflict)));
        report.result("portable_vs_on_conflict", ratio(total(portable), total(onConflict)));
        report.result("redis_rows_s", String.format(Locale.ROOT, "%.0f", total(redis)));
        report.result("redis_vs_postgresql", ratio(total(redis), oneTotal));
        report.result("redis_vs_plain_hset", ratio(total(redis), redisLimit));
        report.result("object_storage_rows_s", String.format(Locale.ROOT, "%.0f", total(objects)));
        report.result("object_storage_vs_postgresql", ratio(total(objects), oneTotal));
        report.orderResults("loader_rows_s", "sql_limit_rows_s", "two_loaders_rows_s");
        return report;
    }

    /** The better rate of each phase. */
    private static double[] best(double[] a, double[] b) {
        return new double[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])};
    }

    /** Rows per second over both phases, from the two phases' rates. */
    private double total(double[] rates) {
        return 2.0 * rows / (rows / rates[0] + rows / rates[1]);
    }

    /** Today's merge: the newest staged row per key over an older version, deadlock-free in key order. */
    private static final String UPSERT = "INSERT INTO feed_log AS t SELECT DISTINCT ON (id) * FROM stage"
            + " ORDER BY id, _sluice_lsn DESC, _sluice_seq DESC ON CONFLICT (id) DO UPDATE SET"
            + " c1 = EXCLUDED.c1, c2 = EXCLUDED.c2, info = EXCLUDED.info, crt_time = EXCLUDED.crt_time,"
            + " _sluice_lsn = EXCLUDED._sluice_lsn, _sluice_seq = EXCLUDED._sluice_seq"
            + " WHERE (t._sluice_lsn, t._sluice_seq) < (EXCLUDED._sluice_lsn, EXCLUDED._sluice_seq)";

    /** The same rule as a MERGE (PostgreSQL 15+), the candidate it is measured against. */
    private static final String MERGE = "MERGE INTO feed_log t USING (SELECT DISTINCT ON (id) * FROM stage"
            + " ORDER BY id, _sluice_lsn DESC, _sluice_seq DESC) s ON t.id = s.id"
            + " WHEN MATCHED AND (t._sluice_lsn, t._sluice_seq) < (s._sluice_lsn, s._sluice_seq) THEN UPDATE SET"
            + " c1 = s.c1, c2 = s.c2, info = s.info, crt_time = s.crt_time, _sluice_lsn = s._sluice_lsn,"
            + " _sluice_seq = s._sluice_seq"
            + " WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.c1, s.c2, s.info, s.crt_time, s._sluice_lsn, s._sluice_seq)";

    /** COPY into a temp table and one versioned upsert per phase, in one transaction each: the database's own limit. */
    private double[] sqlLimit(Report report) throws Exception {
        // Each twice, in the order U M M U, and the better of the two kept: neither gains from going first or last.
        double[] upsert = sqlOnly(report, "SQL only: COPY + one upsert, ", UPSERT);
        double[] merge = sqlOnly(report, "SQL only: COPY + one MERGE, ", MERGE);
        double[] merge2 = sqlOnly(report, "SQL only: COPY + one MERGE (again), ", MERGE);
        double[] upsert2 = sqlOnly(report, "SQL only: COPY + one upsert (again), ", UPSERT);
        upsert = best(upsert, upsert2);
        merge = best(merge, merge2);
        report.result("merge_vs_upsert_inserts", ratio(merge[0], upsert[0]));
        report.result("merge_vs_upsert_updates", ratio(merge[1], upsert[1]));
        // The limit the loader is held to: the faster statement in each phase, whichever the loader uses.
        report.text(
                List.of("SQL limit (insert_vs_limit, update_vs_limit): the faster SQL-only statement of each phase"));
        return new double[] {Math.max(upsert[0], merge[0]), Math.max(upsert[1], merge[1])};
    }

    private double[] sqlOnly(Report report, String name, String statement) throws Exception {
        TestDatabase target = TestPostgres.get().newDatabase("bench_limit");
        target.execute("CREATE TABLE feed_log " + TABLE);
        double[] rates = new double[2];
        for (int phase = 0; phase < 2; phase++) {
            StringBuilder text = new StringBuilder(rows * 80);
            for (int batch = 0; batch * BATCH_ROWS < rows; batch++) {
                for (Row row : batch(phase, batch).rows()) {
                    text.append(String.join("\t", row.values()))
                            .append('\t')
                            .append(row.lsn())
                            .append('\t')
                            .append(row.seq())
                            .append('\n');
                }
            }
            long start = System.nanoTime();
            try (java.sql.Connection connection = target.connect()) {
                connection.setAutoCommit(false);
                try (java.sql.Statement s = connection.createStatement()) {
                    s.execute("CREATE TEMP TABLE stage ON COMMIT DROP AS SELECT * FROM feed_log WITH NO DATA");
                    connection
                            .unwrap(PGConnection.class)
                            .getCopyAPI()
                            .copyIn("COPY stage FROM STDIN", new StringReader(text.toString()));
                    s.execute(statement);
                }
                connection.commit();
            }
            rates[phase] = report.add(
                    name + phaseName(phase),
                    null,
                    rows,
                    (System.nanoTime() - start) / 1e9,
                    "one transaction over JDBC, no broker");
        }
        return rates;
    }

    /** The PostgreSQL sink, merging the {@code sluice.loader.merge} way: {@code auto}, {@code on-conflict} or {@code portable}. */
    private double[] postgres(Report report, int replicas, String merge) throws Exception {
        TestDatabase target = TestPostgres.get().newDatabase("bench_loader");
        target.execute("CREATE TABLE feed_log " + TABLE);
        String label = (replicas == 1 ? "loader" : replicas + " loaders")
                + switch (merge) {
                    case "auto" -> " (MERGE, the default), ";
                    case "on-conflict" -> " (ON CONFLICT), ";
                    default -> " (" + merge + " merge), ";
                };
        return loaders(
                report,
                replicas,
                label,
                List.of("--spring.datasource.url=" + target.jdbcUrl(), "--sluice.loader.merge=" + merge),
                () -> {
                    long versions = target.queryLong("SELECT count(*) FROM feed_log WHERE _sluice_lsn >= 10000000");
                    if (versions != rows) {
                        throw new IllegalStateException("the target holds " + versions + " updated rows, not " + rows);
                    }
                });
    }

    /** The Redis sink into the machine's Redis: a hash per row under a key prefix of this run, removed after. */
    private double[] redis(Report report) throws Exception {
        TestRedis redis = TestRedis.require();
        String keys = RabbitBroker.uniquePrefix("bench");
        try (RedisKeys store = new RedisKeys(redis, keys)) {
            redisLimit =
                    store.pipelinedHashes(report, rows, phase -> batch(phase, 0).columns(), this::allRows);
            return loaders(
                    report,
                    1,
                    "loader (Redis sink, hashes), ",
                    List.of(
                            "--sluice.loader.sink=redis",
                            "--spring.data.redis.url=" + redis.url(),
                            "--sluice.loader.redis.key=" + keys + ":{table}:{key}"),
                    () -> {
                        long stored = store.count();
                        if (stored != rows) {
                            throw new IllegalStateException("Redis holds " + stored + " keys, not " + rows);
                        }
                    });
        }
    }

    /** The object-storage sink into an in-JVM S3 server: gzip'd CSV per group and window, and its manifest. */
    private double[] objectStorage(Report report) throws Exception {
        try (InJvmS3 s3 = new InJvmS3()) {
            s3.client().createBucket(create -> create.bucket("bench"));
            return loaders(
                    report,
                    1,
                    "loader (object-storage sink, CSV gzip), ",
                    List.of(
                            "--sluice.loader.sink=object-storage",
                            "--sluice.loader.object-storage.s3.bucket=bench",
                            "--sluice.loader.object-storage.s3.endpoint=" + s3.endpoint(),
                            "--sluice.loader.object-storage.s3.access-key=" + InJvmS3.ACCESS_KEY,
                            "--sluice.loader.object-storage.s3.secret-key=" + InJvmS3.SECRET_KEY,
                            "--sluice.loader.object-storage.s3.path-style=true"),
                    () -> {});
        }
    }

    /**
     * Fills the queue with a phase's batches, then drains it with this many loader processes started with these
     * arguments; {@code verify} checks the sink after both phases.
     */
    private double[] loaders(Report report, int replicas, String label, List<String> sinkArgs, Runnable verify)
            throws Exception {
        String prefix = RabbitBroker.uniquePrefix("bench");
        Topology topology = new Topology(prefix, List.of("warehouse"));
        List<String> args = List.of(broker.serviceArgs(prefix, sinkArgs.toArray(String[]::new)));
        double[] rates = new double[2];
        try {
            // A first start declares the topology; then the queue is filled while no loader runs.
            try (ServiceProcess declare = ServiceProcess.start("loader", "512m", args)) {
                Queues.awaitConsumers(broker, topology.loaderQueue("warehouse"), 1);
            }
            for (int phase = 0; phase < 2; phase++) {
                fill(topology, phase);
                List<ServiceProcess> loaders = new ArrayList<>();
                try {
                    for (int i = 0; i < replicas; i++) {
                        loaders.add(ServiceProcess.start("loader", "512m", args));
                    }
                    long start = Queues.awaitConsumers(broker, topology.loaderQueue("warehouse"), replicas);
                    // Fresh processes: their counters hold this phase only.
                    Queues.awaitCount(loaders, rows, "sluice_rows_total", "stage=\"loader\"", "outcome=\"merged\"");
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double writing = 0;
                    for (ServiceProcess loader : loaders) {
                        writing += loader.metric("sluice_batch_seconds_sum", "stage=\"loader\"");
                    }
                    rates[phase] = report.add(
                            label + phaseName(phase),
                            null,
                            rows,
                            seconds,
                            String.format(
                                    Locale.ROOT,
                                    "separate JVM%s, queue pre-filled; %.1f s writing to the sink",
                                    replicas == 1 ? "" : "s",
                                    writing));
                } finally {
                    loaders.forEach(ServiceProcess::close);
                }
            }
            verify.run();
        } finally {
            broker.delete(topology.queues(), topology.exchanges());
        }
        return rates;
    }

    private void fill(Topology topology, int phase) {
        Queues.fill(
                broker,
                messages,
                topology.cleanExchange(),
                batch -> batch(phase, batch),
                FeedLogBatches.count(rows),
                batch -> Topology.cleanRoutingKey("warehouse", batch.table()));
    }

    private ChangeBatch batch(int phase, int batch) {
        return FeedLogBatches.batch(rows, phase, batch, (phase == 0 ? 1_000 : 10_000_000) + batch);
    }

    /** A phase's rows, every batch. */
    private List<Row> allRows(int phase) {
        List<Row> all = new ArrayList<>(rows);
        for (int batch = 0; batch * BATCH_ROWS < rows; batch++) {
            all.addAll(batch(phase, batch).rows());
        }
        return all;
    }

    private static String phaseName(int phase) {
        return phase == 0 ? "inserts" : "updates";
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2f", a / Math.max(b, 1e-9));
    }
}
