-- The warehouse side of the demo: reference data the handler reads, and the partitioned event table pgtask rotates.
DROP SCHEMA IF EXISTS sluice_demo CASCADE;
CREATE SCHEMA sluice_demo;

-- Districts as polygons (WKT), for the handler's geo matching of users' coordinates: a 2 x 2 grid over the demo area.
CREATE TABLE sluice_demo.regions (id text PRIMARY KEY, name text NOT NULL, wkt text NOT NULL);
INSERT INTO sluice_demo.regions VALUES
    ('west-north', 'West North', 'POLYGON((120.0 30.25, 120.2 30.25, 120.2 30.4, 120.0 30.4, 120.0 30.25))'),
    ('east-north', 'East North', 'POLYGON((120.2 30.25, 120.4 30.25, 120.4 30.4, 120.2 30.4, 120.2 30.25))'),
    ('west-south', 'West South', 'POLYGON((120.0 30.1, 120.2 30.1, 120.2 30.25, 120.0 30.25, 120.0 30.1))'),
    ('east-south', 'East South', 'POLYGON((120.2 30.1, 120.4 30.1, 120.4 30.25, 120.2 30.25, 120.2 30.1))');

-- Every order event as a row, range-partitioned by day: pgtask makes the partitions ahead and retires old ones.
CREATE TABLE sluice_demo.order_events (
    id          int8 NOT NULL,
    order_id    int8 NOT NULL,
    event       text NOT NULL,
    at          timestamptz NOT NULL,
    _sluice_lsn int8 NOT NULL DEFAULT 0,
    _sluice_seq int8 NOT NULL DEFAULT 0,
    _sluice_op  char(1)
) PARTITION BY RANGE (at);
CREATE TABLE sluice_demo.order_events_default PARTITION OF sluice_demo.order_events DEFAULT;

-- Users are replicated here (masked, placed in a district) and are also the reference the handler enriches orders
-- from, so the table exists before the first batch: the lookup checks its reference table at start-up.
CREATE TABLE sluice_demo.users (
    id         int8 PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL,
    phone      text,
    level      text NOT NULL,
    lon        float8 NOT NULL,
    lat        float8 NOT NULL,
    created_at timestamptz NOT NULL,
    region     text
);
