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
  EXECUTE format('GRANT CONNECT, CREATE ON DATABASE %I TO callboard_apply, callboard_plan',
                 current_database());
END
$$;

-- Callboard keeps its tables in the schema "callboard".
CREATE SCHEMA IF NOT EXISTS callboard AUTHORIZATION callboard_apply;
GRANT USAGE ON SCHEMA callboard TO callboard_plan;
-- Callboard opens the state with CREATE SCHEMA/TABLE IF NOT EXISTS, which PostgreSQL checks
-- against the CREATE privilege even when everything exists: without it (and CREATE on the
-- database, above) the plan role cannot open the state at all. With it, the plan role can add
-- new objects, but not change or delete Callboard's rows, nor take the apply lock's table.
GRANT CREATE ON SCHEMA callboard TO callboard_plan;
GRANT SELECT ON ALL TABLES IN SCHEMA callboard TO callboard_plan;
-- Tables a later Callboard version adds (created by the apply role) are readable too.
ALTER DEFAULT PRIVILEGES FOR ROLE callboard_apply IN SCHEMA callboard
  GRANT SELECT ON TABLES TO callboard_plan;
