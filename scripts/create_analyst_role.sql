-- Read-only PostgreSQL role for analysts: SELECT on every repository table and view, nothing else.
--
--   psql "$ITAM_DATABASE_URL" -f scripts/create_analyst_role.sql
--   psql "$ITAM_DATABASE_URL" -c "CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE itam_analyst"
--
-- Run it as the owner of the repository tables (the account that runs `itam-pipeline db upgrade`),
-- after the first upgrade. It is idempotent. The default privileges cover tables and views that
-- later migrations create, as long as that same owner runs them.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'itam_analyst') THEN
        CREATE ROLE itam_analyst NOLOGIN;
    END IF;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO itam_analyst', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO itam_analyst;
REVOKE CREATE ON SCHEMA public FROM itam_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO itam_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO itam_analyst;
