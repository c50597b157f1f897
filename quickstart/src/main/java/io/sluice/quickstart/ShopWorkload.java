package io.sluice.quickstart;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo shop's traffic on the source: every 100 ms one transaction places this tick's share of orders (with items
 * and an event each), pays, ships, refunds and cancels some earlier ones, and now and then signs up a user — inserts,
 * updates and deletes, as a shop's database sees them.
 */
final class ShopWorkload implements Runnable {

    static final int SEED_USERS = 2_000;
    static final int SEED_ORDERS = 400;
    private static final int SHOPS = 50;
    private static final Duration TICK = Duration.ofMillis(100);
    private static final String[] LEVELS = {"bronze", "silver", "gold", "platinum"};

    private final Connection connection;
    private final int ordersPerSecond;
    private final Duration duration;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong orders = new AtomicLong();
    private long users;
    private long events;
    private long refunds;
    private volatile boolean stopped;

    ShopWorkload(Connection connection, int ordersPerSecond, Duration duration) {
        this.connection = connection;
        this.ordersPerSecond = ordersPerSecond;
        this.duration = duration;
    }

    /** The users that exist before capture starts (they arrive by the initial snapshot). */
    void seed() throws SQLException {
        changes.addAndGet(SHOPS); // the schema script opened them
        connection.setAutoCommit(false);
        try (PreparedStatement user = userInsert()) {
            for (int i = 0; i < SEED_USERS; i++) {
                addUser(user);
            }
            user.executeBatch();
        }
        connection.commit();
        // A shop with a history: earlier orders, some shipped, some of those refunded.
        tick(SEED_ORDERS);
        try (Statement history = connection.createStatement()) {
            changes.addAndGet(history.executeUpdate(
                    "UPDATE sluice_demo.orders SET status = 'shipped' WHERE id % 4 = 0 AND status = 'created'"));
            changes.addAndGet(history.executeUpdate("INSERT INTO sluice_demo.refunds (id, order_id, amount, reason,"
                    + " created_at) SELECT " + refunds + " + row_number() OVER (), id, amount, 'damaged', now()"
                    + " FROM sluice_demo.orders WHERE id % 20 = 0 AND status = 'shipped'"));
            try (java.sql.ResultSet last = history.executeQuery("SELECT max(id) FROM sluice_demo.refunds")) {
                last.next();
                refunds = last.getLong(1);
            }
            changes.addAndGet(history.executeUpdate("UPDATE sluice_demo.orders SET status = 'refunded'"
                    + " WHERE id IN (SELECT order_id FROM sluice_demo.refunds)"));
        }
        connection.commit();
    }

    @Override
    public void run() {
        long ticks = duration.toMillis() / TICK.toMillis();
        long start = System.nanoTime();
        double owed = 0;
        try {
            for (long tick = 0; tick < ticks && !stopped; tick++) {
                owed += ordersPerSecond * TICK.toMillis() / 1000.0;
                int now = (int) owed;
                owed -= now;
                tick(now);
                long next = start + (tick + 1) * TICK.toNanos();
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            throw new IllegalStateException("the workload's transaction failed: " + e.getMessage(), e);
        }
    }

    void stop() {
        stopped = true;
    }

    /** Rows inserted, updated or deleted in the source so far. */
    long changes() {
        return changes.get();
    }

    long orders() {
        return orders.get();
    }

    private void tick(int newOrders) throws SQLException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Timestamp now = Timestamp.from(Instant.now());
        try (PreparedStatement user = userInsert();
                PreparedStatement order = connection.prepareStatement("INSERT INTO sluice_demo.orders"
                        + " (id, user_id, shop_id, status, amount, created_at, updated_at)"
                        + " VALUES (?, ?, ?, 'created', ?, ?, ?)");
                PreparedStatement item = connection.prepareStatement("INSERT INTO sluice_demo.order_items"
                        + " (order_id, line, sku, quantity, price) VALUES (?, ?, ?, ?, ?)");
                PreparedStatement event = connection.prepareStatement(
                        "INSERT INTO sluice_demo.order_events (id, order_id, event, at) VALUES (?, ?, ?, ?)");
                PreparedStatement status = connection.prepareStatement(
                        "UPDATE sluice_demo.orders SET status = ?, updated_at = ? WHERE id = ? AND status = ?");
                PreparedStatement refund = connection.prepareStatement("INSERT INTO sluice_demo.refunds"
                        + " (id, order_id, amount, reason, created_at) SELECT ?, id, amount, ?, ? FROM"
                        + " sluice_demo.orders WHERE id = ? AND status = 'shipped'");
                PreparedStatement dropItems =
                        connection.prepareStatement("DELETE FROM sluice_demo.order_items WHERE order_id = ?")) {
            // Sign-ups first: this tick's orders may be theirs (orders.user_id references users).
            for (int i = 0; i < newOrders; i++) {
                if (random.nextInt(20) == 0) {
                    addUser(user);
                }
            }
            user.executeBatch();
            for (int i = 0; i < newOrders; i++) {
                long id = orders.incrementAndGet();
                BigDecimal total = BigDecimal.ZERO;
                int lines = 1 + random.nextInt(3);
                for (int line = 1; line <= lines; line++) {
                    BigDecimal price = BigDecimal.valueOf(100 + random.nextInt(99_900), 2);
                    int quantity = 1 + random.nextInt(3);
                    total = total.add(price.multiply(BigDecimal.valueOf(quantity)));
                    item.setLong(1, id);
                    item.setInt(2, line);
                    item.setString(3, "SKU-" + random.nextInt(5_000));
                    item.setInt(4, quantity);
                    item.setBigDecimal(5, price);
                    item.addBatch();
                }
                order.setLong(1, id);
                order.setLong(2, 1 + random.nextLong(users));
                order.setLong(3, 1 + random.nextInt(SHOPS));
                order.setBigDecimal(4, total);
                order.setTimestamp(5, now);
                order.setTimestamp(6, now);
                order.addBatch();
                addEvent(event, id, "created", now);
                changes.addAndGet(2 + lines); // the order, its items, its event
            }
            order.executeBatch();
            item.executeBatch();
            // Earlier orders move on: paid, shipped, some refunded or cancelled (their items deleted).
            for (int i = 0; i < newOrders && orders.get() > 10; i++) {
                long id = 1 + random.nextLong(orders.get());
                int roll = random.nextInt(100);
                if (roll < 40) {
                    changes.addAndGet(move(status, event, id, "created", "paid", now));
                } else if (roll < 70) {
                    changes.addAndGet(move(status, event, id, "paid", "shipped", now));
                } else if (roll < 75) {
                    refund.setLong(1, ++refunds);
                    refund.setString(2, random.nextBoolean() ? "damaged" : "changed mind");
                    refund.setTimestamp(3, now);
                    refund.setLong(4, id);
                    if (refund.executeUpdate() == 1) {
                        changes.incrementAndGet();
                        changes.addAndGet(move(status, event, id, "shipped", "refunded", now));
                    }
                } else if (roll < 78 && move(status, event, id, "created", "cancelled", now) > 0) {
                    dropItems.setLong(1, id);
                    changes.addAndGet(2 + dropItems.executeUpdate());
                }
            }
            event.executeBatch();
        }
        connection.commit();
    }

    private int move(PreparedStatement status, PreparedStatement event, long id, String from, String to, Timestamp at)
            throws SQLException {
        status.setString(1, to);
        status.setTimestamp(2, at);
        status.setLong(3, id);
        status.setString(4, from);
        if (status.executeUpdate() == 0) {
            return 0;
        }
        addEvent(event, id, to, at);
        return 2;
    }

    private void addEvent(PreparedStatement event, long orderId, String what, Timestamp at) throws SQLException {
        event.setLong(1, ++events);
        event.setLong(2, orderId);
        event.setString(3, what);
        event.setTimestamp(4, at);
        event.addBatch();
    }

    private PreparedStatement userInsert() throws SQLException {
        return connection.prepareStatement("INSERT INTO sluice_demo.users (id, name, email, phone, level, lon, lat)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)");
    }

    private void addUser(PreparedStatement user) throws SQLException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long id = ++users;
        user.setLong(1, id);
        user.setString(2, "user " + id);
        user.setString(3, "user" + id + "@example.com");
        user.setString(4, String.format("1%010d", random.nextLong(10_000_000_000L)));
        user.setString(5, LEVELS[random.nextInt(LEVELS.length)]);
        user.setDouble(6, 120.0 + random.nextDouble(0.4));
        user.setDouble(7, 30.1 + random.nextDouble(0.3));
        user.addBatch();
        changes.incrementAndGet();
    }
}
