-- Holds: a buyer's (or a box office's) claim on places for a few minutes, the step before
-- an order. A hold has a random token (the buyer's proof of ownership), an owner (session
-- id and/or user), a channel, items, and expires_at (the event's hold_minutes, default 10),
-- extendable once.
--
-- CONCURRENCY DESIGN
-- * Nothing is counted in a shared row. Every sellable thing is a row claimed by one hold:
--   a seat, an admission unit of a standing section (40,000 rows for a 40,000 terrace), a
--   quota unit (1 row per ticket a quota allows). So "sold + held <= capacity" of every
--   section, quota and ticket type holds by construction, and a seat is sold at most once
--   (a row has one state and one hold_id).
-- * Explicit seats: lock exactly the requested rows in id order (no deadlocks between two
--   buyers picking overlapping seats), then a conditional UPDATE … WHERE free. All or
--   nothing: if any seat is taken the function raises and the transaction rolls back.
-- * Standing sections and quotas: claim N free units with FOR UPDATE SKIP LOCKED. Buyers
--   never wait on each other: each takes units that no one else is taking at that moment,
--   so 40,000-place terraces do not serialize on a counter row. (Striped counters would
--   also spread the load but need a sum over stripes and a retry when one stripe is empty;
--   units also give every admission its own row to hang a ticket on later.)
-- * Best available: rank candidate blocks with set-based window functions, then try to take
--   the best block with SKIP LOCKED inside a subtransaction; a block someone else is taking
--   is skipped (and its seats avoided) instead of waited for.
-- * No per-event lock anywhere: holds on different seats of one event proceed in parallel.
-- * Expiry is lazy: a place is free when state = 'open' and held_until <= now(). Every claim
--   and every read uses that test, so an expired hold is released the moment it expires;
--   the every-minute job (holds__expire) only clears the references and deletes old holds.

create table core.holds (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  token text not null unique,
  session_id text,
  user_id uuid references core.users (id) on delete set null,
  channel text not null default 'web' check (channel in ('web', 'box_office', 'agent', 'reseller', 'complimentary')),
  created_by uuid, -- staff user for non-web channels
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  extended boolean not null default false,
  order_id uuid, -- set when converted to sold inventory
  check (session_id is not null or user_id is not null or channel <> 'web')
);
create index holds_event_idx on core.holds (event_id);
create index holds_expires_idx on core.holds (expires_at);
create index holds_org_idx on core.holds (org_id);
create index holds_user_idx on core.holds (user_id) where user_id is not null;

create table core.hold_items (
  id bigint generated always as identity primary key,
  hold_id uuid not null references core.holds (id) on delete cascade,
  org_id uuid not null references core.orgs (id) on delete cascade,
  kind text not null check (kind in ('seat', 'standing', 'addon')),
  ticket_type_id uuid references core.ticket_types (id) on delete restrict,
  event_section_id uuid references core.event_sections (id) on delete cascade,
  quantity int not null check (quantity between 1 and 200)
);
create index hold_items_hold_idx on core.hold_items (hold_id);
create index hold_items_org_idx on core.hold_items (org_id);
comment on table core.hold_items is 'The lines of a hold. Seats of a seat line are the event_seats whose hold_id is the hold, in the line''s section.';

select core.enable_tenant_rls('core.holds');
select core.enable_tenant_rls('core.hold_items');

-- Most places one hold may contain.
create function core.max_hold_places() returns int language sql immutable as $$ select 50 $$;

-- The event for a new hold: it must exist, be public and on sale, in its sales window.
create function core.event_for_hold(ev uuid) returns core.events
language plpgsql stable
as $$
declare
  e core.events;
begin
  select * into e from core.events where id = ev;
  if not found or not (core.is_public_event(e) or (core.can_read_org(e.org_id) and e.status <> 'draft')) then
    raise exception 'Event % not found', coalesce(ev::text, 'null') using errcode = 'PT404';
  end if;
  if e.status = 'sold_out' then
    raise exception 'Event "%" is sold out', e.name using errcode = 'PT409';
  end if;
  if e.status <> 'on_sale' then
    raise exception 'Event "%" is not on sale (it is %)', e.name, e.status using errcode = 'PT422';
  end if;
  if now() < e.sales_start then
    raise exception 'Sales for "%" open at %', e.name, e.sales_start using errcode = 'PT422';
  end if;
  if now() >= e.sales_end then
    raise exception 'Sales for "%" have closed', e.name using errcode = 'PT422';
  end if;
  return e;
end
$$;

-- A new hold, or the caller's existing unexpired hold (by token) on the same event.
create function core.open_hold(e core.events, hold_token text, session_id text, channel text) returns core.holds
language plpgsql volatile
as $$
declare
  h core.holds;
begin
  if hold_token is not null then
    select * into h from core.holds where token = hold_token for update;
    if not found then
      raise exception 'Hold "%" not found', left(hold_token, 12) using errcode = 'PT404';
    end if;
    if h.expires_at <= now() then
      raise exception 'Your hold expired at %; start again', h.expires_at using errcode = 'PT410';
    end if;
    if h.event_id <> e.id then
      raise exception 'Hold "%" is for another event', left(hold_token, 12) using errcode = 'P0001';
    end if;
    if h.order_id is not null then
      raise exception 'Hold "%" has already become an order', left(hold_token, 12) using errcode = 'PT409';
    end if;
    return h;
  end if;
  if channel is null or channel not in ('web', 'box_office', 'agent', 'reseller', 'complimentary') then
    raise exception 'Channel "%" must be web, box_office, agent, reseller or complimentary', channel using errcode = 'P0001';
  end if;
  if channel <> 'web' and not (core.can_read_org(e.org_id)
       and auth.role() in ('platform_admin', 'org_owner', 'event_manager', 'box_office_agent', 'promoter')) then
    raise exception 'Only the organiser''s staff can sell through channel "%"', channel using errcode = 'PT403';
  end if;
  if session_id is not null and (length(session_id) not between 8 and 128 or session_id !~ '^[A-Za-z0-9_.:-]+$') then
    raise exception 'Session id "%" must be 8 to 128 letters, digits or _.:-', left(session_id, 40) using errcode = 'P0001';
  end if;
  if channel = 'web' and session_id is null and auth.user_id() is null then
    raise exception 'A hold needs a session_id or a signed-in buyer' using errcode = 'P0001';
  end if;
  insert into core.holds (org_id, event_id, token, session_id, user_id, channel, created_by, expires_at)
  values (e.org_id, e.id, 'h_' || encode(public.gen_random_bytes(24), 'hex'), session_id,
          case when auth.role() = 'buyer' then auth.user_id() end, channel,
          case when channel <> 'web' then auth.user_id() end,
          now() + make_interval(mins => e.hold_minutes))
  returning * into h;
  return h;
end
$$;

-- A ticket type of event e that may be sold now (hidden types need their code).
create function core.ticket_type_for_hold(e core.events, tt_id uuid, unlock_code text) returns core.ticket_types
language plpgsql stable
as $$
declare
  tt core.ticket_types;
begin
  select * into tt from core.ticket_types where id = tt_id and event_id = e.id and active;
  if not found or (tt.hidden and (unlock_code is null or lower(unlock_code) <> lower(tt.unlock_code))) then
    raise exception 'Ticket type % not found for this event', coalesce(tt_id::text, 'null') using errcode = 'PT404';
  end if;
  if now() < coalesce(tt.sales_start, e.sales_start) then
    raise exception 'Ticket type % goes on sale at %', tt.name, coalesce(tt.sales_start, e.sales_start) using errcode = 'PT422';
  end if;
  if now() >= coalesce(tt.sales_end, e.sales_end) then
    raise exception 'Ticket type % is no longer on sale', tt.name using errcode = 'PT422';
  end if;
  return tt;
end
$$;

-- Per-order limits of a ticket type over the whole hold (after this hold's items changed).
create function core.check_type_limits(h uuid, tt core.ticket_types) returns void
language plpgsql stable
as $$
declare
  n int;
begin
  select coalesce(sum(quantity), 0) into n from core.hold_items where hold_id = h and ticket_type_id = tt.id;
  if n > tt.max_per_order then
    raise exception 'You can buy at most % tickets of type %', tt.max_per_order, tt.name using errcode = 'PT422';
  end if;
  if n < tt.min_per_order then
    raise exception 'Ticket type % is sold in groups of at least %', tt.name, tt.min_per_order using errcode = 'PT422';
  end if;
end
$$;

-- Claims qty units of every quota of the ticket type for the hold (SKIP LOCKED, no waiting).
create function core.claim_quota_units(h core.holds, tt core.ticket_types, qty int) returns void
language plpgsql volatile
as $$
declare
  q record;
  got int;
begin
  for q in select qu.id, qu.name from core.quota_ticket_types qt join core.quotas qu on qu.id = qt.quota_id
           where qt.ticket_type_id = tt.id order by qu.id loop
    with free as (
      select u.id from core.quota_units u
      where u.quota_id = q.id and u.state = 'open' and u.held_until <= now()
      order by u.held_until
      limit qty
      for update skip locked
    )
    update core.quota_units u set hold_id = h.id, held_until = h.expires_at from free where u.id = free.id;
    get diagnostics got = row_count;
    if got < qty then
      raise exception 'Only % left of ticket type %', got, tt.name
        using errcode = 'PT409', detail = format('Quota "%s" has %s free places', q.name, got);
    end if;
  end loop;
end
$$;

-- Claims qty admission units of a standing section (SKIP LOCKED, no waiting).
create function core.claim_standing_units(h core.holds, s core.event_sections, qty int) returns void
language plpgsql volatile
as $$
declare
  got int;
begin
  with free as (
    select es.id from core.event_seats es
    where es.event_section_id = s.id and es.state = 'open' and es.held_until <= now()
    order by es.held_until
    limit qty
    for update skip locked
  )
  update core.event_seats es set hold_id = h.id, held_until = h.expires_at from free where es.id = free.id;
  get diagnostics got = row_count;
  if got < qty then
    if got = 0 then
      raise exception '% is sold out', s.name using errcode = 'PT409';
    end if;
    raise exception 'Only % places are left in %', got, s.name using errcode = 'PT409';
  end if;
end
$$;

-- The zone price of a ticket type for a section, or an error naming both.
create function core.check_type_in_section(tt core.ticket_types, s core.event_sections) returns void
language plpgsql stable
as $$
begin
  if tt.kind <> 'admission' then
    raise exception 'Ticket type % is an add-on, not an admission', tt.name using errcode = 'P0001';
  end if;
  if not exists (select from core.ticket_type_prices p where p.ticket_type_id = tt.id and p.event_price_zone_id = s.price_zone_id) then
    raise exception 'Ticket type % is not sold in %', tt.name, s.name using errcode = 'PT422';
  end if;
end
$$;

-- Orphan-seat rule: free seats next to the given just-taken seats whose both neighbours are
-- now taken (or the row's end). Returns their labels; empty when the rule is kept.
create function core.new_orphans(taken bigint[]) returns text[]
language sql stable
as $$
  with t as (
    select es.event_section_id, es.row_index, es.seat_index from core.event_seats es where es.id = any(taken)
  ), cand as (
    select distinct f.id, f.event_section_id, f.row_index, f.seat_index, f.row_label, f.seat_number
    from t join core.event_seats f
      on f.event_section_id = t.event_section_id and f.row_index = t.row_index and f.seat_index in (t.seat_index - 1, t.seat_index + 1)
    where f.state = 'open' and f.held_until <= now() and f.id <> all(taken)
  )
  select case when count(*) = 0 then '{}'::text[]
              when count(*) = 1 then array[min(c.row_label || c.seat_number || ' in ' || s.name)]
              else array_agg(c.row_label || c.seat_number || ' in ' || s.name order by s.name, c.row_index, c.seat_index) end
  from cand c join core.event_sections s on s.id = c.event_section_id
  where not exists (select from core.event_seats n where n.event_section_id = c.event_section_id and n.row_index = c.row_index
                      and n.seat_index = c.seat_index - 1 and n.state = 'open' and n.held_until <= now() and n.id <> all(taken))
    and not exists (select from core.event_seats n where n.event_section_id = c.event_section_id and n.row_index = c.row_index
                      and n.seat_index = c.seat_index + 1 and n.state = 'open' and n.held_until <= now() and n.id <> all(taken))
$$;

-- Tries to take exactly these seats for the hold without waiting: true when all were free
-- and unlocked, false (and nothing taken, locks released) otherwise.
create function core.try_take_seats(h core.holds, ids bigint[]) returns boolean
language plpgsql volatile
as $$
declare
  got int;
begin
  begin
    select count(*) into got from (
      select es.id from core.event_seats es
      where es.id = any(ids) and es.state = 'open' and es.held_until <= now()
      order by es.id
      for update skip locked) l;
    if got < cardinality(ids) then
      raise exception 'busy' using errcode = 'PT409';
    end if;
    update core.event_seats es set hold_id = h.id, held_until = h.expires_at where es.id = any(ids);
    return true;
  exception when sqlstate 'PT409' then
    return false; -- the subtransaction rolled back: its row locks are released
  end;
end
$$;

-- The hold as the buyer sees it (also the result of every hold function).
create function core.hold_json(h core.holds) returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'token', h.token, 'event_id', h.event_id,
    'event', (select jsonb_build_object('name', e.name, 'slug', e.slug, 'currency', e.currency, 'starts_at', e.starts_at)
              from core.events e where e.id = h.event_id),
    'channel', h.channel, 'created_at', h.created_at, 'expires_at', h.expires_at,
    'seconds_left', greatest(0, floor(extract(epoch from h.expires_at - now())))::int,
    'extended', h.extended, 'can_extend', not h.extended and h.expires_at > now(),
    'order_id', h.order_id,
    'places', (select count(*) from core.event_seats es where es.hold_id = h.id),
    'items', coalesce((
      select jsonb_agg(jsonb_build_object(
        'kind', i.kind, 'quantity', i.quantity, 'ticket_type_id', i.ticket_type_id, 'ticket_type', tt.name,
        'section_id', i.event_section_id, 'section', s.name, 'zone', z.name,
        'price_minor', case when tt.kind = 'addon' then tt.price_minor else p.price_minor end,
        'seats', case when i.kind = 'seat' then (
          select jsonb_agg(jsonb_build_object('id', es.id, 'row', es.row_label, 'number', es.seat_number,
                                              'label', es.row_label || es.seat_number, 'attributes', to_jsonb(es.attributes))
                           order by es.row_index, es.seat_index)
          from core.event_seats es where es.hold_id = h.id and es.event_section_id = i.event_section_id) end)
        order by i.id)
      from core.hold_items i
      left join core.ticket_types tt on tt.id = i.ticket_type_id
      left join core.event_sections s on s.id = i.event_section_id
      left join core.event_price_zones z on z.id = s.price_zone_id
      left join core.ticket_type_prices p on p.ticket_type_id = i.ticket_type_id and p.event_price_zone_id = s.price_zone_id
      where i.hold_id = h.id), '[]'::jsonb))
$$;

-- ---------------------------------------------------------------------------------------
-- api: making holds

create function api.hold_seats(
  event_id uuid,
  seat_ids bigint[],
  session_id text default null,
  ticket_type_id uuid default null,
  unlock_code text default null,
  channel text default 'web',
  hold_token text default null
)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events;
  h core.holds;
  tt core.ticket_types;
  ids bigint[];
  n int;
  got bigint[];
  taken_text text;
  taken_count int;
  orphans text[];
  sec core.event_sections;
begin
  if hold_seats.seat_ids is null or cardinality(hold_seats.seat_ids) = 0 then
    raise exception 'Choose at least one seat' using errcode = 'P0001';
  end if;
  if array_position(hold_seats.seat_ids, null) is not null then
    raise exception 'Seat ids must not be null' using errcode = 'P0001';
  end if;
  select array_agg(distinct x order by x) into ids from unnest(hold_seats.seat_ids) x;
  n := cardinality(ids);
  if n <> cardinality(hold_seats.seat_ids) then
    raise exception 'The same seat is listed twice in %', hold_seats.seat_ids using errcode = 'P0001';
  end if;
  if n > core.max_hold_places() then
    raise exception 'You can hold at most % seats at once, not %', core.max_hold_places(), n using errcode = 'P0001';
  end if;
  e := core.event_for_hold(hold_seats.event_id);
  if (select count(*) from core.event_seats es join core.event_sections s on s.id = es.event_section_id
      where es.id = any(ids) and es.event_id = e.id and s.kind = 'seated') <> n then
    raise exception 'Seat % is not a seat of this event',
      (select u.x from unnest(ids) as u(x) where not exists (select from core.event_seats es join core.event_sections s on s.id = es.event_section_id
                                                     where es.id = u.x and es.event_id = e.id and s.kind = 'seated') limit 1)
      using errcode = 'PT404';
  end if;
  if hold_seats.ticket_type_id is not null then
    tt := core.ticket_type_for_hold(e, hold_seats.ticket_type_id, hold_seats.unlock_code);
    for sec in select distinct s.* from core.event_seats es join core.event_sections s on s.id = es.event_section_id where es.id = any(ids) loop
      perform core.check_type_in_section(tt, sec);
    end loop;
  end if;
  h := core.open_hold(e, hold_seats.hold_token, hold_seats.session_id, hold_seats.channel);
  if (select count(*) from core.event_seats es where es.hold_id = h.id) + n > core.max_hold_places() then
    raise exception 'You can hold at most % places at once', core.max_hold_places() using errcode = 'P0001';
  end if;

  -- Lock exactly these rows, in id order, then take the free ones.
  perform 1 from core.event_seats es where es.id = any(ids) order by es.id for update;
  with upd as (
    update core.event_seats es set hold_id = h.id, held_until = h.expires_at
    where es.id = any(ids) and es.state = 'open' and es.held_until <= now()
    returning es.id
  )
  select coalesce(array_agg(id), '{}') into got from upd;
  if cardinality(got) < n then
    select string_agg(g.labels || ' in ' || g.name, '; ' order by g.name), sum(g.c) into taken_text, taken_count
    from (select s.name, string_agg(es.row_label || es.seat_number, ', ' order by es.row_index, es.seat_index) as labels, count(*) as c
          from core.event_seats es join core.event_sections s on s.id = es.event_section_id
          where es.id = any(ids) and es.id <> all(got) group by s.name) g;
    if taken_count = 1 then
      raise exception 'Seat % is no longer available', taken_text using errcode = 'PT409';
    end if;
    raise exception 'Seats % are no longer available', taken_text using errcode = 'PT409';
  end if;
  if e.orphan_seat_rule then
    orphans := core.new_orphans(ids);
    if cardinality(orphans) = 1 then
      raise exception 'Your choice would leave seat % on its own; choose seats next to it or leave a gap of at least two seats',
        orphans[1] using errcode = 'PT422';
    elsif cardinality(orphans) > 1 then
      raise exception 'Your choice would leave seats % on their own; choose seats next to them or leave gaps of at least two seats',
        array_to_string(orphans, ', ') using errcode = 'PT422';
    end if;
  end if;
  insert into core.hold_items (hold_id, org_id, kind, ticket_type_id, event_section_id, quantity)
  select h.id, h.org_id, 'seat', hold_seats.ticket_type_id, es.event_section_id, count(*)
  from core.event_seats es where es.id = any(ids) group by es.event_section_id;
  if tt.id is not null then
    perform core.check_type_limits(h.id, tt);
    perform core.claim_quota_units(h, tt, n);
  end if;
  return core.hold_json(h);
end
$$;
comment on function api.hold_seats(uuid, bigint[], text, uuid, text, text, text)
  is 'Holds exactly these seats (ids from section_seats) for the event''s hold time, all or nothing: a taken seat fails the whole request with a message naming it. Enforces the event''s orphan-seat rule. Optional ticket_type_id claims that type''s quotas; hold_token adds to an existing hold. Returns the hold (token, expires_at, items). Errors: P0001 bad input, PT404 unknown event/seat/type, PT409 seat taken or quota exhausted, PT410 hold expired, PT422 rule (orphan seat, sales window, limits), PT403 channel.';

create function api.hold_tickets(
  event_id uuid,
  items jsonb,
  session_id text default null,
  unlock_code text default null,
  channel text default 'web',
  hold_token text default null
)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events;
  h core.holds;
  tt core.ticket_types;
  s core.event_sections;
  it jsonb;
  qty int;
  total int := 0;
  sections uuid[];
begin
  if hold_tickets.items is null or jsonb_typeof(hold_tickets.items) <> 'array' or jsonb_array_length(hold_tickets.items) = 0 then
    raise exception 'items must be a non-empty list like [{"ticket_type_id": "…", "quantity": 2}]' using errcode = 'P0001';
  end if;
  if jsonb_array_length(hold_tickets.items) > 20 then
    raise exception 'At most 20 item lines per request, not %', jsonb_array_length(hold_tickets.items) using errcode = 'P0001';
  end if;
  e := core.event_for_hold(hold_tickets.event_id);
  h := core.open_hold(e, hold_tickets.hold_token, hold_tickets.session_id, hold_tickets.channel);
  total := (select count(*) from core.event_seats es where es.hold_id = h.id);
  for it in select * from jsonb_array_elements(hold_tickets.items) loop
    if jsonb_typeof(it) <> 'object' or jsonb_typeof(it -> 'quantity') <> 'number'
       or (it ->> 'quantity')::numeric <> trunc((it ->> 'quantity')::numeric) then
      raise exception 'Item % needs a whole-number quantity', it using errcode = 'P0001';
    end if;
    if (it ->> 'quantity')::numeric not between 1 and core.max_hold_places() then
      raise exception 'Quantity % must be between 1 and %', it ->> 'quantity', core.max_hold_places() using errcode = 'P0001';
    end if;
    qty := (it ->> 'quantity')::int;
    if (it ->> 'ticket_type_id') is null or (it ->> 'ticket_type_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      raise exception 'Item % needs a ticket_type_id', it using errcode = 'P0001';
    end if;
    tt := core.ticket_type_for_hold(e, (it ->> 'ticket_type_id')::uuid, hold_tickets.unlock_code);
    if tt.kind = 'addon' then
      insert into core.hold_items (hold_id, org_id, kind, ticket_type_id, quantity) values (h.id, h.org_id, 'addon', tt.id, qty);
    else
      if (it ->> 'section_id') is not null then
        if (it ->> 'section_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
          raise exception 'Section id "%" is not a valid id', it ->> 'section_id' using errcode = 'P0001';
        end if;
        select * into s from core.event_sections where id = (it ->> 'section_id')::uuid and event_sections.event_id = e.id;
        if not found then
          raise exception 'Section % not found in this event', it ->> 'section_id' using errcode = 'PT404';
        end if;
      else
        select array_agg(es.id order by es.sort) into sections from core.event_sections es
        join core.ticket_type_prices p on p.event_price_zone_id = es.price_zone_id and p.ticket_type_id = tt.id
        where es.event_id = e.id and es.kind = 'standing';
        if coalesce(cardinality(sections), 0) = 0 then
          raise exception 'Ticket type % is for seats: choose seats or use best available', tt.name using errcode = 'PT422';
        end if;
        if cardinality(sections) > 1 then
          raise exception 'Ticket type % is sold in several standing sections; choose one with section_id', tt.name using errcode = 'P0001';
        end if;
        select * into s from core.event_sections where id = sections[1];
      end if;
      if s.kind <> 'standing' then
        raise exception 'Section % is seated: choose seats or use best available', s.name using errcode = 'PT422';
      end if;
      perform core.check_type_in_section(tt, s);
      total := total + qty;
      if total > core.max_hold_places() then
        raise exception 'You can hold at most % places at once', core.max_hold_places() using errcode = 'P0001';
      end if;
      perform core.claim_standing_units(h, s, qty);
      insert into core.hold_items (hold_id, org_id, kind, ticket_type_id, event_section_id, quantity)
      values (h.id, h.org_id, 'standing', tt.id, s.id, qty);
    end if;
    perform core.check_type_limits(h.id, tt);
    perform core.claim_quota_units(h, tt, qty);
  end loop;
  return core.hold_json(h);
end
$$;
comment on function api.hold_tickets(uuid, jsonb, text, text, text, text)
  is 'Holds general-admission (standing) tickets and add-ons: items = [{"ticket_type_id": "…", "quantity": 2, "section_id": "… (when the type is sold in several standing sections)"}]. All lines or none. Claims places and quotas without waiting on other buyers. hold_token adds to an existing hold. Returns the hold. Errors: P0001 bad input, PT404 unknown event/type/section (hidden types need unlock_code), PT409 not enough places or quota left, PT410 hold expired, PT422 sales window or per-order limits, PT403 channel.';

create function api.hold_best_available(
  event_id uuid,
  quantity int,
  session_id text default null,
  section_id uuid default null,
  zone_id uuid default null,
  min_price_minor bigint default null,
  max_price_minor bigint default null,
  ticket_type_id uuid default null,
  unlock_code text default null,
  channel text default 'web',
  hold_token text default null
)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events;
  h core.holds;
  tt core.ticket_types;
  n int := hold_best_available.quantity;
  secs uuid[];
  cand record;
  avoid bigint[] := '{}';
  chosen bigint[];
  tries int := 0;
  attempt int;
  sec_row core.event_sections;
begin
  if n is null or n not between 1 and 20 then
    raise exception 'Quantity % must be between 1 and 20', hold_best_available.quantity using errcode = 'P0001';
  end if;
  if hold_best_available.min_price_minor < 0 or hold_best_available.max_price_minor < 0
     or hold_best_available.max_price_minor < hold_best_available.min_price_minor then
    raise exception 'Price range % to % is not valid', hold_best_available.min_price_minor, hold_best_available.max_price_minor
      using errcode = 'P0001';
  end if;
  e := core.event_for_hold(hold_best_available.event_id);
  if hold_best_available.ticket_type_id is not null then
    tt := core.ticket_type_for_hold(e, hold_best_available.ticket_type_id, hold_best_available.unlock_code);
    if tt.kind <> 'admission' then
      raise exception 'Ticket type % is an add-on, not an admission', tt.name using errcode = 'P0001';
    end if;
  end if;
  if hold_best_available.section_id is not null
     and not exists (select from core.event_sections s where s.id = hold_best_available.section_id and s.event_id = e.id) then
    raise exception 'Section % not found in this event', hold_best_available.section_id using errcode = 'PT404';
  end if;
  if hold_best_available.zone_id is not null
     and not exists (select from core.event_price_zones z where z.id = hold_best_available.zone_id and z.event_id = e.id) then
    raise exception 'Price zone % not found in this event', hold_best_available.zone_id using errcode = 'PT404';
  end if;
  -- Candidate sections: seated, matching section/zone, with a visible (or the chosen type's)
  -- price in the range.
  select array_agg(s.id) into secs
  from core.event_sections s
  where s.event_id = e.id and s.kind = 'seated'
    and (hold_best_available.section_id is null or s.id = hold_best_available.section_id)
    and (hold_best_available.zone_id is null or s.price_zone_id = hold_best_available.zone_id)
    and exists (select from core.ticket_type_prices p join core.ticket_types t on t.id = p.ticket_type_id
                where p.event_price_zone_id = s.price_zone_id and t.active and t.kind = 'admission'
                  and (case when tt.id is not null then t.id = tt.id else not t.hidden end)
                  and (hold_best_available.min_price_minor is null or p.price_minor >= hold_best_available.min_price_minor)
                  and (hold_best_available.max_price_minor is null or p.price_minor <= hold_best_available.max_price_minor));
  if secs is null then
    raise exception 'No seated section of "%" matches that section, zone, ticket type and price range', e.name using errcode = 'PT404';
  end if;
  h := core.open_hold(e, hold_best_available.hold_token, hold_best_available.session_id, hold_best_available.channel);
  if (select count(*) from core.event_seats es where es.hold_id = h.id) + n > core.max_hold_places() then
    raise exception 'You can hold at most % places at once', core.max_hold_places() using errcode = 'P0001';
  end if;

  for attempt in 1..3 loop
    -- Step 1: n adjacent free seats in one row. Islands of consecutive free seats (gaps and
    -- islands), every window of n inside one, ranked: no single empty seat left at either
    -- side first, then better zone, then closest to the focal point.
    for cand in
      with free as (
        select es.id, es.event_section_id as sec, es.row_index, es.seat_index, es.distance,
               es.seat_index - row_number() over (partition by es.event_section_id, es.row_index order by es.seat_index) as grp
        from core.event_seats es
        where es.event_section_id = any(secs) and es.state = 'open' and es.held_until <= now() and es.id <> all(avoid)
      ), islands as (
        select f.*, min(f.seat_index) over w as lo, max(f.seat_index) over w as hi,
               array_agg(f.id) over (partition by f.sec, f.row_index, f.grp order by f.seat_index rows between current row and n - 1 following) as ids,
               avg(f.distance) over (partition by f.sec, f.row_index, f.grp order by f.seat_index rows between current row and n - 1 following) as score
        from free f
        window w as (partition by f.sec, f.row_index, f.grp)
      )
      select i.ids, (i.seat_index - i.lo = 1 or i.hi - (i.seat_index + n - 1) = 1) as orphan, i.score
      from islands i
      join core.event_sections s on s.id = i.sec left join core.event_price_zones z on z.id = s.price_zone_id
      where i.hi - i.lo + 1 >= n and i.seat_index + n - 1 <= i.hi
      order by 2, z.rank, i.score, i.sec, i.row_index, i.seat_index
      limit 30
    loop
      if cand.ids && avoid then continue; end if;
      tries := tries + 1;
      if core.try_take_seats(h, cand.ids) then chosen := cand.ids; exit; end if;
      avoid := avoid || cand.ids;
    end loop;
    exit when chosen is not null;

    -- Step 2: same row with gaps: the n free seats of one row closest to the focal point.
    -- Step 3: two neighbouring rows. Step 4: anywhere in the candidate sections.
    for cand in
      with free as (
        select es.id, es.event_section_id as sec, es.row_index, es.distance
        from core.event_seats es
        where es.event_section_id = any(secs) and es.state = 'open' and es.held_until <= now() and es.id <> all(avoid)
      ), one_row as (
        select 2 as step, f.sec, f.row_index, (array_agg(f.id order by f.distance))[1:n] as ids,
               avg(f.distance) as score
        from free f group by f.sec, f.row_index having count(*) >= n
      ), two_rows as (
        select 3 as step, f.sec, r.r0 as row_index,
               (array_agg(f.id order by f.distance))[1:n] as ids, avg(f.distance) as score
        from (select distinct sec, row_index as r0 from free) r
        join free f on f.sec = r.sec and f.row_index in (r.r0, r.r0 + 1)
        group by f.sec, r.r0 having count(*) >= n
      ), anywhere as (
        select 4 as step, null::uuid as sec, null::int as row_index,
               (array_agg(f.id order by z.rank, f.distance))[1:n] as ids, 0::float8 as score
        from free f join core.event_sections s on s.id = f.sec left join core.event_price_zones z on z.id = s.price_zone_id
        having count(*) >= n
      )
      select c.ids, c.step from (
        (select * from one_row order by score limit 5)
        union all (select * from two_rows order by score limit 5)
        union all select * from anywhere) c
      order by c.step, c.score
    loop
      if cand.ids && avoid then continue; end if;
      tries := tries + 1;
      if core.try_take_seats(h, cand.ids) then chosen := cand.ids; exit; end if;
      avoid := avoid || cand.ids;
    end loop;
    exit when chosen is not null;
    -- everything we looked at was being taken by others: look again with fresh data
    avoid := '{}';
  end loop;

  if chosen is null then
    raise exception 'Not enough seats left together or apart: % seats could not be found in the chosen area', n
      using errcode = 'PT409';
  end if;
  insert into core.hold_items (hold_id, org_id, kind, ticket_type_id, event_section_id, quantity)
  select h.id, h.org_id, 'seat', tt.id, es.event_section_id, count(*)
  from core.event_seats es where es.id = any(chosen) group by es.event_section_id;
  if tt.id is not null then
    for sec_row in select distinct s.* from core.event_seats es join core.event_sections s on s.id = es.event_section_id where es.id = any(chosen) loop
      perform core.check_type_in_section(tt, sec_row);
    end loop;
    perform core.check_type_limits(h.id, tt);
    perform core.claim_quota_units(h, tt, n);
  end if;
  return core.hold_json(h);
end
$$;
comment on function api.hold_best_available(uuid, int, text, uuid, uuid, bigint, bigint, uuid, text, text, text)
  is 'Holds the best n (1-20) seats in a section, zone or price range: adjacent in one row when possible (closest to the section''s focal point, better zone first, never leaving a single empty seat when another block of the same size avoids it), then relaxing to the same row with gaps, two neighbouring rows, and anywhere. Never waits on other buyers. Returns the hold. Errors: P0001 bad input, PT404 unknown event/section/zone/type or nothing matches, PT409 not enough seats, PT410 hold expired, PT422 sales window or limits.';

-- ---------------------------------------------------------------------------------------
-- api: the buyer's own hold (by token)

create function core.hold_by_token(hold_token text, lock boolean) returns core.holds
language plpgsql volatile
as $$
declare
  h core.holds;
begin
  if hold_token is null or hold_token !~ '^h_[0-9a-f]{48}$' then
    raise exception 'Hold "%" not found', left(coalesce(hold_token, 'null'), 12) using errcode = 'PT404';
  end if;
  if lock then
    select * into h from core.holds where token = hold_token for update;
  else
    select * into h from core.holds where token = hold_token;
  end if;
  if not found then
    raise exception 'Hold "%" not found', left(hold_token, 12) using errcode = 'PT404';
  end if;
  return h;
end
$$;

-- A hold belongs to the browser session that made it. The token alone is enough for API
-- clients (a 192-bit secret), but when the caller names its session, another session's hold
-- is "not found": a checkout link copied to another browser cannot be used there.
create function core.hold_for_session(hold_token text, session_id text, lock boolean) returns core.holds
language plpgsql volatile
as $$
declare
  h core.holds := core.hold_by_token(hold_token, lock);
begin
  if hold_for_session.session_id is not null and h.session_id is distinct from hold_for_session.session_id then
    raise exception 'Hold "%" not found', left(hold_token, 12) using errcode = 'PT404';
  end if;
  return h;
end
$$;

create function api.get_hold(hold_token text, session_id text default null)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds;
begin
  if get_hold.hold_token is null or get_hold.hold_token !~ '^h_[0-9a-f]{48}$' then
    raise exception 'Hold "%" not found', left(coalesce(get_hold.hold_token, 'null'), 12) using errcode = 'PT404';
  end if;
  select * into h from core.holds where token = get_hold.hold_token;
  if not found or (get_hold.session_id is not null and h.session_id is distinct from get_hold.session_id) then
    raise exception 'Hold "%" not found', left(get_hold.hold_token, 12) using errcode = 'PT404';
  end if;
  if h.expires_at <= now() and h.order_id is null then
    raise exception 'Your hold expired at %; start again', h.expires_at using errcode = 'PT410';
  end if;
  return core.hold_json(h);
end
$$;
comment on function api.get_hold(text, text) is 'The hold with this token: event, items with seats and unit prices (minor units), expires_at and seconds_left. The token is the buyer''s proof of ownership; with session_id, a hold of another session is not found. Errors: PT404 unknown token or another session''s hold, PT410 expired.';

create function api.extend_hold(hold_token text, session_id text default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds := core.hold_for_session(extend_hold.hold_token, extend_hold.session_id, true);
  e core.events;
  until timestamptz;
  expected int;
  moved int;
begin
  if h.expires_at <= now() then
    raise exception 'Your hold expired at %; start again', h.expires_at using errcode = 'PT410';
  end if;
  if h.extended then
    raise exception 'This hold has already been extended once' using errcode = 'PT409';
  end if;
  if h.order_id is not null then
    raise exception 'This hold has already become an order' using errcode = 'PT409';
  end if;
  select * into e from core.events where id = h.event_id;
  until := now() + make_interval(mins => e.hold_minutes);
  select count(*) into expected from core.event_seats where hold_id = h.id and state = 'open';
  update core.event_seats set held_until = until where hold_id = h.id and state = 'open' and held_until > now();
  get diagnostics moved = row_count;
  if moved < expected then
    raise exception 'Your hold expired; start again' using errcode = 'PT410';
  end if;
  update core.quota_units set held_until = until where hold_id = h.id and state = 'open' and held_until > now();
  update core.holds set expires_at = until, extended = true where id = h.id returning * into h;
  return core.hold_json(h);
end
$$;
comment on function api.extend_hold(text, text) is 'Extends an unexpired hold once by the event''s hold time from now. Returns the hold. With session_id, a hold of another session is not found. Errors: PT404 unknown token or another session''s hold, PT409 already extended, PT410 expired.';

create function core.release_hold(hold uuid) returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  n int;
begin
  update core.event_seats set hold_id = null, held_until = '-infinity' where hold_id = hold and state = 'open';
  get diagnostics n = row_count;
  update core.quota_units set hold_id = null, held_until = '-infinity' where hold_id = hold and state = 'open';
  delete from core.holds where id = hold and order_id is null;
  return n;
end
$$;
comment on function core.release_hold(uuid) is 'For the order side: gives a hold''s places and quota units back at once and deletes the hold (unless it became an order). Returns the number of places released.';

create function api.release_hold(hold_token text, session_id text default null)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds := core.hold_for_session(release_hold.hold_token, release_hold.session_id, true);
begin
  if h.order_id is not null then
    raise exception 'This hold has already become an order' using errcode = 'PT409';
  end if;
  perform core.release_hold(h.id);
end
$$;
comment on function api.release_hold(text, text) is 'Gives up a hold: its places are free again at once (an expired hold is simply deleted). With session_id, a hold of another session is not found. Errors: PT404 unknown token or another session''s hold, PT409 already an order.';

-- ---------------------------------------------------------------------------------------
-- For the order side (not exposed in api)

-- Turns an unexpired hold into sold inventory for an order: every place and quota unit
-- of the hold becomes sold with order_id. Fails with PT410, changing nothing, when the hold
-- expired or any of its places was lost. Returns the number of places sold.
create function core.convert_hold_to_sold(hold uuid, order_ref uuid) returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds;
  expected int;
  n int;
  q_expected int;
  q int;
begin
  if order_ref is null then
    raise exception 'An order id is required' using errcode = 'P0001';
  end if;
  select * into h from core.holds where id = hold for update;
  if not found then
    raise exception 'Hold % not found', hold using errcode = 'PT404';
  end if;
  if h.order_id is not null then
    if h.order_id = order_ref then -- converting twice for the same order changes nothing
      return (select count(*) from core.event_seats where order_id = order_ref and hold_id = h.id);
    end if;
    raise exception 'Hold % already belongs to another order', hold using errcode = 'PT409';
  end if;
  if h.expires_at <= now() then
    raise exception 'The hold expired at %', h.expires_at using errcode = 'PT410';
  end if;
  select coalesce(sum(quantity), 0) into expected from core.hold_items where hold_id = h.id and kind in ('seat', 'standing');
  update core.event_seats set state = 'sold', order_id = order_ref
  where hold_id = h.id and state = 'open' and held_until > now();
  get diagnostics n = row_count;
  if n <> expected then
    raise exception 'The hold lost % of its % places', expected - n, expected using errcode = 'PT410';
  end if;
  select count(*) into q_expected from core.quota_units where hold_id = h.id;
  update core.quota_units set state = 'sold', order_id = order_ref where hold_id = h.id and state = 'open' and held_until > now();
  get diagnostics q = row_count;
  if q <> q_expected then
    raise exception 'The hold lost some of its quota' using errcode = 'PT410';
  end if;
  update core.holds set order_id = order_ref where id = h.id;
  return n;
end
$$;
comment on function core.convert_hold_to_sold(uuid, uuid) is 'For the order side: marks every place and quota unit of an unexpired hold sold for the order (all or nothing; PT410 when expired or places lost; idempotent for the same order). Returns places sold.';

-- Moves a hold's expiry (the order side keeps a hold while payment is pending; tests
-- freeze time by moving it into the past). Applies to the hold and all its claimed rows.
create function core.set_hold_expiry(hold uuid, until timestamptz) returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  update core.holds set expires_at = until where id = hold;
  update core.event_seats set held_until = until where hold_id = hold and state = 'open';
  update core.quota_units set held_until = until where hold_id = hold and state = 'open';
end
$$;
comment on function core.set_hold_expiry(uuid, timestamptz) is 'Sets a hold''s expiry and that of every place and quota unit it holds.';

-- Cancelled or ended events: also delete their holds (completes 103's version).
create or replace function core.release_event_holds(ev uuid) returns int
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
  delete from core.holds where event_id = ev and order_id is null;
  return n;
end
$$;

-- The every-minute job: clear references to expired holds, delete expired holds, refresh
-- the cached sold counts. Correctness never depends on it (expiry is lazy).
create function core.expire_holds() returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  n int;
begin
  update core.event_seats set hold_id = null, held_until = '-infinity'
  where hold_id is not null and state = 'open' and held_until <= now();
  get diagnostics n = row_count;
  update core.quota_units set hold_id = null, held_until = '-infinity'
  where hold_id is not null and state = 'open' and held_until <= now();
  delete from core.holds where expires_at <= now() - interval '1 minute' and order_id is null;
  perform core.refresh_section_counts(null);
  return n;
end
$$;
comment on function core.expire_holds() is 'Job holds__expire (every minute): releases places of expired holds, deletes expired holds, refreshes cached counts.';

select core.schedule_job('holds__expire', '* * * * *', 'select core.expire_holds()');

grant execute on function api.hold_seats(uuid, bigint[], text, uuid, text, text, text),
  api.hold_tickets(uuid, jsonb, text, text, text, text),
  api.hold_best_available(uuid, int, text, uuid, uuid, bigint, bigint, uuid, text, text, text),
  api.get_hold(text, text), api.extend_hold(text, text), api.release_hold(text, text)
  to anon, buyer, staff;
grant execute on function core.release_event_holds(uuid) to staff;
