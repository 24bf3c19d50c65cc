-- PostgreSQL state for a team's pipelines: one role that applies, one that only reads.
--
--   callboard_apply  apply and sync jobs  (CALLBOARD_STATE)       owns Callboard's tables
--   callboard_plan   plan and drift jobs  (CALLBOARD_PLAN_STATE)  reads them, changes no row
--
-- Run it once as a superuser or the database's owner, connected to the state database:
--   psql "postgresql://admin@db.example.org/callboard" -f state-roles.sql
-- then give each role a password (\password callboard_apply, \password callboard_plan), and
-- open the state ONCE with the apply role before any pipeline runs, so that the apply role
-- creates (and owns) Callboard's tables:
--   CALLBOARD_STATE=postgresql://callboard_apply:…@db.example.org/callboard callboard state list
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'callboard_apply') THEN
    CREATE ROLE callboard_apply LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'callboard_plan') THEN
    CREATE ROLE callboard_plan LOGIN;
  END IF;
  EXECUTE format('GRANT CONNECT, CREATE ON DATABASE %I TO callboard_apply', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO callboard_plan', current_database());
END
$$;

-- Callboard keeps its tables in the schema "callboard".
CREATE SCHEMA IF NOT EXISTS callboard AUTHORIZATION callboard_apply;
GRANT USAGE ON SCHEMA callboard TO callboard_plan;
-- SELECT only: Callboard runs DDL only on a state that lacks its tables or is at an older
-- schema version, so the plan role opens a current state without CREATE anywhere. After a
-- Callboard upgrade, let the apply role open the state first (any command) to migrate it.
GRANT SELECT ON ALL TABLES IN SCHEMA callboard TO callboard_plan;
-- Tables a later Callboard version adds (created by the apply role) are readable too.
ALTER DEFAULT PRIVILEGES FOR ROLE callboard_apply IN SCHEMA callboard
  GRANT SELECT ON TABLES TO callboard_plan;
