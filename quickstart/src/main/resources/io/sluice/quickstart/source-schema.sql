-- The demo shop in the source database: the seeds' e-commerce case. Recreated on every run (schema sluice_demo only).
DROP SCHEMA IF EXISTS sluice_demo CASCADE;
CREATE SCHEMA sluice_demo;

CREATE TABLE sluice_demo.users (
    id         int8 PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL,
    phone      text,
    level      text NOT NULL,
    lon        float8 NOT NULL,
    lat        float8 NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sluice_demo.shops (
    id         int8 PRIMARY KEY,
    name       text NOT NULL,
    city       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sluice_demo.orders (
    id         int8 PRIMARY KEY,
    user_id    int8 NOT NULL REFERENCES sluice_demo.users,
    shop_id    int8 NOT NULL REFERENCES sluice_demo.shops,
    status     text NOT NULL,
    amount     numeric(12, 2) NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE sluice_demo.order_items (
    order_id int8 NOT NULL REFERENCES sluice_demo.orders,
    line     int4 NOT NULL,
    sku      text NOT NULL,
    quantity int4 NOT NULL,
    price    numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE TABLE sluice_demo.refunds (
    id         int8 PRIMARY KEY,
    order_id   int8 NOT NULL REFERENCES sluice_demo.orders,
    amount     numeric(12, 2) NOT NULL,
    reason     text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE sluice_demo.order_events (
    id       int8 PRIMARY KEY,
    order_id int8 NOT NULL,
    event    text NOT NULL,
    at       timestamptz NOT NULL
);

INSERT INTO sluice_demo.shops (id, name, city)
SELECT i, 'shop ' || i, (ARRAY['Hangzhou', 'Shanghai', 'Suzhou', 'Ningbo'])[1 + i % 4]
FROM generate_series(1, 50) i;
