-- The development databases and roles; passwords come from the container's environment (sluice-secrets).
\getenv source_password SOURCE_DB_PASSWORD
\getenv target_password TARGET_DB_PASSWORD
\getenv getter_password GETTER_DB_PASSWORD
\getenv loader_password LOADER_DB_PASSWORD
-- One role per service (README: Security): capture on the source; in the warehouse the owner (pgtask, which migrates
-- the state schema), the getter (its state tables) and the loader (its target schema and state tables).
CREATE ROLE sluice_capture LOGIN REPLICATION PASSWORD :'source_password';
CREATE ROLE sluice LOGIN PASSWORD :'target_password';
CREATE ROLE sluice_getter LOGIN PASSWORD :'getter_password';
CREATE ROLE sluice_loader LOGIN PASSWORD :'loader_password';
CREATE DATABASE shop;
CREATE DATABASE warehouse OWNER sluice;
\connect warehouse
CREATE SCHEMA sluice AUTHORIZATION sluice;
GRANT USAGE ON SCHEMA sluice TO sluice_getter, sluice_loader;
ALTER DEFAULT PRIVILEGES FOR ROLE sluice IN SCHEMA sluice
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sluice_getter, sluice_loader;
ALTER DEFAULT PRIVILEGES FOR ROLE sluice IN SCHEMA sluice GRANT USAGE, SELECT ON SEQUENCES TO sluice_getter;
GRANT USAGE, CREATE ON SCHEMA public TO sluice_loader;
\connect shop
GRANT SELECT ON ALL TABLES IN SCHEMA public TO sluice_capture;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO sluice_capture;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
