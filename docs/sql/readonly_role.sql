-- Read-only login role for the ILM Community Dashboard (PostgreSQL).
--
-- The dashboard only reads. It should connect as `ilm_dashboard`, a role that can
-- SELECT the tables and nothing else; imports and demo builds (`python -m dashboard
-- import` / `demo`) run as a separate loading role that owns the tables.
--
-- Run it once, as a superuser, connected to the dashboard's database (after the first
-- import, or before: the default privileges below cover tables created later):
--
--   psql "postgresql://admin@dbhost:5432/ilm" --single-transaction \
--        -v ON_ERROR_STOP=1 \
--        -v dashboard_password="$ILM_DASHBOARD_PASSWORD" \
--        -v loader_role=ilm_loader \
--        -f docs/sql/readonly_role.sql
--
--   dashboard_password  the password of the new role (from a secret store, through an
--                       environment variable, so it stays out of the shell history)
--   loader_role         the role that runs imports and so creates the tables
--   dashboard_role      optional: the new role's name (default ilm_dashboard)
--
-- Then point the dashboard at the database as this role:
--   DATABASE_URL=postgresql+psycopg://ilm_dashboard:<password>@dbhost:5432/ilm
--
-- To change the password later: ALTER ROLE ilm_dashboard PASSWORD '...';
-- To remove the role:  DROP OWNED BY ilm_dashboard; DROP ROLE ilm_dashboard;
-- (DROP OWNED BY, run in each database it has privileges in, also revokes them.)
--
-- Like every role, ilm_dashboard also keeps what PUBLIC is granted (by default CONNECT
-- and TEMPORARY on the database, USAGE on schema public).

\set ON_ERROR_STOP on
\if :{?dashboard_role}
\else
  \set dashboard_role ilm_dashboard
\endif

-- A login role with no special powers.
CREATE ROLE :"dashboard_role" LOGIN PASSWORD :'dashboard_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;

-- Sessions start read-only as a second line of defence; the privileges below are the
-- first. (The dashboard also sets its sessions read-only itself.)
ALTER ROLE :"dashboard_role" SET default_transaction_read_only = on;

-- Connect to this database and see schema public.
GRANT CONNECT ON DATABASE :"DBNAME" TO :"dashboard_role";
GRANT USAGE ON SCHEMA public TO :"dashboard_role";

-- Read every table that exists now ...
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"dashboard_role";

-- ... and every table the loading role creates later (a demo build drops and recreates
-- the tables; an import creates any that are missing).
ALTER DEFAULT PRIVILEGES FOR ROLE :"loader_role" IN SCHEMA public
    GRANT SELECT ON TABLES TO :"dashboard_role";

-- PostgreSQL 14 and older let PUBLIC (every role, this one included) create tables in
-- schema public. Take that away and give it to the loading role alone. On PostgreSQL 15
-- and newer PUBLIC has no CREATE there and the REVOKE changes nothing.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"loader_role";
