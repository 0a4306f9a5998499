-- Read-only login role for the ILM Community Dashboard (PostgreSQL).
--
-- The dashboard only reads. It should connect as `ilm_dashboard`, a role that can
-- SELECT the tables and nothing else; imports and demo builds (`python -m dashboard
-- import` / `demo`) run as a separate loading role that owns the tables.
--
-- Run it once, as a superuser, connected to the dashboard's database after the first
-- import or demo build (it names the tables). The role can read only what the dashboard
-- reads: the released tables (pre-aggregated cells with their key sums, channel contact
-- counts, the audit comparison's worksite pairs, the data versions), never the case-level
-- rows (cases, case_issues, case_themes) or the raw worksites, audits and findings.
-- Tables created later are NOT readable (no default privileges): after an upgrade that
-- rebuilds the schema, the dashboard answers 503 until the grants are run again with
--   psql ... -v grants_only=1 -f docs/sql/readonly_role.sql
-- which fails closed rather than opening new case-level tables by default.
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
-- What SQL cannot take away, and what is done instead:
-- - A session may SET default_transaction_read_only = off, and on PostgreSQL 15 and older
--   a role may ALTER ROLE itself to change its default. Read-write mode gives it nothing:
--   it holds no write privilege, may create no table, temporary table or large object.
-- - CONNECT to other databases comes from PUBLIC, which holds it on every database by
--   default; revoking it there changes other databases' users. Restrict the role in
--   pg_hba.conf instead, before any catch-all line:
--     host  ilm  ilm_dashboard  10.0.0.0/8  scram-sha-256
--     host  all  ilm_dashboard  0.0.0.0/0   reject
-- Like every role, ilm_dashboard also keeps what PUBLIC is granted (CONNECT on the
-- database, USAGE on schema public).

\set ON_ERROR_STOP on
\if :{?dashboard_role}
\else
  \set dashboard_role ilm_dashboard
\endif

\if :{?grants_only}
\else
-- A login role with no special powers.
CREATE ROLE :"dashboard_role" LOGIN PASSWORD :'dashboard_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;

-- Sessions start read-only as a second line of defence; the privileges below are the
-- first. (The dashboard also sets its sessions read-only itself.)
ALTER ROLE :"dashboard_role" SET default_transaction_read_only = on;
\endif

-- Connect to this database and see schema public.
GRANT CONNECT ON DATABASE :"DBNAME" TO :"dashboard_role";
GRANT USAGE ON SCHEMA public TO :"dashboard_role";

-- Read the released tables: every table there is, less the case-level ones (the
-- dashboard never reads them; their record keys perturb every published number).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"dashboard_role";
REVOKE ALL ON TABLE cases, case_issues, case_themes, worksites, audits, audit_findings
    FROM :"dashboard_role";

-- PostgreSQL 14 and older let PUBLIC (every role, this one included) create tables in
-- schema public. Take that away and give it to the loading role alone. On PostgreSQL 15
-- and newer PUBLIC has no CREATE there and the REVOKE changes nothing.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"loader_role";

-- No temporary tables: PUBLIC holds TEMPORARY on every database by default.
REVOKE TEMPORARY ON DATABASE :"DBNAME" FROM PUBLIC;
GRANT TEMPORARY ON DATABASE :"DBNAME" TO :"loader_role";

-- No large objects: any role may create them, in a read-write session, unless the
-- functions that create them are taken from PUBLIC (in this database only).
REVOKE EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer), lo_import(text),
    lo_import(text, oid), lo_from_bytea(oid, bytea) FROM PUBLIC;
