-- Sign-in, password reset, invitations and team management for /admin, and the one place
-- that says what each org role may do (core.role_permissions), used by the api functions
-- and shown to the admin UI through api.my_permissions().
--
-- * Passwords are bcrypt hashes made by pgcrypto: crypt(pw, gen_salt('bf', 12)). bcrypt
--   reads the first 72 bytes of a password; longer ones are refused so nobody believes the
--   rest counts.
-- * api.login answers unknown emails, users without a password and wrong passwords with the
--   same message and after the same bcrypt work (a hash of the given password with a fresh
--   cost-12 salt), so the answer does not tell which emails exist.
-- * Reset and invite links carry a random token (32 bytes); only its SHA-256 is stored
--   (core.user_tokens). The outbox row for the email worker carries the token, because the
--   email is the token's only delivery; the worker marks it done after sending.
-- * Platform admins are users with core.users.is_platform_admin; they act for any org
--   (role claim platform_admin with the org chosen in the org switcher).

alter table core.users add column is_platform_admin boolean not null default false;
alter table core.users add column password_changed_at timestamptz;

create table core.user_tokens (
  token_hash bytea primary key,
  user_id uuid not null references core.users (id) on delete cascade,
  org_id uuid references core.orgs (id) on delete cascade,
  purpose text not null check (purpose in ('password_reset', 'invite')),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index user_tokens_user_idx on core.user_tokens (user_id);
comment on table core.user_tokens is 'Single-use password reset and invitation tokens; only the SHA-256 of each token is stored.';

-- Only the engine functions (SECURITY DEFINER, owner) touch tokens; no staff grant at all.
alter table core.user_tokens enable row level security;
alter table core.user_tokens force row level security;
create policy engine on core.user_tokens to mutambo_owner using (true) with check (true);

-- ---------------------------------------------------------------------------------------
-- Permissions per role

create function core.role_permissions(r text) returns text[]
language sql immutable
as $$
  select case r
    when 'platform_admin' then array['view_events', 'manage_events', 'manage_prices', 'manage_promo_codes', 'view_orders',
      'manage_orders', 'refund', 'comp', 'export_orders', 'view_finance', 'manage_team', 'manage_check_in', 'check_in',
      'view_audit', 'manage_venues', 'switch_org']
    when 'org_owner' then array['view_events', 'manage_events', 'manage_prices', 'manage_promo_codes', 'view_orders',
      'manage_orders', 'refund', 'comp', 'export_orders', 'view_finance', 'manage_team', 'manage_check_in', 'check_in',
      'view_audit', 'manage_venues']
    when 'event_manager' then array['view_events', 'manage_events', 'manage_prices', 'manage_promo_codes', 'view_orders',
      'manage_orders', 'refund', 'comp', 'export_orders', 'view_finance', 'manage_check_in', 'check_in', 'view_audit',
      'manage_venues']
    when 'promoter' then array['view_events', 'manage_promo_codes']
    when 'box_office_agent' then array['view_events', 'view_orders', 'manage_orders']
    when 'door_staff' then array['view_events', 'check_in']
    when 'finance' then array['view_events', 'view_orders', 'manage_orders', 'refund', 'export_orders', 'view_finance',
      'view_audit']
    when 'read_only' then array['view_events', 'view_orders', 'view_audit']
    else array[]::text[] end
$$;
comment on function core.role_permissions(text) is 'What an org role may do in /admin. The api functions check these; RLS and grants still bind every query.';

create function core.may(permission text) returns boolean
language sql stable
as $$ select permission = any(core.role_permissions(auth.role())) $$;

-- Raises PT403 with a clear message when the caller's role lacks the permission.
create function core.require_permission(permission text) returns void
language plpgsql stable
as $$
begin
  if auth.org_id() is null and not auth.is_platform_admin() then
    raise exception 'Sign in to an organisation first' using errcode = 'PT403';
  end if;
  if not core.may(permission) then
    raise exception 'Your role % may not %', auth.role(), replace(permission, '_', ' ') using errcode = 'PT403';
  end if;
end
$$;

grant execute on function core.role_permissions(text), core.may(text), core.require_permission(text)
  to staff, anon, buyer, scanner;

create function core.check_password(pw text) returns void
language plpgsql immutable
as $$
begin
  if pw is null or length(pw) < 10 then
    raise exception 'The password must be at least 10 characters long' using errcode = 'P0001';
  end if;
  if octet_length(pw) > 72 then
    raise exception 'The password must be at most 72 bytes long' using errcode = 'P0001';
  end if;
end
$$;

create function core.hash_token(token text) returns bytea
language sql immutable
as $$ select public.digest(convert_to(token, 'UTF8'), 'sha256') $$;

create function core.new_token() returns text
language sql volatile
as $$ select translate(encode(public.gen_random_bytes(32), 'base64'), '+/=', '-_') $$;

-- Memberships of a user, or every org for a platform admin, as the sign-in result lists them.
create function core.user_orgs(uid uuid) returns jsonb
language sql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  select coalesce(jsonb_agg(jsonb_build_object('org_id', x.id, 'org_name', x.name, 'org_slug', x.slug, 'role', x.role)
                            order by x.name), '[]')
  from (
    select o.id, o.name, o.slug, m.role from core.memberships m join core.orgs o on o.id = m.org_id
    where m.user_id = uid
    union
    select o.id, o.name, o.slug, 'platform_admin' from core.orgs o
    where exists (select from core.users u where u.id = uid and u.is_platform_admin)
      and not exists (select from core.memberships m where m.user_id = uid and m.org_id = o.id)
  ) x
$$;

-- ---------------------------------------------------------------------------------------
-- api: sign-in and passwords (anon)

create function api.login(email text, password text)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  u core.users;
begin
  select * into u from core.users where lower(users.email) = lower(trim(login.email));
  if not found or u.password_hash is null or login.password is null then
    -- The same bcrypt work as a real check, so the time does not tell which emails exist.
    perform public.crypt(coalesce(login.password, ''), public.gen_salt('bf', 12));
    raise exception 'Email or password is wrong' using errcode = 'PT401';
  end if;
  if public.crypt(login.password, u.password_hash) <> u.password_hash then
    raise exception 'Email or password is wrong' using errcode = 'PT401';
  end if;
  if not u.is_platform_admin and not exists (select from core.memberships m where m.user_id = u.id) then
    raise exception 'Your account is not a member of any organisation; ask the owner to invite you' using errcode = 'PT403';
  end if;
  return jsonb_build_object('user_id', u.id, 'email', u.email, 'display_name', u.display_name,
                            'is_platform_admin', u.is_platform_admin, 'memberships', core.user_orgs(u.id));
end
$$;
comment on function api.login(text, text) is 'Checks an email and password (bcrypt). Returns {user_id, email, display_name, is_platform_admin, memberships: [{org_id, org_name, org_slug, role}]} (a platform admin gets every org). Errors: PT401 "Email or password is wrong" for any unknown email or wrong password (same bcrypt work either way), PT403 no membership.';

create function api.request_password_reset(email text)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  u core.users;
  token text;
begin
  if request_password_reset.email is null or request_password_reset.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'Email "%" is not a valid address', request_password_reset.email using errcode = 'P0001';
  end if;
  select * into u from core.users where lower(users.email) = lower(trim(request_password_reset.email));
  if not found then
    return; -- the same answer for unknown addresses
  end if;
  -- Earlier unused reset links stop working: only the newest one counts.
  update core.user_tokens set used_at = now()
  where user_id = u.id and purpose = 'password_reset' and used_at is null;
  token := core.new_token();
  insert into core.user_tokens (token_hash, user_id, purpose, expires_at)
  values (core.hash_token(token), u.id, 'password_reset', now() + interval '1 hour');
  perform core.enqueue(null, 'users__send_password_reset',
    jsonb_build_object('user_id', u.id, 'email', u.email, 'display_name', u.display_name, 'token', token,
                       'expires_at', now() + interval '1 hour'));
end
$$;
comment on function api.request_password_reset(text) is 'Queues a password reset email (outbox users__send_password_reset) with a single-use token valid for 1 hour; only its hash is stored, and earlier reset tokens stop working. Unknown addresses get the same (empty) answer. Errors: P0001 malformed email.';

create function api.reset_password(token text, new_password text)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  t core.user_tokens;
  u core.users;
begin
  if reset_password.token is null or reset_password.token !~ '^[A-Za-z0-9_-]{40,60}$' then
    raise exception 'This link is not valid; ask for a new one' using errcode = 'PT404';
  end if;
  select * into t from core.user_tokens where token_hash = core.hash_token(reset_password.token) for update;
  if not found or t.used_at is not null then
    raise exception 'This link is not valid or was already used; ask for a new one' using errcode = 'PT404';
  end if;
  if t.expires_at <= now() then
    raise exception 'This link expired at %; ask for a new one', to_char(t.expires_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
      using errcode = 'PT410';
  end if;
  perform core.check_password(reset_password.new_password);
  update core.users set password_hash = public.crypt(reset_password.new_password, public.gen_salt('bf', 12)),
    password_changed_at = now()
  where id = t.user_id returning * into u;
  -- Every other open link of this user stops working too.
  update core.user_tokens set used_at = now() where user_id = t.user_id and used_at is null;
  insert into core.audit_log (org_id, actor_user_id, actor_role, action, entity_type, entity_id, details)
  values (t.org_id, u.id, 'user', case when t.purpose = 'invite' then 'user.password_set' else 'user.password_reset' end,
          'user', u.id::text, jsonb_build_object('email', u.email));
  return jsonb_build_object('user_id', u.id, 'email', u.email);
end
$$;
comment on function api.reset_password(text, text) is 'Sets a new password with a reset or invitation token (single use; all the user''s open tokens are used up). Returns {user_id, email}. Errors: PT404 unknown or used token, PT410 expired, P0001 password shorter than 10 characters or longer than 72 bytes.';

-- ---------------------------------------------------------------------------------------
-- api: the caller's permissions (every admin request)

create function api.my_permissions()
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  u core.users;
  o core.orgs;
  r text := auth.role();
begin
  select * into u from core.users where id = auth.user_id();
  if not found then
    raise exception 'Your account no longer exists; sign in again' using errcode = 'PT401';
  end if;
  if r = 'platform_admin' then
    if not u.is_platform_admin then
      raise exception 'You are no longer a platform administrator; sign in again' using errcode = 'PT401';
    end if;
  elsif not exists (select from core.memberships m where m.user_id = u.id and m.org_id = auth.org_id() and m.role = r) then
    raise exception 'Your access to this organisation has changed; sign in again' using errcode = 'PT401';
  end if;
  select * into o from core.orgs where id = auth.org_id();
  return jsonb_build_object(
    'user_id', u.id, 'email', u.email, 'display_name', u.display_name, 'role', r,
    'org_id', o.id, 'org_name', o.name, 'org_slug', o.slug, 'is_platform_admin', u.is_platform_admin,
    'permissions', (select jsonb_object_agg(p, p = any(core.role_permissions(r)))
                    from unnest(core.role_permissions('platform_admin')) p),
    'orgs', core.user_orgs(u.id));
end
$$;
comment on function api.my_permissions() is 'Who the caller is and what their role may do: {user_id, email, display_name, role, org_id, org_name, is_platform_admin, permissions: {manage_events: true, …}, orgs: [...]}. Refuses (PT401) when the token''s role no longer matches a membership, so a removed or re-roled member is signed out on the next request.';

-- ---------------------------------------------------------------------------------------
-- api: team

create function core.require_team_manager() returns uuid
language plpgsql stable
as $$
begin
  if auth.org_id() is null then
    raise exception 'Choose an organisation first' using errcode = 'PT403';
  end if;
  if not core.may('manage_team') then
    raise exception 'Only the organisation''s owner can manage the team' using errcode = 'PT403';
  end if;
  return auth.org_id();
end
$$;
grant execute on function core.require_team_manager() to staff;

create function core.check_org_role(r text) returns void
language plpgsql immutable
as $$
begin
  if r is null or r not in ('org_owner', 'event_manager', 'promoter', 'box_office_agent', 'door_staff', 'finance', 'read_only') then
    raise exception 'Role "%" is not an organisation role', r using errcode = 'P0001';
  end if;
end
$$;

create function api.invite_member(email text, display_name text, role text)
returns uuid
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  org uuid := core.require_team_manager();
  u core.users;
  token text;
  addr text := lower(trim(invite_member.email));
begin
  perform core.check_org_role(invite_member.role);
  if addr is null or addr !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'Email "%" is not a valid address', invite_member.email using errcode = 'P0001';
  end if;
  select * into u from core.users where lower(users.email) = addr;
  if not found then
    if invite_member.display_name is null or length(trim(invite_member.display_name)) not between 1 and 120 then
      raise exception 'A name (1 to 120 characters) is required for a new team member' using errcode = 'P0001';
    end if;
    insert into core.users (email, display_name) values (addr, trim(invite_member.display_name)) returning * into u;
  end if;
  if exists (select from core.memberships m where m.org_id = org and m.user_id = u.id) then
    raise exception '% is already a member of this organisation', u.email using errcode = '23505';
  end if;
  insert into core.memberships (org_id, user_id, role) values (org, u.id, invite_member.role);
  if u.password_hash is null then
    token := core.new_token();
    insert into core.user_tokens (token_hash, user_id, org_id, purpose, expires_at)
    values (core.hash_token(token), u.id, org, 'invite', now() + interval '7 days');
  end if;
  perform core.enqueue(org, 'users__send_invite', jsonb_build_object('user_id', u.id, 'email', u.email,
    'display_name', u.display_name, 'role', invite_member.role, 'token', token,
    'org_name', (select o.name from core.orgs o where o.id = org),
    'invited_by', (select x.display_name from core.users x where x.id = auth.user_id())));
  perform core.audit(org, 'member.invited', 'user', u.id::text,
    jsonb_build_object('email', u.email, 'role', invite_member.role));
  return u.id;
end
$$;
comment on function api.invite_member(text, text, text) is 'Invites a person to the caller''s org with a role (owner or platform admin only). New users get a set-password link valid 7 days (outbox users__send_invite; token hash stored); existing users are told by email. Returns the user id. Errors: PT403, P0001 bad email/name/role, 23505 already a member.';

create function core.member_for_change(uid uuid) returns core.memberships
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  org uuid := core.require_team_manager();
  m core.memberships;
begin
  select * into m from core.memberships where org_id = org and user_id = uid for update;
  if not found then
    raise exception 'Member % not found', coalesce(uid::text, 'null') using errcode = 'PT404';
  end if;
  return m;
end
$$;

create function core.keep_an_owner(org uuid, leaving uuid) returns void
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  if not exists (select from core.memberships m where m.org_id = org and m.role = 'org_owner' and m.user_id <> leaving) then
    raise exception 'The organisation must keep at least one owner' using errcode = 'PT409';
  end if;
end
$$;

create function api.set_member_role(user_id uuid, role text)
returns text
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  m core.memberships := core.member_for_change(set_member_role.user_id);
begin
  perform core.check_org_role(set_member_role.role);
  if m.role = set_member_role.role then
    return m.role;
  end if;
  if m.role = 'org_owner' then
    perform core.keep_an_owner(m.org_id, m.user_id);
  end if;
  update core.memberships set role = set_member_role.role where org_id = m.org_id and memberships.user_id = m.user_id;
  perform core.audit(m.org_id, 'member.role_changed', 'user', m.user_id::text,
    jsonb_build_object('from', m.role, 'to', set_member_role.role));
  return set_member_role.role;
end
$$;
comment on function api.set_member_role(uuid, text) is 'Changes a member''s role in the caller''s org (owner or platform admin only). Returns the role. Errors: PT403, PT404 not a member, P0001 bad role, PT409 the last owner.';

create function api.remove_member(user_id uuid)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  m core.memberships := core.member_for_change(remove_member.user_id);
begin
  if m.role = 'org_owner' then
    perform core.keep_an_owner(m.org_id, m.user_id);
  end if;
  delete from core.memberships where org_id = m.org_id and memberships.user_id = m.user_id;
  -- Open invitation links for this org stop working.
  update core.user_tokens set used_at = now()
  where user_tokens.user_id = m.user_id and org_id = m.org_id and used_at is null;
  perform core.audit(m.org_id, 'member.removed', 'user', m.user_id::text, jsonb_build_object('role', m.role));
end
$$;
comment on function api.remove_member(uuid) is 'Removes a member from the caller''s org (owner or platform admin only); their next admin request signs them out. Errors: PT403, PT404 not a member, PT409 the last owner.';

create function api.team()
returns table (user_id uuid, email text, display_name text, role text, has_password boolean, joined_at timestamptz)
language sql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  select u.id, u.email, u.display_name, m.role, u.password_hash is not null, m.created_at
  from core.memberships m join core.users u on u.id = m.user_id
  where m.org_id = auth.org_id() and core.can_read_org(m.org_id)
  order by case m.role when 'org_owner' then 0 else 1 end, u.display_name
$$;
comment on function api.team() is 'Members of the caller''s org with role, whether they have set a password (invitation accepted) and when they joined. Staff of the org.';

grant execute on function api.login(text, text), api.request_password_reset(text), api.reset_password(text, text)
  to anon;
grant execute on function api.my_permissions(), api.invite_member(text, text, text), api.set_member_role(uuid, text),
  api.remove_member(uuid), api.team() to staff;
