-- migrate: superuser
-- Roles, schemas and extensions. Runs as a superuser; every later file runs as
-- mutambo_owner, a non-superuser without BYPASSRLS, so row-level security binds it too.
-- Roles are cluster-wide, so each is created only when missing (several databases, e.g.
-- test databases, share one cluster).

do $$
declare
  r text;
begin
  if not exists (select from pg_roles where rolname = 'mutambo_owner') then
    -- LOGIN because pg_cron connects as the role that scheduled a job.
    create role mutambo_owner login nosuperuser nobypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  -- API roles, switched to per request by authenticator (SET LOCAL ROLE).
  foreach r in array array['anon', 'buyer', 'staff', 'scanner', 'analyst'] loop
    if not exists (select from pg_roles where rolname = r) then
      execute format('create role %I nologin', r);
    end if;
  end loop;
  -- One database role per org role; each inherits the grants given to `staff`.
  foreach r in array array['platform_admin', 'org_owner', 'event_manager', 'promoter',
                           'box_office_agent', 'door_staff', 'finance', 'read_only'] loop
    if not exists (select from pg_roles where rolname = r) then
      execute format('create role %I nologin in role staff', r);
    end if;
  end loop;
  foreach r in array array['anon', 'buyer', 'staff', 'scanner', 'analyst', 'platform_admin',
                           'org_owner', 'event_manager', 'promoter', 'box_office_agent',
                           'door_staff', 'finance', 'read_only'] loop
    execute format('grant %I to authenticator', r);
  end loop;
end
$$;

-- The owner creates the schemas' objects; grant it what it needs to run migrations.
do $$ begin
  execute format('grant create, temporary on database %I to mutambo_owner', current_database());
end $$;

create extension if not exists pgcrypto with schema public;

create schema if not exists core authorization mutambo_owner;
create schema if not exists api authorization mutambo_owner;
create schema if not exists auth authorization mutambo_owner;
create schema if not exists analytics authorization mutambo_owner;

-- Nothing is executable by PUBLIC unless granted function by function.
alter default privileges for role mutambo_owner revoke execute on functions from public;
alter default privileges revoke execute on functions from public;
revoke create on schema public from public;

grant usage on schema api, auth to anon, buyer, staff, scanner;
grant usage on schema analytics to analyst;

-- pg_cron lives in the database named by cron.database_name only. Other databases on the
-- cluster (tests) record the schedule in core.scheduled_jobs without running it.
do $$
begin
  if current_database() = current_setting('cron.database_name', true) then
    create extension if not exists pg_cron;
    grant usage on schema cron to mutambo_owner;
    grant execute on all functions in schema cron to mutambo_owner;
  end if;
end
$$;
