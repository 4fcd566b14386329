-- Orgs, users and memberships, and the helpers every tenant table and api function of the
-- ticketing engine uses: who may read or write an org's rows, and one procedure that puts
-- the same row-level security on every tenant table.
--
-- Access model (see sql/CONVENTIONS.md):
-- * Staff (org roles) call SECURITY INVOKER management functions; RLS binds them to the org
--   of their token, and writes need a manager role.
-- * Buyers and anon call SECURITY DEFINER functions (holds, availability). Those run as
--   mutambo_owner, which has its own policy on every tenant table, and check access
--   themselves (public events only, holds by token).

-- Roles that may change an org's venues, events and prices.
create function core.is_manager_role(r text) returns boolean
language sql immutable
as $$ select r in ('platform_admin', 'org_owner', 'event_manager') $$;
comment on function core.is_manager_role(text) is 'True for the org roles that may change venues, events and prices.';

-- Always true or false, never NULL: `not NULL` would let a caller without org_id through.
create function core.can_read_org(target uuid) returns boolean
language sql stable
as $$ select coalesce(auth.is_platform_admin() or (target is not null and target = auth.org_id()), false) $$;

create function core.can_write_org(target uuid) returns boolean
language sql stable
as $$
  select coalesce(auth.is_platform_admin()
      or (target is not null and target = auth.org_id() and core.is_manager_role(auth.role())), false)
$$;

-- Refuses, with a message a person understands, when the request may not change org
-- `target`. Management functions call this first so a refusal is a 403, not an RLS
-- "nothing happened".
create function core.require_manager(target uuid) returns void
language plpgsql stable
as $$
begin
  if target is null then
    raise exception 'Not found' using errcode = 'PT404';
  end if;
  if not core.can_write_org(target) then
    if auth.org_id() is distinct from target and not auth.is_platform_admin() then
      -- Another org's id looks exactly like an unknown id: do not confirm it exists.
      raise exception 'Not found' using errcode = 'PT404';
    end if;
    raise exception 'Your role % may not change this organisation''s events and venues', auth.role()
      using errcode = 'PT403';
  end if;
end
$$;
comment on function core.require_manager(uuid) is 'Raises PT404 for another org, PT403 for a role that may not write; returns for managers of the org and platform admins.';

-- One place that puts the standard row-level security on a tenant table: ENABLE + FORCE,
-- staff read their org, managers write their org, platform_admin everything, and the
-- owner (the SECURITY DEFINER engine functions, which check access themselves) everything.
create function core.enable_tenant_rls(t regclass) returns void
language plpgsql volatile
as $$
begin
  execute format('alter table %s enable row level security', t);
  execute format('alter table %s force row level security', t);
  execute format($p$create policy tenant_read on %s for select to staff
                     using (org_id = (select auth.org_id()) or (select auth.is_platform_admin()))$p$, t);
  execute format($p$create policy tenant_write on %s for all to staff
                     using ((select core.can_write_org(org_id)))
                     with check ((select core.can_write_org(org_id)))$p$, t);
  execute format('create policy engine on %s to mutambo_owner using (true) with check (true)', t);
  execute format('grant select, insert, update, delete on %s to staff', t);
end
$$;
comment on function core.enable_tenant_rls(regclass) is 'ENABLE + FORCE RLS with the standard tenant policies (staff read own org, managers write own org, platform_admin all, engine owner all).';

grant usage on schema core to staff;
grant execute on function core.is_manager_role(text), core.can_read_org(uuid), core.can_write_org(uuid),
  core.require_manager(uuid) to staff, anon, buyer, scanner;

create table core.orgs (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(trim(name)) between 2 and 120),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  city text,
  country text not null default 'ZW' check (country ~ '^[A-Z]{2}$'),
  default_currency text not null default 'USD',
  created_at timestamptz not null default now()
);
comment on table core.orgs is 'Organisers (tenants). Every tenant row carries org_id.';

create table core.users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  display_name text not null check (length(trim(display_name)) between 1 and 120),
  password_hash text, -- set by the sign-in feature; null until then
  created_at timestamptz not null default now()
);
create unique index users_email_key on core.users (lower(email));
comment on table core.users is 'People who sign in: staff of orgs and buyers with an account.';

create table core.memberships (
  org_id uuid not null references core.orgs (id) on delete cascade,
  user_id uuid not null references core.users (id) on delete cascade,
  role text not null check (role in ('org_owner', 'event_manager', 'promoter', 'box_office_agent',
                                     'door_staff', 'finance', 'read_only')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index memberships_user_idx on core.memberships (user_id);
comment on table core.memberships is 'A user''s role in one org (one role per org).';

-- orgs: members read their own org; only platform admins create or change orgs.
alter table core.orgs enable row level security;
alter table core.orgs force row level security;
create policy org_read on core.orgs for select to staff
  using (id = (select auth.org_id()) or (select auth.is_platform_admin()));
create policy org_admin on core.orgs for all to staff
  using ((select auth.is_platform_admin())) with check ((select auth.is_platform_admin()));
create policy org_owner_update on core.orgs for update to staff
  using (id = (select auth.org_id()) and (select auth.role()) = 'org_owner')
  with check (id = (select auth.org_id()));
create policy engine on core.orgs to mutambo_owner using (true) with check (true);
grant select, insert, update, delete on core.orgs to staff;

select core.enable_tenant_rls('core.memberships');

-- users: a person sees themself; staff see the users who are members of their org.
alter table core.users enable row level security;
alter table core.users force row level security;
create policy self on core.users for select to staff, buyer
  using (id = (select auth.user_id()));
create policy org_members on core.users for select to staff
  using ((select auth.is_platform_admin())
         or exists (select from core.memberships m where m.user_id = users.id and m.org_id = (select auth.org_id())));
create policy managers_add on core.users for insert to staff
  with check ((select core.is_manager_role(auth.role())));
create policy engine on core.users to mutambo_owner using (true) with check (true);
grant select, insert on core.users to staff;
grant select on core.users to buyer;
grant usage on schema core to buyer;

-- ---------------------------------------------------------------------------------------
-- api

create function api.create_org(name text, slug text, city text default null, country text default 'ZW')
returns uuid
language plpgsql volatile
as $$
declare
  new_id uuid;
begin
  if not auth.is_platform_admin() then
    raise exception 'Only a platform administrator can create organisations' using errcode = 'PT403';
  end if;
  if create_org.slug is null or create_org.slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' then
    raise exception 'Slug "%" must be lowercase letters, digits and single dashes', create_org.slug
      using errcode = 'P0001';
  end if;
  if create_org.name is null or length(trim(create_org.name)) not between 2 and 120 then
    raise exception 'Organisation name "%" must be 2 to 120 characters', create_org.name using errcode = 'P0001';
  end if;
  insert into core.orgs (name, slug, city, country)
  values (trim(create_org.name), create_org.slug, create_org.city, upper(coalesce(create_org.country, 'ZW')))
  returning id into new_id;
  return new_id;
exception when unique_violation then
  raise exception 'An organisation with slug "%" already exists', create_org.slug using errcode = '23505';
end
$$;
comment on function api.create_org(text, text, text, text) is 'Creates an organiser (platform admin only). Returns its id. Errors: PT403 not an admin, P0001 bad name/slug, 23505 slug taken.';

create function api.add_member(email text, display_name text, role text)
returns uuid
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  org uuid := auth.org_id();
  uid uuid;
begin
  if not (auth.role() = 'org_owner' or auth.is_platform_admin()) or org is null then
    raise exception 'Only the organisation''s owner can add members' using errcode = 'PT403';
  end if;
  if add_member.role is null or add_member.role not in ('org_owner', 'event_manager', 'promoter', 'box_office_agent',
                                'door_staff', 'finance', 'read_only') then
    raise exception 'Role "%" is not an organisation role', add_member.role using errcode = 'P0001';
  end if;
  if add_member.email is null or add_member.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'Email "%" is not a valid address', add_member.email using errcode = 'P0001';
  end if;
  select u.id into uid from core.users u where lower(u.email) = lower(add_member.email);
  if uid is null then
    if add_member.display_name is null or length(trim(add_member.display_name)) = 0 then
      raise exception 'A display name is required for a new user' using errcode = 'P0001';
    end if;
    insert into core.users (email, display_name) values (lower(add_member.email), trim(add_member.display_name))
    returning id into uid;
  end if;
  insert into core.memberships (org_id, user_id, role) values (org, uid, add_member.role)
  on conflict (org_id, user_id) do update set role = excluded.role;
  return uid;
end
$$;
comment on function api.add_member(text, text, text) is 'Adds (or re-roles) a member of the caller''s org by email, creating the user when new (org owner only). Returns the user id. Errors: PT403, P0001.';

create function api.org_members()
returns table (user_id uuid, email text, display_name text, role text)
language sql stable
as $$
  select u.id, u.email, u.display_name, m.role
  from core.memberships m join core.users u on u.id = m.user_id
  where m.org_id = auth.org_id()
  order by u.display_name
$$;
comment on function api.org_members() is 'Members of the caller''s org with their roles (staff only; RLS limits it to the org).';

grant execute on function api.create_org(text, text, text, text) to staff;
grant execute on function api.add_member(text, text, text) to staff;
grant execute on function api.org_members() to staff;
