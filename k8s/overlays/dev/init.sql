-- The development databases and roles; passwords come from the container's environment (sluice-secrets).
\getenv source_password SOURCE_DB_PASSWORD
\getenv target_password TARGET_DB_PASSWORD
CREATE ROLE sluice_capture LOGIN REPLICATION PASSWORD :'source_password';
CREATE ROLE sluice LOGIN PASSWORD :'target_password';
CREATE DATABASE shop;
CREATE DATABASE warehouse OWNER sluice;
\connect shop
GRANT SELECT ON ALL TABLES IN SCHEMA public TO sluice_capture;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO sluice_capture;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
