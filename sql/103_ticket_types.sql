-- Ticket types (admissions and add-ons such as parking), their price per price zone, quotas
-- shared across ticket types, the event status machine, and series of dates.
--
-- Quotas are made of pre-made units (core.quota_units), one row per ticket the quota
-- allows, claimed exactly like standing admission units (see 105_holds.sql): a quota of
-- 2,000 shared by "VIP Adult" and "VIP Child" is 2,000 rows, and two buyers claim two
-- different rows with FOR UPDATE SKIP LOCKED instead of both incrementing one counter row.
-- sold + held <= capacity holds by construction (a unit is claimed by at most one hold).
-- The price is memory (a quota of 40,000 is 40,000 small rows) and resizing a quota means
-- adding or deleting free units.

create table core.ticket_types (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 80),
  kind text not null default 'admission' check (kind in ('admission', 'addon')),
  description text not null default '',
  price_minor bigint check (price_minor between 0 and 100000000000), -- add-ons; admissions price per zone
  min_per_order int not null default 1 check (min_per_order between 1 and 100),
  max_per_order int not null default 10 check (max_per_order between 1 and 100),
  sales_start timestamptz, -- null: the event's sales window
  sales_end timestamptz,
  hidden boolean not null default false,
  unlock_code text check (unlock_code ~ '^[A-Za-z0-9_-]{3,40}$'),
  active boolean not null default true,
  sort int not null default 0,
  created_at timestamptz not null default now(),
  unique (event_id, name),
  check (max_per_order >= min_per_order),
  check (not hidden or unlock_code is not null)
);
create index ticket_types_event_idx on core.ticket_types (event_id);
create index ticket_types_org_idx on core.ticket_types (org_id);

create table core.ticket_type_prices (
  ticket_type_id uuid not null references core.ticket_types (id) on delete cascade,
  event_price_zone_id uuid not null references core.event_price_zones (id) on delete cascade,
  org_id uuid not null references core.orgs (id) on delete cascade,
  price_minor bigint not null check (price_minor between 0 and 100000000000),
  primary key (ticket_type_id, event_price_zone_id)
);
create index ticket_type_prices_zone_idx on core.ticket_type_prices (event_price_zone_id);
create index ticket_type_prices_org_idx on core.ticket_type_prices (org_id);

create table core.quotas (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 80),
  capacity int not null check (capacity between 0 and 200000),
  unique (event_id, name)
);
create index quotas_org_idx on core.quotas (org_id);

create table core.quota_ticket_types (
  quota_id uuid not null references core.quotas (id) on delete cascade,
  ticket_type_id uuid not null references core.ticket_types (id) on delete cascade,
  org_id uuid not null references core.orgs (id) on delete cascade,
  primary key (quota_id, ticket_type_id)
);
create index quota_ticket_types_type_idx on core.quota_ticket_types (ticket_type_id);
create index quota_ticket_types_org_idx on core.quota_ticket_types (org_id);

create table core.quota_units (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete cascade,
  quota_id uuid not null references core.quotas (id) on delete cascade,
  state text not null default 'open' check (state in ('open', 'sold')),
  hold_id uuid,
  held_until timestamptz not null default '-infinity',
  order_id uuid
);
create index quota_units_open_idx on core.quota_units (quota_id, held_until) where state = 'open';
create index quota_units_hold_idx on core.quota_units (hold_id) where hold_id is not null;
create index quota_units_org_idx on core.quota_units (org_id);
comment on table core.quota_units is 'One row per ticket a quota allows; free when open and held_until <= now().';

select core.enable_tenant_rls('core.ticket_types');
select core.enable_tenant_rls('core.ticket_type_prices');
select core.enable_tenant_rls('core.quotas');
select core.enable_tenant_rls('core.quota_ticket_types');
select core.enable_tenant_rls('core.quota_units');

create function core.event_for_manager(ev uuid) returns core.events
language plpgsql stable
as $$
declare
  e core.events;
begin
  select * into e from core.events where id = ev;
  if not found then
    raise exception 'Event % not found', coalesce(ev::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(e.org_id);
  return e;
end
$$;

-- Sets prices from a JSON object {"<zone name>": <minor units>, ...}.
create function core.set_prices(tt core.ticket_types, prices jsonb) returns void
language plpgsql volatile
as $$
declare
  k text;
  v jsonb;
  zid uuid;
begin
  if prices is null then return; end if;
  if jsonb_typeof(prices) <> 'object' then
    raise exception 'Prices must be an object of zone name to price in minor units, like {"VIP": 5000}' using errcode = 'P0001';
  end if;
  for k, v in select * from jsonb_each(prices) loop
    select z.id into zid from core.event_price_zones z where z.event_id = tt.event_id and z.name = k;
    if zid is null then
      raise exception 'Price zone "%" does not exist in this event', k using errcode = 'P0001';
    end if;
    if jsonb_typeof(v) <> 'number' or (v #>> '{}')::numeric <> trunc((v #>> '{}')::numeric)
       or (v #>> '{}')::numeric not between 0 and 100000000000 then
      raise exception 'Price % for zone "%" must be a whole number of minor units (cents) from 0', v, k using errcode = 'P0001';
    end if;
    insert into core.ticket_type_prices (ticket_type_id, event_price_zone_id, org_id, price_minor)
    values (tt.id, zid, tt.org_id, (v #>> '{}')::bigint)
    on conflict (ticket_type_id, event_price_zone_id) do update set price_minor = excluded.price_minor;
  end loop;
end
$$;

-- Adds `n` free units to a quota (set-based).
create function core.add_quota_units(q uuid, n int) returns void
language sql volatile
as $$
  insert into core.quota_units (org_id, quota_id)
  select qq.org_id, qq.id from core.quotas qq, generate_series(1, n) where qq.id = q
$$;

-- ---------------------------------------------------------------------------------------
-- api

create function api.create_ticket_type(
  event_id uuid,
  name text,
  prices jsonb default null,
  price_minor bigint default null,
  kind text default 'admission',
  description text default '',
  min_per_order int default 1,
  max_per_order int default 10,
  sales_start timestamptz default null,
  sales_end timestamptz default null,
  hidden boolean default false,
  unlock_code text default null,
  capacity int default null,
  sort int default 0
)
returns uuid
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(create_ticket_type.event_id);
  tt core.ticket_types;
  qid uuid;
begin
  if e.status in ('ended', 'cancelled') then
    raise exception 'Event "%" is % and cannot get new ticket types', e.name, e.status using errcode = 'PT409';
  end if;
  if create_ticket_type.name is null or length(trim(create_ticket_type.name)) not between 1 and 80 then
    raise exception 'Ticket type name "%" must be 1 to 80 characters', create_ticket_type.name using errcode = 'P0001';
  end if;
  if create_ticket_type.kind is null or create_ticket_type.kind not in ('admission', 'addon') then
    raise exception 'Kind "%" must be admission or addon', create_ticket_type.kind using errcode = 'P0001';
  end if;
  if create_ticket_type.price_minor is not null and create_ticket_type.price_minor not between 0 and 100000000000 then
    raise exception 'Price % must be a whole number of minor units (cents) from 0', create_ticket_type.price_minor using errcode = 'P0001';
  end if;
  if create_ticket_type.kind = 'addon' and create_ticket_type.price_minor is null then
    raise exception 'An add-on needs price_minor' using errcode = 'P0001';
  end if;
  if create_ticket_type.kind = 'admission' and create_ticket_type.prices is null and create_ticket_type.price_minor is null then
    raise exception 'Ticket type "%" needs prices per zone, e.g. {"Covered Stand": 2000}, or one price_minor for every zone', create_ticket_type.name
      using errcode = 'P0001';
  end if;
  if coalesce(create_ticket_type.min_per_order, 0) not between 1 and 100 or coalesce(create_ticket_type.max_per_order, 0) not between 1 and 100
     or create_ticket_type.max_per_order < create_ticket_type.min_per_order then
    raise exception 'Per-order limits % to % must satisfy 1 <= min <= max <= 100', create_ticket_type.min_per_order, create_ticket_type.max_per_order
      using errcode = 'P0001';
  end if;
  if create_ticket_type.sales_end is not null and create_ticket_type.sales_start is not null
     and create_ticket_type.sales_end <= create_ticket_type.sales_start then
    raise exception 'Sales must end after they start (% is not after %)', create_ticket_type.sales_end, create_ticket_type.sales_start
      using errcode = 'P0001';
  end if;
  if create_ticket_type.unlock_code is not null and create_ticket_type.unlock_code !~ '^[A-Za-z0-9_-]{3,40}$' then
    raise exception 'Unlock code "%" must be 3 to 40 letters, digits, - or _', create_ticket_type.unlock_code using errcode = 'P0001';
  end if;
  if coalesce(create_ticket_type.hidden, false) and create_ticket_type.unlock_code is null then
    raise exception 'A hidden ticket type needs an unlock code' using errcode = 'P0001';
  end if;
  if create_ticket_type.capacity is not null and create_ticket_type.capacity not between 0 and 200000 then
    raise exception 'Capacity % must be between 0 and 200000', create_ticket_type.capacity using errcode = 'P0001';
  end if;
  insert into core.ticket_types (org_id, event_id, name, kind, description, price_minor, min_per_order, max_per_order,
                                 sales_start, sales_end, hidden, unlock_code, sort)
  values (e.org_id, e.id, trim(create_ticket_type.name), create_ticket_type.kind, coalesce(create_ticket_type.description, ''),
          create_ticket_type.price_minor, create_ticket_type.min_per_order, create_ticket_type.max_per_order,
          create_ticket_type.sales_start, create_ticket_type.sales_end, coalesce(create_ticket_type.hidden, false),
          create_ticket_type.unlock_code, coalesce(create_ticket_type.sort, 0))
  returning * into tt;
  if create_ticket_type.kind = 'admission' then
    if create_ticket_type.prices is not null then
      perform core.set_prices(tt, create_ticket_type.prices);
    else
      insert into core.ticket_type_prices (ticket_type_id, event_price_zone_id, org_id, price_minor)
      select tt.id, z.id, tt.org_id, create_ticket_type.price_minor from core.event_price_zones z where z.event_id = e.id;
    end if;
  end if;
  -- A capacity of its own (add-ons always want one) is a quota with just this type.
  if create_ticket_type.capacity is not null then
    insert into core.quotas (org_id, event_id, name, capacity)
    values (e.org_id, e.id, tt.name || ' (own limit)', create_ticket_type.capacity) returning id into qid;
    insert into core.quota_ticket_types (quota_id, ticket_type_id, org_id) values (qid, tt.id, e.org_id);
    perform core.add_quota_units(qid, create_ticket_type.capacity);
  end if;
  return tt.id;
exception when unique_violation then
  raise exception 'Ticket type "%" already exists for this event', create_ticket_type.name using errcode = '23505';
end
$$;
comment on function api.create_ticket_type(uuid, text, jsonb, bigint, text, text, int, int, timestamptz, timestamptz, boolean, text, int, int)
  is 'Adds a ticket type to an event. Admissions: prices per zone name in minor units ({"VIP": 5000}) or one price_minor for every zone; add-ons (parking): price_minor and usually a capacity. capacity creates a quota of its own. hidden types need an unlock_code. Returns its id. Errors: PT404, PT403, PT409, P0001, 23505.';

create function api.set_ticket_price(ticket_type_id uuid, price_minor bigint, zone text default null)
returns void
language plpgsql volatile
as $$
declare
  tt core.ticket_types;
begin
  select * into tt from core.ticket_types where id = set_ticket_price.ticket_type_id;
  if not found then
    raise exception 'Ticket type % not found', coalesce(set_ticket_price.ticket_type_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(tt.org_id);
  if set_ticket_price.price_minor is null or set_ticket_price.price_minor not between 0 and 100000000000 then
    raise exception 'Price % must be a whole number of minor units (cents) from 0', set_ticket_price.price_minor using errcode = 'P0001';
  end if;
  if set_ticket_price.zone is null then
    if tt.kind = 'addon' then
      update core.ticket_types set price_minor = set_ticket_price.price_minor where id = tt.id;
    else
      update core.ticket_type_prices set price_minor = set_ticket_price.price_minor where ticket_type_prices.ticket_type_id = tt.id;
    end if;
  else
    perform core.set_prices(tt, jsonb_build_object(set_ticket_price.zone, set_ticket_price.price_minor));
  end if;
end
$$;
comment on function api.set_ticket_price(uuid, bigint, text) is 'Sets a ticket type''s price in minor units for one zone (by name), or for all its zones / the add-on when zone is null. Errors: PT404, PT403, P0001.';

create function api.create_quota(event_id uuid, name text, capacity int, ticket_type_ids uuid[])
returns uuid
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(create_quota.event_id);
  qid uuid;
  bad uuid;
begin
  if create_quota.name is null or length(trim(create_quota.name)) not between 1 and 80 then
    raise exception 'Quota name "%" must be 1 to 80 characters', create_quota.name using errcode = 'P0001';
  end if;
  if create_quota.capacity is null or create_quota.capacity not between 0 and 200000 then
    raise exception 'Capacity % must be between 0 and 200000', create_quota.capacity using errcode = 'P0001';
  end if;
  if coalesce(cardinality(create_quota.ticket_type_ids), 0) = 0 then
    raise exception 'A quota needs at least one ticket type' using errcode = 'P0001';
  end if;
  select t into bad from unnest(create_quota.ticket_type_ids) t
  where not exists (select from core.ticket_types tt where tt.id = t and tt.event_id = e.id) limit 1;
  if bad is not null then
    raise exception 'Ticket type % is not a ticket type of this event', bad using errcode = 'PT404';
  end if;
  insert into core.quotas (org_id, event_id, name, capacity) values (e.org_id, e.id, trim(create_quota.name), create_quota.capacity)
  returning id into qid;
  insert into core.quota_ticket_types (quota_id, ticket_type_id, org_id)
  select distinct qid, t, e.org_id from unnest(create_quota.ticket_type_ids) t;
  perform core.add_quota_units(qid, create_quota.capacity);
  return qid;
exception when unique_violation then
  raise exception 'Quota "%" already exists for this event', create_quota.name using errcode = '23505';
end
$$;
comment on function api.create_quota(uuid, text, int, uuid[]) is 'Creates a quota shared by the given ticket types of one event (sold + held of all of them together never exceeds capacity). Returns its id. Errors: PT404, PT403, P0001, 23505.';

create function api.set_quota_capacity(quota_id uuid, capacity int)
returns int
language plpgsql volatile
as $$
declare
  q core.quotas;
  current_units int;
  removed int;
begin
  select * into q from core.quotas where id = set_quota_capacity.quota_id;
  if not found then
    raise exception 'Quota % not found', coalesce(set_quota_capacity.quota_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(q.org_id);
  perform 1 from core.quotas where id = q.id for update;
  if set_quota_capacity.capacity is null or set_quota_capacity.capacity not between 0 and 200000 then
    raise exception 'Capacity % must be between 0 and 200000', set_quota_capacity.capacity using errcode = 'P0001';
  end if;
  select count(*) into current_units from core.quota_units u where u.quota_id = q.id;
  if set_quota_capacity.capacity > current_units then
    perform core.add_quota_units(q.id, set_quota_capacity.capacity - current_units);
  elsif set_quota_capacity.capacity < current_units then
    with free as (
      select u.id from core.quota_units u
      where u.quota_id = q.id and u.state = 'open' and u.held_until <= now()
      limit current_units - set_quota_capacity.capacity
      for update skip locked
    )
    delete from core.quota_units u using free where u.id = free.id;
    get diagnostics removed = row_count;
    if removed < current_units - set_quota_capacity.capacity then
      raise exception 'Quota "%" cannot shrink to %: % tickets are sold or held', q.name, set_quota_capacity.capacity,
        current_units - removed using errcode = 'PT409';
    end if;
  end if;
  update core.quotas set capacity = set_quota_capacity.capacity where id = q.id;
  return set_quota_capacity.capacity;
end
$$;
comment on function api.set_quota_capacity(uuid, int) is 'Grows or shrinks a quota (shrinking removes free units only). Returns the new capacity. Errors: PT404, PT403, P0001, PT409 more sold/held than the new capacity.';

-- Hooks of the status machine. release_event_holds is completed by 105_holds.sql; the
-- order side replaces on_event_cancelled (create or replace, in its own file) to mark the
-- event's paid orders for refund. Both run inside the status change's transaction, as the
-- caller (SECURITY INVOKER): RLS limits them to the caller's org.
create function core.release_event_holds(ev uuid) returns int
language plpgsql volatile
as $$
declare
  n int;
begin
  update core.event_seats set hold_id = null, held_until = '-infinity'
  where event_id = ev and state = 'open' and hold_id is not null;
  get diagnostics n = row_count;
  update core.quota_units u set hold_id = null, held_until = '-infinity'
  from core.quotas q where q.id = u.quota_id and q.event_id = ev and u.state = 'open' and u.hold_id is not null;
  return n;
end
$$;
comment on function core.release_event_holds(uuid) is 'Releases every hold of an event (used when it is cancelled or ends).';

create function core.on_event_cancelled(ev uuid) returns void
language plpgsql volatile
as $$
begin
  -- Intentionally empty: the orders feature replaces this function to mark the event's
  -- orders for refund. ev is the cancelled event.
  perform ev;
end
$$;
comment on function core.on_event_cancelled(uuid) is 'Hook run in the transaction that cancels an event, after its holds are released. Replaced by the orders feature to mark orders for refund.';

create function api.set_event_status(event_id uuid, status text)
returns text
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(set_event_status.event_id);
  allowed text[];
begin
  select * into e from core.events where id = e.id for update;
  if set_event_status.status is null or set_event_status.status not in ('draft', 'on_sale', 'sold_out', 'ended', 'cancelled') then
    raise exception 'Status "%" must be one of draft, on_sale, sold_out, ended, cancelled', set_event_status.status using errcode = 'P0001';
  end if;
  if e.status = set_event_status.status then
    return e.status;
  end if;
  allowed := case e.status
    when 'draft' then array['on_sale', 'cancelled']
    when 'on_sale' then array['sold_out', 'ended', 'cancelled']
    when 'sold_out' then array['on_sale', 'ended', 'cancelled']
    else array[]::text[] end;
  if not set_event_status.status = any(allowed) then
    raise exception 'Event "%" cannot go from % to %', e.name, e.status, set_event_status.status using errcode = 'PT409';
  end if;
  if set_event_status.status = 'on_sale' then
    if not exists (select from core.ticket_types tt where tt.event_id = e.id and tt.kind = 'admission' and tt.active
                   and exists (select from core.ticket_type_prices p where p.ticket_type_id = tt.id)) then
      raise exception 'Event "%" cannot go on sale without a ticket type with a price', e.name using errcode = 'PT422';
    end if;
    if e.ends_at <= now() then
      raise exception 'Event "%" is already over', e.name using errcode = 'PT422';
    end if;
  end if;
  update core.events set status = set_event_status.status,
    published_at = case when set_event_status.status = 'on_sale' then coalesce(published_at, now()) else published_at end,
    cancelled_at = case when set_event_status.status = 'cancelled' then now() else cancelled_at end
  where id = e.id;
  if set_event_status.status in ('cancelled', 'ended') then
    perform core.release_event_holds(e.id);
  end if;
  if set_event_status.status = 'cancelled' then
    perform core.on_event_cancelled(e.id);
  end if;
  perform core.refresh_section_counts(e.id);
  return set_event_status.status;
end
$$;
comment on function api.set_event_status(uuid, text) is 'Moves an event through draft -> on_sale -> sold_out / ended / cancelled (sold_out -> on_sale allowed). Going on sale needs a priced admission ticket type; cancelling releases all holds and runs the order side''s refund hook. Returns the new status. Errors: PT404, PT403, P0001 unknown status, PT409 transition not allowed, PT422 rule not met.';

-- A further date of an event: same layout version, settings, ticket types, prices and
-- quotas, its own inventory. Both dates join one series.
create function api.add_event_date(event_id uuid, starts_at timestamptz, ends_at timestamptz default null)
returns uuid
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(add_event_date.event_id);
  sid uuid := e.series_id;
  nid uuid;
  dur interval := e.ends_at - e.starts_at;
begin
  if add_event_date.starts_at is null or add_event_date.starts_at < now() then
    raise exception 'Start time % must be in the future', add_event_date.starts_at using errcode = 'P0001';
  end if;
  if add_event_date.ends_at is not null and add_event_date.ends_at <= add_event_date.starts_at then
    raise exception 'The event must end after it starts (% is not after %)', add_event_date.ends_at, add_event_date.starts_at
      using errcode = 'P0001';
  end if;
  if sid is null then
    insert into core.event_series (org_id, name) values (e.org_id, e.name) returning id into sid;
    update core.events set series_id = sid where id = e.id;
  end if;
  nid := api.create_event(layout_version_id => e.layout_version_id, name => e.name, starts_at => add_event_date.starts_at,
    ends_at => coalesce(add_event_date.ends_at, add_event_date.starts_at + dur), category => e.category, currency => e.currency,
    description => e.description, performers => e.performers, city => e.city, banner_url => e.banner_url,
    sales_start => least(e.sales_start, add_event_date.starts_at - interval '1 minute'),
    sales_end => add_event_date.starts_at + (e.sales_end - e.starts_at),
    hold_minutes => e.hold_minutes, orphan_seat_rule => e.orphan_seat_rule);
  update core.events set series_id = sid where id = nid;
  -- ticket types, zone prices by zone name, quotas by name
  with tm as materialized (
    select tt.*, gen_random_uuid() as new from core.ticket_types tt where tt.event_id = e.id
  ), ti as (
    insert into core.ticket_types (id, org_id, event_id, name, kind, description, price_minor, min_per_order, max_per_order,
                                   sales_start, sales_end, hidden, unlock_code, active, sort)
    select tm.new, tm.org_id, nid, tm.name, tm.kind, tm.description, tm.price_minor, tm.min_per_order, tm.max_per_order,
           tm.sales_start + (add_event_date.starts_at - e.starts_at), tm.sales_end + (add_event_date.starts_at - e.starts_at),
           tm.hidden, tm.unlock_code, tm.active, tm.sort
    from tm returning 1
  ), pi as (
    insert into core.ticket_type_prices (ticket_type_id, event_price_zone_id, org_id, price_minor)
    select tm.new, nz.id, p.org_id, p.price_minor
    from tm join core.ticket_type_prices p on p.ticket_type_id = tm.id
    join core.event_price_zones oz on oz.id = p.event_price_zone_id
    join core.event_price_zones nz on nz.event_id = nid and nz.name = oz.name
    returning 1
  ), qm as materialized (
    select q.*, gen_random_uuid() as new from core.quotas q where q.event_id = e.id
  ), qi as (
    insert into core.quotas (id, org_id, event_id, name, capacity) select qm.new, qm.org_id, nid, qm.name, qm.capacity from qm
    returning 1
  ), qti as (
    insert into core.quota_ticket_types (quota_id, ticket_type_id, org_id)
    select qm.new, tm.new, qm.org_id from core.quota_ticket_types qt join qm on qm.id = qt.quota_id join tm on tm.id = qt.ticket_type_id
    returning 1
  )
  insert into core.quota_units (org_id, quota_id)
  select qm.org_id, qm.new from qm, generate_series(1, qm.capacity)
  where (select count(*) from ti) >= 0 and (select count(*) from pi) >= 0 and (select count(*) from qi) >= 0
    and (select count(*) from qti) >= 0;
  return nid;
end
$$;
comment on function api.add_event_date(uuid, timestamptz, timestamptz) is 'Adds another date to an event (a series): a new draft event with the same layout version, settings, ticket types, prices and quotas, and its own inventory. Returns the new event id. Errors: PT404, PT403, P0001.';

grant execute on function core.event_for_manager(uuid), core.set_prices(core.ticket_types, jsonb),
  core.add_quota_units(uuid, int), core.release_event_holds(uuid), core.on_event_cancelled(uuid) to staff;
grant execute on function
  api.create_ticket_type(uuid, text, jsonb, bigint, text, text, int, int, timestamptz, timestamptz, boolean, text, int, int),
  api.set_ticket_price(uuid, bigint, text), api.create_quota(uuid, text, int, uuid[]), api.set_quota_capacity(uuid, int),
  api.set_event_status(uuid, text), api.add_event_date(uuid, timestamptz, timestamptz)
  to staff;
