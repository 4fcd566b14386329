-- Door scanning: gates, check-in lists, paired scanner devices, scans, the offline manifest
-- and the sync of offline scans (issue 5; DESIGN.md invariant 4).
--
-- * Gates and check-in lists per event. A list says which ticket types and sections enter at
--   which gates (empty array = all admission types / all sections / all gates), whether entry
--   is single or entry/exit with re-entry, and an optional time window. An event without any
--   list behaves as one implicit list: every admission ticket, every gate, single entry.
-- * Devices. Staff make a pairing code for event + gate; api.pair_device (anon) turns it into
--   a device row; the server then signs a JWT {role: scanner, org_id, event_id, gate_id,
--   device_id}. auth.pre_request refuses the tokens of revoked devices (PT401).
-- * Scans. core.apply_scan decides in one short transaction: it locks the ticket row (FOR NO
--   KEY UPDATE), so two gates scanning one ticket at the same instant are serialised and
--   exactly one admits. Every scan is a row of core.scans keyed by the client's scan id, so a
--   replay returns the stored answer and changes nothing. SQL parses the QR text itself and
--   checks the ticket id against the secret (the QR's check = first 9 bytes of
--   SHA-256(secret)); the server additionally verifies the ECDSA signature (Web Crypto) and
--   passes signature_ok.
-- * Offline. api.scan_manifest gives a device what it needs to decide alone (keys, lists,
--   every ticket as a 6-byte id prefix with its type, section and status, the used set),
--   versioned by transaction id watermark for incremental sync. api.sync_scans applies
--   offline scans in scan-time order; when two admissions of one single-entry ticket meet,
--   the earliest stands and the others become duplicate_offline (whatever order the devices
--   sync in), reported by api.offline_conflicts.
-- * Every recorded scan signals channel check_in for the live dashboard (which reads only e, the
--   event): api.scan and api.sync_scans NOTIFY {e, g, r, o} in their transaction; the scan route
--   asks api.scan not to and sends {e, n} coalesced per event after the commits instead (a
--   NOTIFY serialises commits cluster-wide; see api.scan).

-- ---------------------------------------------------------------------------------------
-- Claims of scanner devices

create function auth.device_id() returns uuid
language sql stable
as $$ select case when auth.claims() ->> 'device_id' ~* '^[0-9a-f-]{36}$' then (auth.claims() ->> 'device_id')::uuid end $$;
comment on function auth.device_id() is 'The scanner device of the request (JWT claim device_id), or null.';

create function auth.device_event_id() returns uuid
language sql stable
as $$ select case when auth.role() = 'scanner' and auth.claims() ->> 'event_id' ~* '^[0-9a-f-]{36}$'
                  then (auth.claims() ->> 'event_id')::uuid end $$;
comment on function auth.device_event_id() is 'The event a scanner token is bound to (claim event_id), or null for other roles.';

grant execute on function auth.device_id(), auth.device_event_id() to anon, buyer, staff, scanner;

-- ---------------------------------------------------------------------------------------
-- Tables

create table core.gates (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 60),
  sort int not null default 0,
  created_at timestamptz not null default now(),
  unique (event_id, name)
);
create index gates_org_idx on core.gates (org_id);
comment on table core.gates is 'Entrances of an event where scanner devices stand.';

create table core.check_in_lists (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 80),
  mode text not null default 'single' check (mode in ('single', 'reentry')),
  ticket_type_ids uuid[] not null default '{}',
  section_ids uuid[] not null default '{}',
  gate_ids uuid[] not null default '{}',
  valid_from timestamptz,
  valid_until timestamptz,
  created_at timestamptz not null default now(),
  unique (event_id, name),
  check (valid_until is null or valid_from is null or valid_until > valid_from)
);
create index check_in_lists_event_idx on core.check_in_lists (event_id);
create index check_in_lists_org_idx on core.check_in_lists (org_id);
comment on table core.check_in_lists is 'Who enters where: ticket types x sections x gates (empty = all), single entry or re-entry, time window.';

create table core.scan_devices (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  gate_id uuid not null references core.gates (id) on delete restrict,
  name text not null check (length(trim(name)) between 1 and 60),
  paired_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  revoked_at timestamptz,
  created_by uuid
);
create index scan_devices_event_idx on core.scan_devices (event_id);
create index scan_devices_org_idx on core.scan_devices (org_id);

create table core.device_pairings (
  code text primary key check (code ~ '^[2-9A-HJKMNP-Z]{8}$'),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  gate_id uuid not null references core.gates (id) on delete cascade,
  expires_at timestamptz not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  used_at timestamptz,
  device_id uuid references core.scan_devices (id) on delete set null
);
create index device_pairings_event_idx on core.device_pairings (event_id);
create index device_pairings_org_idx on core.device_pairings (org_id);

-- Entry state of a ticket: one row from its first admission on. xid is the transaction that
-- last changed it (the manifest's version watermark).
create table core.ticket_checkins (
  ticket_id uuid primary key references core.tickets (id) on delete cascade,
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  inside boolean not null,
  entries int not null default 1,
  first_scan_id uuid not null,
  first_in_at timestamptz not null,
  first_gate_id uuid references core.gates (id) on delete set null,
  last_in_at timestamptz not null,
  last_gate_id uuid references core.gates (id) on delete set null,
  last_at timestamptz not null,
  xid xid8 not null default pg_current_xact_id()
);
create index ticket_checkins_event_xid_idx on core.ticket_checkins (event_id, xid);
create index ticket_checkins_org_idx on core.ticket_checkins (org_id);

create table core.scans (
  id uuid primary key, -- generated by the device: the idempotency key
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  device_id uuid not null references core.scan_devices (id) on delete restrict,
  gate_id uuid references core.gates (id) on delete set null,
  ticket_id uuid references core.tickets (id) on delete set null,
  direction text not null check (direction in ('in', 'out')),
  result text not null check (result in ('admitted', 'exited', 'already_used', 'wrong_gate', 'wrong_event',
                                         'not_yet_valid', 'cancelled_or_refunded', 'invalid', 'duplicate_offline')),
  reason text,
  offline boolean not null default false,
  device_result text,
  scanned_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  detail jsonb not null default '{}'
);
create index scans_event_idx on core.scans (event_id, recorded_at);
create index scans_gate_time_idx on core.scans (gate_id, scanned_at);
create index scans_device_idx on core.scans (device_id);
create index scans_ticket_idx on core.scans (ticket_id);
create index scans_org_idx on core.scans (org_id);
create index scans_duplicates_idx on core.scans (event_id) where result = 'duplicate_offline';

-- Tickets whose validity changed (issued, cancelled, refunded, order status), per transaction.
create table core.check_in_log (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  ticket_id uuid not null,
  xid xid8 not null default pg_current_xact_id()
);
create index check_in_log_event_xid_idx on core.check_in_log (event_id, xid);
create index check_in_log_org_idx on core.check_in_log (org_id);

select core.enable_tenant_rls('core.gates');
select core.enable_tenant_rls('core.check_in_lists');
select core.enable_tenant_rls('core.scan_devices');
select core.enable_tenant_rls('core.device_pairings');
select core.enable_tenant_rls('core.ticket_checkins');
select core.enable_tenant_rls('core.scans');
select core.enable_tenant_rls('core.check_in_log');

-- Scanner devices see their own event only (tickets without secrets, its gates and lists).
grant usage on schema core to scanner;
grant select (id, org_id, event_id, ticket_type_id, seat_id, attendee_name, status, issued_at) on core.tickets to scanner;
create policy scanner_read on core.tickets for select to scanner
  using (event_id = (select auth.device_event_id()) and org_id = (select auth.org_id()));
grant select on core.gates, core.check_in_lists, core.ticket_checkins to scanner;
create policy scanner_read on core.gates for select to scanner using (event_id = (select auth.device_event_id()));
create policy scanner_read on core.check_in_lists for select to scanner using (event_id = (select auth.device_event_id()));
create policy scanner_read on core.ticket_checkins for select to scanner using (event_id = (select auth.device_event_id()));

-- ---------------------------------------------------------------------------------------
-- Change log for the manifest (statement triggers with transition tables: cheap in bulk)

create function core.tg_tickets__check_in_log() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    insert into core.check_in_log (org_id, event_id, ticket_id) select org_id, event_id, id from new_rows;
  else
    insert into core.check_in_log (org_id, event_id, ticket_id)
    select n.org_id, n.event_id, n.id from new_rows n join old_rows o on o.id = n.id where o.status is distinct from n.status;
  end if;
  return null;
end
$$;
create trigger "50_check_in_log_insert" after insert on core.tickets referencing new table as new_rows
  for each statement execute function core.tg_tickets__check_in_log();
create trigger "50_check_in_log_update" after update on core.tickets referencing old table as old_rows new table as new_rows
  for each statement execute function core.tg_tickets__check_in_log();

create function core.tg_orders__check_in_log() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  insert into core.check_in_log (org_id, event_id, ticket_id)
  select t.org_id, t.event_id, t.id
  from new_rows n join old_rows o on o.id = n.id and o.status is distinct from n.status
  join core.tickets t on t.order_id = n.id;
  return null;
end
$$;
create trigger "50_check_in_log" after update on core.orders referencing old table as old_rows new table as new_rows
  for each statement execute function core.tg_orders__check_in_log();

-- ---------------------------------------------------------------------------------------
-- Helpers

create function core.b64url(b bytea) returns text
language sql immutable
as $$ select translate(rtrim(replace(encode(b, 'base64'), E'\n', ''), '='), '+/', '-_') $$;

create function core.b64url_uuid(s text) returns uuid
language sql immutable
as $$ select encode(decode(translate(s, '-_', '+/') || '==', 'base64'), 'hex')::uuid $$;

create function core.secret_check(secret text) returns text
language sql immutable
as $$ select core.b64url(substring(public.digest(secret, 'sha256') from 1 for 9)) $$;
comment on function core.secret_check(text) is 'The check of a ticket secret in its QR text: base64url of the first 9 bytes of SHA-256(secret) (lib/tickets/signing.ts secretCheck).';

-- The people who set up check-in and pair devices: managers and door staff of the org.
create function core.require_check_in_admin(target uuid) returns void
language plpgsql stable
as $$
begin
  if target is null or not core.can_read_org(target) then
    raise exception 'Event not found' using errcode = 'PT404';
  end if;
  if not (auth.is_platform_admin() or auth.role() in ('org_owner', 'event_manager', 'door_staff')) then
    raise exception 'Your role % may not manage check-in', auth.role() using errcode = 'PT403';
  end if;
end
$$;

create function core.check_in_event(ev uuid) returns core.events
language plpgsql stable
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events;
begin
  select * into e from core.events where id = ev;
  if not found or not core.can_read_org(e.org_id) then
    raise exception 'Event % not found', coalesce(ev::text, 'null') using errcode = 'PT404';
  end if;
  return e;
end
$$;

-- Is the device of a scanner token active (paired, not revoked, bound to that org/event)?
create function core.device_is_active(dev uuid, org uuid, ev uuid) returns boolean
language sql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  select exists (select from core.scan_devices d
                 where d.id = dev and d.org_id = org and d.event_id = ev and d.revoked_at is null)
$$;
grant execute on function core.device_is_active(uuid, uuid, uuid) to scanner;

-- The device of the current scanner request, or PT401. It reads the claims once and refuses
-- what auth.pre_request refuses for scanner tokens (ids that are not uuids, a revoked or unknown
-- device), so the scan route can leave the hook out of its one round trip (lib/scan/call.ts).
create function core.current_device() returns core.scan_devices
language plpgsql stable
set search_path = pg_catalog, core, pg_temp
as $$
declare
  c jsonb := auth.claims();
  d core.scan_devices;
begin
  if coalesce(c ->> 'role', '') <> 'scanner' then
    raise exception 'Only a paired scanner device may scan' using errcode = 'PT403';
  end if;
  if coalesce(c ->> 'device_id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     or coalesce(c ->> 'event_id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     or coalesce(c ->> 'org_id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     or (c ? 'sub' and (c ->> 'sub') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') then
    raise exception 'A scanner token must name its device, organisation and event'
      using errcode = 'PT401', hint = 'Pair the device again';
  end if;
  select * into d from core.scan_devices where id = (c ->> 'device_id')::uuid and revoked_at is null
    and org_id = (c ->> 'org_id')::uuid and event_id = (c ->> 'event_id')::uuid;
  if not found then
    raise exception 'This device is not paired or was revoked; pair it again' using errcode = 'PT401';
  end if;
  return d;
end
$$;

-- The pre-request hook of 002, with one more check: scanner tokens must name an active device.
create or replace function auth.pre_request() returns void
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
  if current_user = 'scanner' or c ->> 'role' = 'scanner' then
    if coalesce(c ->> 'device_id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
       or coalesce(c ->> 'event_id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
       or auth.org_id() is null then
      raise exception 'A scanner token must name its device, organisation and event'
        using errcode = 'PT401', hint = 'Pair the device again';
    end if;
    if not core.device_is_active((c ->> 'device_id')::uuid, auth.org_id(), (c ->> 'event_id')::uuid) then
      raise exception 'This device was revoked or is not paired'
        using errcode = 'PT401', hint = 'Pair the device again';
    end if;
  end if;
end
$$;
comment on function auth.pre_request() is 'PostgREST db-pre-request hook: refuses malformed claims before any query runs, and the tokens of revoked scanner devices.';

-- ---------------------------------------------------------------------------------------
-- The decision

-- What the door should answer for ticket t at gate `gate` at time `at`, without writing.
-- {result, reason, list_id, mode, ...details}. The caller holds the ticket's row lock.
create function core.decide_ticket(t core.tickets, gate uuid, at timestamptz, direction text) returns jsonb
language plpgsql stable
set search_path = pg_catalog, core, pg_temp
as $$
declare
  any_lists boolean;
  is_admission boolean;
  section uuid;
  matching core.check_in_lists[];
  here core.check_in_lists[];
  l core.check_in_lists;
  st core.ticket_checkins;
  mode text;
  list_id uuid;
  paid boolean;
begin
  -- Everything the rules need about the ticket in one statement (a plan cached per session).
  -- `paid` with t.status = 'valid' is core.ticket_is_valid(t), THE validity rule of sql/122,
  -- written out here because a call of that SQL function (it has a subquery, so it is never
  -- inlined) is planned again in every transaction: 0.2 ms of each scan. tests/sql/170 checks
  -- that both agree for every ticket and order status.
  select (select tt.kind = 'admission' from core.ticket_types tt where tt.id = t.ticket_type_id),
         (select coalesce(i.event_section_id, s.event_section_id)
          from core.order_items i left join core.event_seats s on s.id = i.seat_id where i.id = t.order_item_id),
         exists (select from core.orders o where o.id = t.order_id and o.status = 'paid'),
         exists (select from core.check_in_lists cl where cl.event_id = t.event_id)
  into is_admission, section, paid, any_lists;
  if not (t.status = 'valid' and paid) then
    return jsonb_build_object('result', 'cancelled_or_refunded',
      'reason', case when t.status = 'valid' then 'The order of this ticket is not paid' else 'This ticket was ' || t.status end);
  end if;
  if not any_lists then
    if not coalesce(is_admission, false) then
      return jsonb_build_object('result', 'invalid', 'reason', 'This ticket is an add-on, not an admission');
    end if;
    mode := 'single';
  else
    select coalesce(array_agg(cl order by cl.mode = 'reentry' desc, cl.name), '{}') into matching
    from core.check_in_lists cl
    where cl.event_id = t.event_id
      and ((cardinality(cl.ticket_type_ids) = 0 and coalesce(is_admission, false)) or t.ticket_type_id = any (cl.ticket_type_ids))
      and (cardinality(cl.section_ids) = 0 or section = any (cl.section_ids));
    if cardinality(matching) = 0 then
      return jsonb_build_object('result', 'invalid', 'reason', 'No check-in list lets this ticket in');
    end if;
    select coalesce(array_agg(m), '{}') into here from unnest(matching) m
    where cardinality(m.gate_ids) = 0 or gate = any (m.gate_ids);
    if cardinality(here) = 0 then
      return jsonb_build_object('result', 'wrong_gate', 'reason', 'Wrong gate',
        'right_gates', (select coalesce(jsonb_agg(g.name order by g.sort, g.name), '[]') from core.gates g
                        where g.id in (select unnest(m.gate_ids) from unnest(matching) m)));
    end if;
    select m.* into l from unnest(here) m
    where (m.valid_from is null or at >= m.valid_from) and (m.valid_until is null or at < m.valid_until)
    limit 1;
    if l.id is null then
      if exists (select from unnest(here) m where m.valid_from > at) then
        return jsonb_build_object('result', 'not_yet_valid', 'reason', 'Not valid yet',
          'valid_from', (select min(m.valid_from) from unnest(here) m where m.valid_from > at));
      end if;
      return jsonb_build_object('result', 'invalid', 'reason', 'The check-in window has closed',
        'valid_until', (select max(m.valid_until) from unnest(here) m));
    end if;
    mode := l.mode;
    list_id := l.id;
  end if;

  select * into st from core.ticket_checkins where ticket_id = t.id;
  if direction = 'in' then
    if st.ticket_id is null or (mode = 'reentry' and not st.inside) then
      return jsonb_build_object('result', 'admitted', 'mode', mode, 'list_id', list_id,
                                'reentry', st.ticket_id is not null);
    end if;
    return jsonb_build_object('result', 'already_used', 'mode', mode, 'list_id', list_id,
      'reason', 'Already used',
      'used_at', case when mode = 'reentry' then st.last_in_at else st.first_in_at end,
      'used_gate', (select g.name from core.gates g
                    where g.id = case when mode = 'reentry' then st.last_gate_id else st.first_gate_id end));
  end if;
  if mode <> 'reentry' then
    return jsonb_build_object('result', 'invalid', 'reason', 'No re-entry on this ticket: exits are not recorded');
  end if;
  if st.ticket_id is null or not st.inside then
    return jsonb_build_object('result', 'invalid', 'reason', 'This ticket is not inside');
  end if;
  return jsonb_build_object('result', 'exited', 'mode', mode, 'list_id', list_id);
end
$$;

-- Ticket details shown on the answer screen. PL/pgSQL, not SQL: its query plan is cached per
-- session, where a SQL function called from PL/pgSQL is planned again in every transaction.
create function core.scan_ticket_json(t core.tickets) returns jsonb
language plpgsql stable
set search_path = pg_catalog, core, pg_temp
as $$
begin
  return (select jsonb_build_object('id', t.id, 'attendee_name', t.attendee_name, 'ticket_type', tt.name,
    'section', es.name, 'seat', case when s.row_label is not null then s.row_label || s.seat_number end,
    'order_code', left(o.code, 4) || '-' || right(o.code, 4))
  from core.ticket_types tt
  join core.orders o on o.id = t.order_id
  left join core.order_items i on i.id = t.order_item_id
  left join core.event_seats s on s.id = coalesce(t.seat_id, i.seat_id)
  left join core.event_sections es on es.id = coalesce(i.event_section_id, s.event_section_id)
  where tt.id = t.ticket_type_id);
end
$$;

-- The answer of a recorded scan (PL/pgSQL for the same reason).
create function core.scan_json(s core.scans) returns jsonb
language plpgsql stable
set search_path = pg_catalog, core, pg_temp
as $$
begin
  return s.detail || jsonb_build_object('scan_id', s.id, 'result', s.result, 'reason', s.reason, 'direction', s.direction,
    'offline', s.offline, 'scanned_at', s.scanned_at, 'recorded_at', s.recorded_at, 'ticket_id', s.ticket_id,
    'gate', (select g.name from core.gates g where g.id = s.gate_id));
end
$$;

-- Records one scan by device dev and applies its effect. Online (device_result null): the
-- server's decision at now() is the answer. Offline (device_result = what the device showed,
-- decided at scanned_at): admissions the device made are applied with "earliest stands".
-- The caller has locked the tickets involved (in id order). s_notify = false: the caller signals
-- the live dashboard itself after the commit (see api.scan).
create function core.apply_scan(dev core.scan_devices, s_id uuid, s_code text, s_direction text, s_at timestamptz,
                                s_signature_ok boolean, s_device_result text, s_notify boolean default true) returns jsonb
language plpgsql volatile
set search_path = pg_catalog, core, pg_temp
as $$
declare
  prev core.scans;
  offline boolean := s_device_result is not null;
  at timestamptz := case when s_device_result is null then now() else least(coalesce(s_at, now()), now()) end;
  code text := trim(coalesce(s_code, ''));
  parts text[];
  tid uuid;
  eid uuid;
  chk text;
  oc text;
  t core.tickets;
  cand core.tickets;
  d jsonb;
  first_d jsonb;
  ev core.events;
  st core.ticket_checkins;
  result text;
  reason text;
  detail jsonb := '{}';
  rec core.scans;
  inserted boolean;
begin
  if s_id is null then
    raise exception 'A scan id (uuid made by the device) is required' using errcode = 'P0001';
  end if;
  if s_direction is null or s_direction not in ('in', 'out') then
    raise exception 'Direction "%" must be in or out', s_direction using errcode = 'P0001';
  end if;
  if length(code) > 400 then
    code := left(code, 400);
  end if;
  select * into prev from core.scans where id = s_id;
  if found then
    if prev.device_id <> dev.id then
      raise exception 'Scan id % was already used by another device', s_id using errcode = 'PT409';
    end if;
    return core.scan_json(prev) || jsonb_build_object('replay', true);
  end if;

  if code ~ '^MT1\.' then
    if code !~ '^MT1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{12}\.[0-9a-z]{1,10}(\.[A-Za-z0-9_-]{86})?$' then
      result := 'invalid'; reason := 'Unreadable code';
    else
      parts := string_to_array(code, '.');
      tid := core.b64url_uuid(parts[2]);
      eid := core.b64url_uuid(parts[3]);
      chk := parts[4];
      if s_signature_ok is false then
        result := 'invalid'; reason := 'Forged or altered code (signature)';
        detail := jsonb_build_object('claimed_ticket_id', tid);
        tid := null;
      else
        select * into t from core.tickets where id = tid for no key update;
        if not found then
          if eid <> dev.event_id then
            result := 'wrong_event'; reason := 'Ticket for another event';
          else
            result := 'invalid'; reason := 'Unknown ticket';
          end if;
          tid := null;
        elsif t.event_id <> dev.event_id then
          result := 'wrong_event'; reason := 'Ticket for another event';
          if t.org_id = dev.org_id then
            select * into ev from core.events where id = t.event_id;
            detail := jsonb_build_object('event', ev.name, 'starts_at', ev.starts_at);
          end if;
        elsif chk <> core.secret_check(t.secret) then
          result := 'invalid'; reason := 'Forged or altered code';
          tid := null;
          t := null;
        end if;
      end if;
    end if;
  elsif core.normalize_order_code(code) is not null then
    oc := core.normalize_order_code(code);
    select o.event_id into eid from core.orders o where o.code = oc;
    if not found or eid is null then
      result := 'invalid'; reason := 'Unknown order code';
    elsif eid <> dev.event_id then
      result := 'wrong_event'; reason := 'Order for another event';
    else
      -- the first ticket of the order that this scan would let in (or out), else the first
      perform from core.tickets where order_id = (select o.id from core.orders o where o.code = oc)
        order by id for no key update;
      for cand in select tk.* from core.tickets tk join core.orders o on o.id = tk.order_id
                  where o.code = oc order by tk.order_item_id loop
        d := core.decide_ticket(cand, dev.gate_id, at, s_direction);
        if first_d is null then first_d := d; t := cand; end if;
        if d ->> 'result' in ('admitted', 'exited') then
          t := cand; first_d := d;
          exit;
        end if;
      end loop;
      if t.id is null then
        result := 'invalid'; reason := 'This order has no tickets';
      else
        d := first_d;
        tid := t.id;
        detail := jsonb_build_object('order_tickets', (select count(*) from core.tickets where order_id = t.order_id),
                                     'order_admitted', (select count(*) from core.ticket_checkins c join core.tickets x on x.id = c.ticket_id
                                                        where x.order_id = t.order_id));
      end if;
    end if;
  else
    result := 'invalid'; reason := 'Unreadable code';
  end if;

  if result is null then
    tid := t.id;
    -- A retry of this very scan may have committed while we waited for the ticket's lock. Online
    -- the insert below finds it (on conflict) before anything else is written; offline scans
    -- may rewrite other rows first, so they look now.
    if offline then
      select * into prev from core.scans where id = s_id;
      if found then
        return core.scan_json(prev) || jsonb_build_object('replay', true);
      end if;
    end if;
    d := coalesce(d, core.decide_ticket(t, dev.gate_id, at, s_direction));
    result := d ->> 'result';
    reason := d ->> 'reason';
    detail := detail || (d - 'result' - 'reason' - 'list_id' - 'reentry') || jsonb_build_object('ticket', core.scan_ticket_json(t));
    if d ? 'reentry' and (d ->> 'reentry')::boolean then
      detail := detail || jsonb_build_object('reentry', true);
    end if;
  end if;

  -- What an offline device did is what happened at the door: only its admissions and exits
  -- change the entry state; a refusal stays a refusal.
  if offline then
    detail := detail || jsonb_build_object('device_result', s_device_result);
    if s_device_result = 'admitted' and s_direction = 'in' then
      if result = 'already_used' then
        select * into st from core.ticket_checkins where ticket_id = t.id;
        if d ->> 'mode' = 'single' and (st.first_in_at, st.first_scan_id) > (at, s_id) then
          -- an earlier offline admission arrives late: it stands, the later one is the duplicate
          update core.scans sc set result = 'duplicate_offline', reason = 'Admitted twice: an earlier scan stands',
                                   detail = sc.detail || jsonb_build_object('standing_scan_id', s_id,
                                                                            'device_result', coalesce(sc.device_result, sc.result))
          where sc.id = st.first_scan_id;
          update core.ticket_checkins set first_scan_id = s_id, first_in_at = at, first_gate_id = dev.gate_id,
                                          last_in_at = least(last_in_at, at), xid = pg_current_xact_id()
          where ticket_id = t.id;
          if s_notify then
            perform pg_notify('check_in', jsonb_build_object('e', dev.event_id, 'g', dev.gate_id, 'r', 'duplicate_offline', 'o', true)::text);
          end if;
          result := 'admitted'; reason := null;
          detail := detail || jsonb_build_object('superseded_scan_id', st.first_scan_id);
        else
          result := 'duplicate_offline'; reason := 'Admitted twice: an earlier scan stands';
          detail := detail || jsonb_build_object('standing_scan_id', st.first_scan_id);
        end if;
        st := null;
      elsif result <> 'admitted' then
        detail := detail || jsonb_build_object('admitted_offline', true);
      end if;
    elsif s_device_result = 'exited' and result = 'exited' then
      null; -- applied below
    elsif s_device_result <> result then
      -- the device refused (or its exit was not valid here): record what it did
      detail := detail || jsonb_build_object('server_result', result);
      result := case when s_device_result in ('admitted', 'exited', 'already_used', 'wrong_gate', 'wrong_event',
                                              'not_yet_valid', 'cancelled_or_refunded', 'invalid')
                     then s_device_result else 'invalid' end;
      if result in ('admitted', 'exited') then result := 'invalid'; end if;
    end if;
  end if;

  insert into core.scans (id, org_id, event_id, device_id, gate_id, ticket_id, direction, result, reason, offline,
                          device_result, scanned_at, detail)
  values (s_id, dev.org_id, dev.event_id, dev.id, dev.gate_id, tid, s_direction, result, reason, offline,
          s_device_result, at, detail)
  on conflict (id) do nothing
  returning * into rec;
  inserted := rec.id is not null;
  if not inserted then
    select * into prev from core.scans where id = s_id;
    return core.scan_json(prev) || jsonb_build_object('replay', true);
  end if;

  if result = 'admitted' and not (detail ? 'superseded_scan_id') then
    insert into core.ticket_checkins (ticket_id, org_id, event_id, inside, first_scan_id, first_in_at, first_gate_id,
                                      last_in_at, last_gate_id, last_at)
    values (t.id, t.org_id, t.event_id, true, s_id, at, dev.gate_id, at, dev.gate_id, at)
    on conflict (ticket_id) do update set inside = true, entries = ticket_checkins.entries + 1,
      last_in_at = excluded.last_in_at, last_gate_id = excluded.last_gate_id,
      last_at = greatest(ticket_checkins.last_at, excluded.last_at), xid = pg_current_xact_id();
  elsif result = 'exited' then
    update core.ticket_checkins set inside = false, last_at = greatest(last_at, at), xid = pg_current_xact_id()
    where ticket_id = t.id;
  end if;
  if dev.last_seen_at < now() - interval '20 seconds' then
    update core.scan_devices set last_seen_at = now() where id = dev.id and last_seen_at < now() - interval '20 seconds';
  end if;
  if s_notify then
    perform pg_notify('check_in', jsonb_build_object('e', dev.event_id, 'g', dev.gate_id, 'r', result, 'o', offline)::text);
  end if;
  return core.scan_json(rec) || jsonb_build_object('replay', false);
end
$$;

-- ---------------------------------------------------------------------------------------
-- api: scanner devices

-- notify: NOTIFY check_in in this transaction (default). A NOTIFY takes a cluster-wide lock
-- that is held through the commit's WAL flush, so notifying transactions commit one at a time:
-- at the gates' rate that lock, not the decision, was the limit (45 commits/s with a notify
-- against 2,000 without, pgbench on this machine). The scan route passes false and sends one
-- coalesced NOTIFY per event after its commits (lib/scan/signal.ts).
create function api.scan(scan_id uuid, code text, direction text default 'in', signature_ok boolean default null,
                         notify boolean default true)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  return core.apply_scan(core.current_device(), scan.scan_id, scan.code, scan.direction, now(), scan.signature_ok, null,
                         coalesce(scan.notify, true));
end
$$;
comment on function api.scan(uuid, text, text, boolean, boolean) is 'Decides one scan at the device''s gate, now, and records it: code is the QR text (MT1....) or an order code (admits the next ticket of the order). Returns {scan_id, result, reason, ticket {attendee_name, ticket_type, section, seat, order_code}, used_at, used_gate, right_gates, valid_from, gate, replay}; result is admitted, exited, already_used, wrong_gate, wrong_event, not_yet_valid, cancelled_or_refunded or invalid. The same scan_id again returns the stored answer and changes nothing. signature_ok=false (the server found the QR signature bad) makes it invalid. notify=false leaves out the NOTIFY check_in {e, g, r, o} for the live dashboard (the caller sends one after commit). Scanner devices only. Errors: PT401 revoked device, PT403 not a scanner, PT409 scan id of another device, P0001.';

create function api.sync_scans(scans jsonb)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  dev core.scan_devices := core.current_device();
  item jsonb;
  r jsonb;
  results jsonb := '[]';
  ids uuid[];
  replayed int := 0;
  duplicates int := 0;
begin
  if sync_scans.scans is null or jsonb_typeof(sync_scans.scans) <> 'array' then
    raise exception 'scans must be a list of offline scans' using errcode = 'P0001';
  end if;
  if jsonb_array_length(sync_scans.scans) > 1000 then
    raise exception 'Send at most 1000 scans at a time, not %', jsonb_array_length(sync_scans.scans) using errcode = 'P0001';
  end if;
  for item in select value from jsonb_array_elements(sync_scans.scans) loop
    if jsonb_typeof(item) <> 'object' or coalesce(item ->> 'id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
       or jsonb_typeof(item -> 'code') is distinct from 'string'
       or coalesce(item ->> 'result', '') !~ '^[a-z_]{3,30}$' then
      raise exception 'Each scan needs id (uuid), code, result and scanned_at: %', left(item::text, 120) using errcode = 'P0001';
    end if;
    begin
      perform (item ->> 'scanned_at')::timestamptz;
    exception when others then
      raise exception 'scanned_at "%" is not a time', item ->> 'scanned_at' using errcode = 'P0001';
    end;
  end loop;
  -- lock every ticket the batch touches, in id order (no deadlock with other syncs or scans)
  select array_agg(distinct x) into ids from (
    select core.b64url_uuid(split_part(value ->> 'code', '.', 2)) as x from jsonb_array_elements(sync_scans.scans)
    where value ->> 'code' ~ '^MT1\.[A-Za-z0-9_-]{22}\.'
    union all
    select tk.id from jsonb_array_elements(sync_scans.scans) j join core.orders o on o.code = core.normalize_order_code(j.value ->> 'code')
    join core.tickets tk on tk.order_id = o.id) s;
  perform from core.tickets where id = any (coalesce(ids, '{}')) order by id for no key update;
  for item in select value from jsonb_array_elements(sync_scans.scans)
              order by (value ->> 'scanned_at')::timestamptz, value ->> 'id' loop
    r := core.apply_scan(dev, (item ->> 'id')::uuid, item ->> 'code', coalesce(item ->> 'direction', 'in'),
                         (item ->> 'scanned_at')::timestamptz,
                         case when item ? 'signature_ok' then (item ->> 'signature_ok')::boolean end, item ->> 'result');
    if (r ->> 'replay')::boolean then replayed := replayed + 1; end if;
    if r ->> 'result' = 'duplicate_offline' then duplicates := duplicates + 1; end if;
    results := results || jsonb_build_array(jsonb_build_object('scan_id', r ->> 'scan_id', 'result', r ->> 'result',
      'reason', r ->> 'reason', 'replay', (r ->> 'replay')::boolean));
  end loop;
  return jsonb_build_object('applied', jsonb_array_length(results) - replayed, 'replayed', replayed,
                            'duplicates', duplicates, 'results', results);
end
$$;
comment on function api.sync_scans(jsonb) is 'Uploads offline scans [{id, code, direction, scanned_at, result (what the device showed), signature_ok}] and applies them in scan-time order. Admissions the device made change the entry state; when a single-entry ticket was admitted twice the earliest scan stands and the others become duplicate_offline (whatever order devices sync in). Replayed ids change nothing. Returns {applied, replayed, duplicates, results [{scan_id, result, reason, replay}]}. Scanner devices only; at most 1000 scans. Errors: PT401, PT403, PT409, P0001.';

create function api.scan_manifest(since_version bigint default 0)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  dev core.scan_devices := core.current_device();
  e core.events;
  since xid8 := coalesce(scan_manifest.since_version, 0)::text::xid8;
  full_sync boolean := coalesce(scan_manifest.since_version, 0) <= 0;
  types uuid[];
  sections uuid[];
  gates uuid[];
  tickets jsonb;
  used jsonb;
begin
  select * into e from core.events where id = dev.event_id;
  select coalesce(array_agg(id order by id), '{}') into types from core.ticket_types where event_id = e.id;
  select coalesce(array_agg(id order by id), '{}') into sections from core.event_sections where event_id = e.id;
  select coalesce(array_agg(id order by sort, name), '{}') into gates from core.gates where event_id = e.id;
  with changed as (
    select t.* from core.tickets t where t.event_id = e.id and full_sync
    union all
    select t.* from core.tickets t
    where not full_sync and t.id in (select l.ticket_id from core.check_in_log l where l.event_id = e.id and l.xid >= since)
  ), rows as (
    select substring(uuid_send(c.id) from 1 for 6) as idp,
           coalesce(array_position(types, c.ticket_type_id), 0) as ti,
           coalesce(array_position(sections, coalesce(i.event_section_id, s.event_section_id)), 0) as si,
           case when core.ticket_is_valid(c) then 0 else 1 end as status,
           c.id
    from changed c
    left join core.order_items i on i.id = c.order_item_id
    left join core.event_seats s on s.id = coalesce(c.seat_id, i.seat_id)
  )
  select jsonb_build_object('n', count(*),
    'ids', coalesce(core.b64url(string_agg(idp, ''::bytea order by id)), ''),
    'types', coalesce(core.b64url(string_agg(substring(int4send(ti) from 4 for 1), ''::bytea order by id)), ''),
    'sections', coalesce(core.b64url(string_agg(substring(int4send(si) from 3 for 2), ''::bytea order by id)), ''),
    'status', coalesce(core.b64url(string_agg(substring(int4send(status) from 4 for 1), ''::bytea order by id)), ''))
  into tickets from rows;
  with u as (
    select c.* from core.ticket_checkins c where c.event_id = e.id and (full_sync or c.xid >= since)
  )
  select jsonb_build_object('n', count(*),
    'ids', coalesce(core.b64url(string_agg(substring(uuid_send(ticket_id) from 1 for 6), ''::bytea order by ticket_id)), ''),
    'gates', coalesce(core.b64url(string_agg(substring(int4send(coalesce(array_position(gates, first_gate_id), 0)) from 4 for 1), ''::bytea order by ticket_id)), ''),
    'at', coalesce(core.b64url(string_agg(int4send(extract(epoch from first_in_at)::int), ''::bytea order by ticket_id)), ''),
    'inside', coalesce(core.b64url(string_agg(substring(int4send(inside::int) from 4 for 1), ''::bytea order by ticket_id)), ''))
  into used from u;
  return jsonb_build_object(
    'format', 1,
    'version', pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
    'full', full_sync,
    'event', jsonb_build_object('id', e.id, 'name', e.name, 'starts_at', e.starts_at),
    'device', jsonb_build_object('id', dev.id, 'name', dev.name, 'gate_id', dev.gate_id),
    'keys', (select coalesce(jsonb_agg(jsonb_build_object('kid', k.kid, 'public_jwk', k.public_jwk || jsonb_build_object('kid', k.kid))), '[]')
             from core.event_signing_keys k where k.event_id = e.id),
    'gates', (select coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'name', g.name) order by ord), '[]')
              from unnest(gates) with ordinality x(gid, ord) join core.gates g on g.id = x.gid),
    'ticket_types', (select coalesce(jsonb_agg(jsonb_build_object('name', tt.name, 'admission', tt.kind = 'admission') order by ord), '[]')
                     from unnest(types) with ordinality x(tid, ord) join core.ticket_types tt on tt.id = x.tid),
    'sections', (select coalesce(jsonb_agg(es.name order by ord), '[]')
                 from unnest(sections) with ordinality x(sid, ord) join core.event_sections es on es.id = x.sid),
    'lists', (select coalesce(jsonb_agg(jsonb_build_object('name', l.name, 'mode', l.mode,
                'types', (select coalesce(jsonb_agg(array_position(types, x)), '[]') from unnest(l.ticket_type_ids) x),
                'sections', (select coalesce(jsonb_agg(array_position(sections, x)), '[]') from unnest(l.section_ids) x),
                'gates', to_jsonb(l.gate_ids), 'from', l.valid_from, 'until', l.valid_until) order by l.mode = 'reentry' desc, l.name), '[]')
              from core.check_in_lists l where l.event_id = e.id),
    'tickets', tickets,
    'used', used);
end
$$;
comment on function api.scan_manifest(bigint) is 'What a scanner device needs to decide offline for its event and gate: {format, version, full, event, device, keys [{kid, public_jwk}], gates [{id,name}], ticket_types [{name, admission}], sections [names], lists [{name, mode, types [1-based index], sections [index], gates [ids], from, until}], tickets {n, ids, types, sections, status}, used {n, ids, gates, at, inside}}. Ticket columns are base64url: ids = first 6 bytes of each ticket id, types/status one byte each (status 0 valid, 1 cancelled/refunded/unpaid), sections two bytes; used has 6-byte ids, one-byte gate index, 4-byte epoch seconds of first entry, one-byte inside. Indexes are 1-based, 0 = none. With since_version (the version of an earlier manifest) only tickets and entries changed since then are included (full = false). Scanner devices only. Errors: PT401, PT403.';

create function api.device_hello()
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  dev core.scan_devices := core.current_device();
begin
  update core.scan_devices set last_seen_at = now() where id = dev.id;
  return jsonb_build_object('device_id', dev.id, 'name', dev.name,
    'event', (select jsonb_build_object('id', e.id, 'name', e.name, 'starts_at', e.starts_at) from core.events e where e.id = dev.event_id),
    'gate', (select jsonb_build_object('id', g.id, 'name', g.name) from core.gates g where g.id = dev.gate_id),
    'gate_admitted_15m', (select count(*) from core.scans s where s.gate_id = dev.gate_id and s.scanned_at > now() - interval '15 minutes'
                          and s.result = 'admitted'),
    'server_time', now());
end
$$;
comment on function api.device_hello() is 'A scanner device says it is alive (last seen) and gets its event, gate and the admissions at its gate in the last 15 minutes. Scanner devices only. Errors: PT401, PT403.';

create function api.pair_device(code text, device_name text)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  c text := core.normalize_order_code(pair_device.code);
  p core.device_pairings;
  d core.scan_devices;
begin
  if pair_device.device_name is null or length(trim(pair_device.device_name)) not between 1 and 60 then
    raise exception 'Give the device a name of 1 to 60 characters, like "Gate A phone 1"' using errcode = 'P0001';
  end if;
  if c is null then
    raise exception 'Pairing code "%" is not a valid code; check it and try again', left(coalesce(pair_device.code, ''), 20)
      using errcode = 'P0001';
  end if;
  select * into p from core.device_pairings where device_pairings.code = c for update;
  if not found or p.used_at is not null then
    raise exception 'Pairing code "%" is unknown or was already used', c using errcode = 'PT404';
  end if;
  if p.expires_at <= now() then
    raise exception 'Pairing code "%" expired at %; ask for a new one', c, p.expires_at using errcode = 'PT410';
  end if;
  insert into core.scan_devices (org_id, event_id, gate_id, name, created_by)
  values (p.org_id, p.event_id, p.gate_id, trim(pair_device.device_name), p.created_by) returning * into d;
  update core.device_pairings set used_at = now(), device_id = d.id where device_pairings.code = c;
  perform core.audit(d.org_id, 'event.device.paired', 'scan_device', d.id::text,
                     jsonb_build_object('event_id', d.event_id, 'gate_id', d.gate_id, 'name', d.name));
  return jsonb_build_object('device_id', d.id, 'org_id', d.org_id, 'event_id', d.event_id, 'gate_id', d.gate_id,
    'device_name', d.name,
    'event_name', (select e.name from core.events e where e.id = d.event_id),
    'gate_name', (select g.name from core.gates g where g.id = d.gate_id));
end
$$;
comment on function api.pair_device(text, text) is 'Turns a pairing code (from api.create_pairing_code, single use) into a scanner device. Returns {device_id, org_id, event_id, gate_id, device_name, event_name, gate_name}; the server then signs the device''s scanner token. Anyone may call it (the code is the secret). Errors: P0001 malformed code or name, PT404 unknown or used code, PT410 expired.';

-- ---------------------------------------------------------------------------------------
-- api: organisers

create function api.save_gate(event_id uuid, name text, gate_id uuid default null, sort int default 0)
returns uuid
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events := core.check_in_event(save_gate.event_id);
  g uuid;
begin
  perform core.require_manager(e.org_id);
  if save_gate.name is null or length(trim(save_gate.name)) not between 1 and 60 then
    raise exception 'A gate name has 1 to 60 characters, like "North Gate"' using errcode = 'P0001';
  end if;
  if save_gate.gate_id is null then
    insert into core.gates (org_id, event_id, name, sort) values (e.org_id, e.id, trim(save_gate.name), coalesce(save_gate.sort, 0))
    returning id into g;
  else
    update core.gates set name = trim(save_gate.name), sort = coalesce(save_gate.sort, 0)
    where id = save_gate.gate_id and gates.event_id = e.id returning id into g;
    if g is null then
      raise exception 'Gate % not found', save_gate.gate_id using errcode = 'PT404';
    end if;
  end if;
  return g;
exception when unique_violation then
  raise exception 'Gate "%" already exists for this event', trim(save_gate.name) using errcode = '23505';
end
$$;
comment on function api.save_gate(uuid, text, uuid, int) is 'Creates a gate of an event, or renames gate_id. Returns the gate id. Managers. Errors: PT404, PT403, P0001, 23505 name taken.';

create function api.save_check_in_list(
  event_id uuid,
  name text,
  mode text default 'single',
  ticket_type_ids uuid[] default '{}',
  section_ids uuid[] default '{}',
  gate_ids uuid[] default '{}',
  valid_from timestamptz default null,
  valid_until timestamptz default null,
  list_id uuid default null
)
returns uuid
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events := core.check_in_event(save_check_in_list.event_id);
  l uuid;
  bad uuid;
begin
  perform core.require_manager(e.org_id);
  if save_check_in_list.name is null or length(trim(save_check_in_list.name)) not between 1 and 80 then
    raise exception 'A check-in list name has 1 to 80 characters, like "Main stand"' using errcode = 'P0001';
  end if;
  if save_check_in_list.mode is null or save_check_in_list.mode not in ('single', 'reentry') then
    raise exception 'Mode "%" must be single or reentry', save_check_in_list.mode using errcode = 'P0001';
  end if;
  if save_check_in_list.valid_until <= save_check_in_list.valid_from then
    raise exception 'The window must end after it starts' using errcode = 'P0001';
  end if;
  select u.v into bad from unnest(coalesce(save_check_in_list.ticket_type_ids, '{}')) u(v)
  where not exists (select from core.ticket_types tt where tt.id = u.v and tt.event_id = e.id) limit 1;
  if bad is not null then
    raise exception 'Ticket type % is not a ticket type of this event', bad using errcode = 'P0001';
  end if;
  select u.v into bad from unnest(coalesce(save_check_in_list.section_ids, '{}')) u(v)
  where not exists (select from core.event_sections s where s.id = u.v and s.event_id = e.id) limit 1;
  if bad is not null then
    raise exception 'Section % is not a section of this event', bad using errcode = 'P0001';
  end if;
  select u.v into bad from unnest(coalesce(save_check_in_list.gate_ids, '{}')) u(v)
  where not exists (select from core.gates g where g.id = u.v and g.event_id = e.id) limit 1;
  if bad is not null then
    raise exception 'Gate % is not a gate of this event', bad using errcode = 'P0001';
  end if;
  if save_check_in_list.list_id is null then
    insert into core.check_in_lists (org_id, event_id, name, mode, ticket_type_ids, section_ids, gate_ids, valid_from, valid_until)
    values (e.org_id, e.id, trim(save_check_in_list.name), save_check_in_list.mode, coalesce(save_check_in_list.ticket_type_ids, '{}'),
            coalesce(save_check_in_list.section_ids, '{}'), coalesce(save_check_in_list.gate_ids, '{}'),
            save_check_in_list.valid_from, save_check_in_list.valid_until)
    returning id into l;
  else
    update core.check_in_lists set name = trim(save_check_in_list.name), mode = save_check_in_list.mode,
      ticket_type_ids = coalesce(save_check_in_list.ticket_type_ids, '{}'), section_ids = coalesce(save_check_in_list.section_ids, '{}'),
      gate_ids = coalesce(save_check_in_list.gate_ids, '{}'), valid_from = save_check_in_list.valid_from,
      valid_until = save_check_in_list.valid_until
    where id = save_check_in_list.list_id and check_in_lists.event_id = e.id returning id into l;
    if l is null then
      raise exception 'Check-in list % not found', save_check_in_list.list_id using errcode = 'PT404';
    end if;
  end if;
  return l;
exception when unique_violation then
  raise exception 'Check-in list "%" already exists for this event', trim(save_check_in_list.name) using errcode = '23505';
end
$$;
comment on function api.save_check_in_list(uuid, text, text, uuid[], uuid[], uuid[], timestamptz, timestamptz, uuid) is 'Creates (or, with list_id, replaces) a check-in list: which ticket types and sections (empty = all admission types / all sections) enter at which gates (empty = all), mode single or reentry (entry/exit), optional window [valid_from, valid_until). Without any list an event admits every admission ticket once at any gate. Returns the list id. Managers. Errors: PT404, PT403, P0001, 23505.';

create function api.delete_check_in_list(list_id uuid)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  l core.check_in_lists;
begin
  select * into l from core.check_in_lists where id = delete_check_in_list.list_id;
  if not found or not core.can_read_org(l.org_id) then
    raise exception 'Check-in list % not found', coalesce(delete_check_in_list.list_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(l.org_id);
  delete from core.check_in_lists where id = l.id;
end
$$;
comment on function api.delete_check_in_list(uuid) is 'Deletes a check-in list. Managers. Errors: PT404, PT403.';

create function api.create_pairing_code(event_id uuid, gate_id uuid, minutes int default 15)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events := core.check_in_event(create_pairing_code.event_id);
  g core.gates;
  p core.device_pairings;
begin
  perform core.require_check_in_admin(e.org_id);
  if create_pairing_code.minutes is null or create_pairing_code.minutes not between 1 and 1440 then
    raise exception 'A pairing code lasts 1 to 1440 minutes, not %', create_pairing_code.minutes using errcode = 'P0001';
  end if;
  select * into g from core.gates where id = create_pairing_code.gate_id and gates.event_id = e.id;
  if not found then
    raise exception 'Gate % not found', coalesce(create_pairing_code.gate_id::text, 'null') using errcode = 'PT404';
  end if;
  loop
    begin
      insert into core.device_pairings (code, org_id, event_id, gate_id, expires_at, created_by)
      values (core.new_order_code(), e.org_id, e.id, g.id, now() + make_interval(mins => create_pairing_code.minutes), auth.user_id())
      returning * into p;
      exit;
    exception when unique_violation then
      null; -- another code
    end;
  end loop;
  return jsonb_build_object('code', p.code, 'code_display', left(p.code, 4) || '-' || right(p.code, 4),
                            'expires_at', p.expires_at, 'gate_id', g.id, 'gate', g.name);
end
$$;
comment on function api.create_pairing_code(uuid, uuid, int) is 'A single-use code (8 characters, shown as XXXX-XXXX) that pairs one scanner device to the event and gate, valid for `minutes` (default 15). Managers and door staff. Errors: PT404 event or gate, PT403, P0001.';

create function api.revoke_device(device_id uuid)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  d core.scan_devices;
begin
  select * into d from core.scan_devices where id = revoke_device.device_id;
  if not found or not core.can_read_org(d.org_id) then
    raise exception 'Device % not found', coalesce(revoke_device.device_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_check_in_admin(d.org_id);
  update core.scan_devices set revoked_at = coalesce(revoked_at, now()) where id = d.id;
  perform core.audit(d.org_id, 'event.device.revoked', 'scan_device', d.id::text, jsonb_build_object('event_id', d.event_id, 'name', d.name));
end
$$;
comment on function api.revoke_device(uuid) is 'Revokes a scanner device: its token is refused from the next request on (PT401). Managers and door staff. Errors: PT404, PT403.';

create function api.check_in_setup(event_id uuid)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events := core.check_in_event(check_in_setup.event_id);
begin
  perform core.require_check_in_admin(e.org_id);
  return jsonb_build_object(
    'event', jsonb_build_object('id', e.id, 'name', e.name, 'starts_at', e.starts_at, 'status', e.status),
    'gates', (select coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'name', g.name, 'sort', g.sort) order by g.sort, g.name), '[]')
              from core.gates g where g.event_id = e.id),
    'lists', (select coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name, 'mode', l.mode, 'ticket_type_ids', l.ticket_type_ids,
                'section_ids', l.section_ids, 'gate_ids', l.gate_ids, 'valid_from', l.valid_from, 'valid_until', l.valid_until)
                order by l.name), '[]') from core.check_in_lists l where l.event_id = e.id),
    'ticket_types', (select coalesce(jsonb_agg(jsonb_build_object('id', tt.id, 'name', tt.name, 'kind', tt.kind) order by tt.sort, tt.name), '[]')
                     from core.ticket_types tt where tt.event_id = e.id),
    'sections', (select coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name) order by s.sort, s.name), '[]')
                 from core.event_sections s where s.event_id = e.id),
    'devices', (select coalesce(jsonb_agg(jsonb_build_object('id', d.id, 'name', d.name, 'gate', g.name, 'paired_at', d.paired_at,
                  'last_seen_at', d.last_seen_at, 'revoked_at', d.revoked_at,
                  'scans', (select count(*) from core.scans s where s.device_id = d.id)) order by d.revoked_at nulls first, d.name), '[]')
                from core.scan_devices d left join core.gates g on g.id = d.gate_id where d.event_id = e.id),
    'pairings', (select coalesce(jsonb_agg(jsonb_build_object('code', p.code, 'code_display', left(p.code, 4) || '-' || right(p.code, 4),
                   'gate', g.name, 'expires_at', p.expires_at) order by p.created_at desc), '[]')
                 from core.device_pairings p join core.gates g on g.id = p.gate_id
                 where p.event_id = e.id and p.used_at is null and p.expires_at > now()),
    'stats', (select jsonb_build_object('admitted', count(distinct ticket_id), 'inside', count(*) filter (where inside))
              from core.ticket_checkins c where c.event_id = e.id),
    'duplicates', (select count(*) from core.scans s where s.event_id = e.id and s.result = 'duplicate_offline'));
end
$$;
comment on function api.check_in_setup(uuid) is 'Everything the organiser''s check-in page shows for an event: gates, lists, ticket types, sections, devices (last seen, revoked, scans), open pairing codes, admitted/inside counts and the number of offline duplicates. Managers and door staff. Errors: PT404, PT403.';

create function api.offline_conflicts(event_id uuid)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events := core.check_in_event(offline_conflicts.event_id);
  items jsonb;
begin
  perform core.require_check_in_admin(e.org_id);
  select coalesce(jsonb_agg(jsonb_build_object(
      'scan_id', s.id, 'result', s.result, 'reason', s.reason, 'scanned_at', s.scanned_at, 'recorded_at', s.recorded_at,
      'offline', s.offline, 'device', d.name, 'gate', g.name, 'ticket_id', s.ticket_id,
      'attendee_name', t.attendee_name, 'order_code', left(o.code, 4) || '-' || right(o.code, 4),
      'standing', (select jsonb_build_object('scan_id', s2.id, 'scanned_at', s2.scanned_at, 'device', d2.name, 'gate', g2.name, 'offline', s2.offline)
                   from core.ticket_checkins c join core.scans s2 on s2.id = c.first_scan_id
                   left join core.scan_devices d2 on d2.id = s2.device_id left join core.gates g2 on g2.id = s2.gate_id
                   where c.ticket_id = s.ticket_id))
      order by s.scanned_at), '[]')
  into items
  from core.scans s
  join core.scan_devices d on d.id = s.device_id
  left join core.gates g on g.id = s.gate_id
  left join core.tickets t on t.id = s.ticket_id
  left join core.orders o on o.id = t.order_id
  where s.event_id = e.id
    and (s.result = 'duplicate_offline' or (s.offline and s.device_result = 'admitted' and s.result <> 'admitted'));
  return jsonb_build_object('count', jsonb_array_length(items), 'items', items);
end
$$;
comment on function api.offline_conflicts(uuid) is 'The organiser''s report of offline conflicts: scans recorded duplicate_offline (a ticket admitted twice while devices were offline; the earliest scan stands and is shown as standing) and offline admissions the server would have refused (cancelled, wrong gate …). Returns {count, items [{scan_id, result, reason, scanned_at, device, gate, attendee_name, order_code, standing {scan_id, scanned_at, device, gate}}]}. Managers and door staff. Errors: PT404, PT403.';

grant execute on function api.scan(uuid, text, text, boolean, boolean), api.sync_scans(jsonb), api.scan_manifest(bigint),
  api.device_hello() to scanner;
grant execute on function api.pair_device(text, text) to anon, buyer, staff;
grant execute on function api.save_gate(uuid, text, uuid, int),
  api.save_check_in_list(uuid, text, text, uuid[], uuid[], uuid[], timestamptz, timestamptz, uuid),
  api.delete_check_in_list(uuid), api.create_pairing_code(uuid, uuid, int), api.revoke_device(uuid),
  api.check_in_setup(uuid), api.offline_conflicts(uuid) to staff;
