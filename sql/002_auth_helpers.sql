-- Helpers that read the request's JWT claims, the way PostgREST sets them:
-- request.jwt.claims holds every claim as JSON, transaction-local. STABLE so that RLS
-- policies written as `(select auth.org_id())` evaluate them once per query.

create function auth.claims() returns jsonb
language sql stable
as $$ select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb) $$;
comment on function auth.claims() is 'All claims of the current request''s JWT, or {} for anonymous requests.';

create function auth.user_id() returns uuid
language sql stable
as $$ select nullif(auth.claims() ->> 'sub', '')::uuid $$;
comment on function auth.user_id() is 'The signed-in user (JWT claim sub), or null.';

create function auth.org_id() returns uuid
language sql stable
as $$ select nullif(auth.claims() ->> 'org_id', '')::uuid $$;
comment on function auth.org_id() is 'The organisation the request acts for (JWT claim org_id), or null.';

create function auth.role() returns text
language sql stable
as $$ select coalesce(nullif(auth.claims() ->> 'role', ''), 'anon') $$;
comment on function auth.role() is 'The API role of the request (JWT claim role), anon when absent.';

create function auth.is_platform_admin() returns boolean
language sql stable
as $$ select auth.role() = 'platform_admin' $$;
comment on function auth.is_platform_admin() is 'True when the request is made by a platform administrator, who sees every org.';

-- The pre-request hook PostgREST calls before every request (db-pre-request). It refuses
-- claims that could not have come from us: a staff or scanner role without an org, or ids
-- that are not uuids. Raising here aborts the request before any query runs.
create function auth.pre_request() returns void
language plpgsql stable
as $$
declare
  c jsonb := auth.claims();
begin
  if c ? 'sub' and (c ->> 'sub') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    raise exception 'The token''s subject is not a valid user id'
      using errcode = 'PT401', hint = 'Sign in again';
  end if;
  if c ? 'org_id' and (c ->> 'org_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    raise exception 'The token''s organisation is not a valid id'
      using errcode = 'PT401', hint = 'Sign in again';
  end if;
  if pg_has_role(current_user, 'staff', 'member') and current_user <> 'platform_admin'
     and auth.org_id() is null then
    raise exception 'A staff token must name its organisation'
      using errcode = 'PT403';
  end if;
end
$$;
comment on function auth.pre_request() is 'PostgREST db-pre-request hook: refuses malformed claims before any query runs.';

grant execute on function auth.claims(), auth.user_id(), auth.org_id(), auth.role(),
  auth.is_platform_admin(), auth.pre_request()
  to anon, buyer, staff, scanner;

-- The database's own schedule. With pg_cron present (the database named by
-- cron.database_name) jobs are scheduled for real; elsewhere (test databases) they are only
-- recorded, and tests call the jobs' functions directly.
create table core.scheduled_jobs (
  name text primary key,
  schedule text not null,
  command text not null,
  created_at timestamptz not null default now()
);
comment on table core.scheduled_jobs is 'Every pg_cron job the migrations define, whether or not pg_cron runs in this database.';

create function core.schedule_job(job_name text, job_schedule text, job_command text)
returns void
language plpgsql volatile
set search_path = pg_catalog, core, pg_temp
as $$
begin
  insert into core.scheduled_jobs (name, schedule, command)
  values (job_name, job_schedule, job_command)
  on conflict (name) do update set schedule = excluded.schedule, command = excluded.command;
  if to_regnamespace('cron') is not null then
    perform cron.schedule(job_name, job_schedule, job_command);
  end if;
end
$$;
comment on function core.schedule_job(text, text, text) is 'Schedules (or reschedules) a pg_cron job by name; records it even where pg_cron is absent.';
