-- Events and their own inventory. Creating an event copies a published layout version into
-- per-event rows: price zones, sections, and one core.event_seats row per place — a seat of
-- a seated section, or an admission unit of a standing section (a 40,000 standing section
-- gets 40,000 units). Holds and sales claim these rows, never a shared counter: see
-- 105_holds.sql for why.

create table core.currencies (
  code text primary key check (code ~ '^[A-Z]{3}$'),
  name text not null,
  minor_units int not null check (minor_units between 0 and 3)
);
insert into core.currencies values
  ('USD', 'US dollar', 2), ('ZAR', 'South African rand', 2), ('ZWG', 'Zimbabwe Gold (ZiG)', 2),
  ('KES', 'Kenyan shilling', 2), ('NGN', 'Nigerian naira', 2), ('BWP', 'Botswana pula', 2),
  ('ZMW', 'Zambian kwacha', 2), ('NAD', 'Namibian dollar', 2), ('MZN', 'Mozambican metical', 2),
  ('GHS', 'Ghanaian cedi', 2), ('TZS', 'Tanzanian shilling', 2), ('UGX', 'Ugandan shilling', 0),
  ('EUR', 'Euro', 2), ('GBP', 'Pound sterling', 2);
comment on table core.currencies is 'Currencies events may sell in; money is stored as bigint minor units (cents).';
grant select on core.currencies to staff, buyer;

create table core.event_series (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  name text not null,
  created_at timestamptz not null default now()
);
create index event_series_org_idx on core.event_series (org_id);

create table core.events (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  venue_id uuid not null references core.venues (id) on delete restrict,
  layout_version_id uuid not null references core.layout_versions (id) on delete restrict,
  series_id uuid references core.event_series (id) on delete set null,
  name text not null check (length(trim(name)) between 2 and 160),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  performers text[] not null default '{}', -- teams, artists, speakers: searchable
  city text not null,
  category text not null check (category in ('football', 'rugby', 'cricket', 'athletics', 'music', 'festival',
                                             'conference', 'theatre', 'comedy', 'sport', 'other')),
  description text not null default '',
  banner_url text check (banner_url ~ '^(https?://|/)'),
  currency text not null references core.currencies (code) on delete restrict,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  doors_open_at timestamptz,
  sales_start timestamptz not null default now(),
  sales_end timestamptz not null,
  status text not null default 'draft' check (status in ('draft', 'on_sale', 'sold_out', 'ended', 'cancelled')),
  hold_minutes int not null default 10 check (hold_minutes between 1 and 60),
  orphan_seat_rule boolean not null default true, -- refuse explicit picks that leave one empty seat between taken ones
  search_text text not null default '',
  published_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz not null default now(),
  check (ends_at > starts_at),
  check (sales_end > sales_start)
);
create index events_org_idx on core.events (org_id);
create index events_public_idx on core.events (starts_at) where status in ('on_sale', 'sold_out');
create index events_series_idx on core.events (series_id);
comment on column core.events.search_text is 'Lower-case name, performers, city, venue and category, kept by trigger for the listing search.';

create function core.tg_events__search_text() returns trigger
language plpgsql
set search_path = pg_catalog, core, pg_temp
as $$
begin
  new.search_text := lower(concat_ws(' ', new.name, array_to_string(new.performers, ' '), new.city, new.category,
                                     (select v.name from core.venues v where v.id = new.venue_id)));
  return new;
end
$$;
create trigger "10_search_text" before insert or update of name, performers, city, category, venue_id on core.events
  for each row execute function core.tg_events__search_text();

create table core.event_price_zones (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  name text not null,
  color text not null,
  rank int not null,
  unique (event_id, name)
);
create index event_price_zones_org_idx on core.event_price_zones (org_id);

create table core.event_sections (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  name text not null,
  kind text not null check (kind in ('seated', 'standing')),
  capacity int not null check (capacity >= 0),
  price_zone_id uuid references core.event_price_zones (id) on delete set null,
  x real not null default 0,
  y real not null default 0,
  focal_x real not null default 0,
  focal_y real not null default 0,
  sort int not null default 0,
  unique (event_id, name)
);
create index event_sections_event_idx on core.event_sections (event_id);
create index event_sections_org_idx on core.event_sections (org_id);

-- One row per sellable place. state: open (free or held), sold, blocked (kept off sale).
-- A place is HELD while held_until > now() (hold_id says by whom) and FREE when open and
-- held_until <= now(): expiry needs no job, an expired hold simply stops counting.
create table core.event_seats (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  event_section_id uuid not null references core.event_sections (id) on delete cascade,
  row_label text,  -- null for admission units of standing sections
  row_index int,
  seat_index int,
  seat_number int,
  x real,
  y real,
  distance real not null default 0,
  attributes text[] not null default '{}',
  -- The seat's own price zone, copied from the layout seat's (null: the section's zone).
  -- A place's zone is coalesce(event_seats.price_zone_id, event_sections.price_zone_id).
  price_zone_id uuid references core.event_price_zones (id) on delete set null,
  state text not null default 'open' check (state in ('open', 'sold', 'blocked')),
  hold_id uuid,
  held_until timestamptz not null default '-infinity',
  order_id uuid
);
create unique index event_seats_position_key on core.event_seats (event_section_id, row_index, seat_index);
create index event_seats_open_idx on core.event_seats (event_section_id, held_until) where state = 'open';
create index event_seats_hold_idx on core.event_seats (hold_id) where hold_id is not null;
create index event_seats_event_idx on core.event_seats (event_id);
create index event_seats_org_idx on core.event_seats (org_id);
create index event_seats_zone_idx on core.event_seats (price_zone_id) where price_zone_id is not null;
comment on table core.event_seats is 'An event''s places: seats of seated sections and admission units of standing sections. Free = open and held_until <= now().';

-- Cached sold counts per section, refreshed by the every-minute job and after each event
-- is created. Reads combine them with a live count of unexpired holds (an index range scan
-- of held places only), so an expired hold is never reported as held.
create table core.event_section_counts (
  event_section_id uuid primary key references core.event_sections (id) on delete cascade,
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  capacity int not null,
  sold int not null default 0,
  blocked int not null default 0,
  refreshed_at timestamptz not null default now()
);
create index event_section_counts_event_idx on core.event_section_counts (event_id);

select core.enable_tenant_rls('core.event_series');
select core.enable_tenant_rls('core.events');
select core.enable_tenant_rls('core.event_price_zones');
select core.enable_tenant_rls('core.event_sections');
select core.enable_tenant_rls('core.event_seats');
select core.enable_tenant_rls('core.event_section_counts');

create function core.refresh_section_counts(target_event uuid default null) returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  n int;
begin
  insert into core.event_section_counts as c (event_section_id, org_id, event_id, capacity, sold, blocked, refreshed_at)
  select s.id, s.org_id, s.event_id, s.capacity,
         (select count(*) from core.event_seats es where es.event_section_id = s.id and es.state = 'sold'),
         (select count(*) from core.event_seats es where es.event_section_id = s.id and es.state = 'blocked'),
         now()
  from core.event_sections s join core.events e on e.id = s.event_id
  where (target_event is null and e.status in ('on_sale', 'sold_out') and e.ends_at > now())
     or s.event_id = target_event
  on conflict (event_section_id) do update
    set capacity = excluded.capacity, sold = excluded.sold, blocked = excluded.blocked, refreshed_at = excluded.refreshed_at;
  get diagnostics n = row_count;
  return n;
end
$$;
comment on function core.refresh_section_counts(uuid) is 'Recounts sold/blocked places per section (one event, or every event on sale). Run by the every-minute job.';

-- Copies a published layout version into an event's inventory, set-based: zones, sections,
-- seats with their own zones (mapped to the event's copies of the zones), standing units.
create function core.copy_layout_into_event(ev uuid, lv uuid) returns int
language plpgsql volatile
as $$
declare
  n int;
  org uuid;
begin
  select org_id into org from core.events where id = ev;
  with zm as materialized (
    select z.id as old, gen_random_uuid() as new, z.name, z.color, z.rank from core.price_zones z where z.layout_version_id = lv
  ), zi as (
    insert into core.event_price_zones (id, org_id, event_id, name, color, rank)
    select zm.new, org, ev, zm.name, zm.color, zm.rank from zm
    returning 1
  ), sm as materialized (
    select s.*, gen_random_uuid() as new from core.sections s where s.layout_version_id = lv
  ), si as (
    insert into core.event_sections (id, org_id, event_id, name, kind, capacity, price_zone_id, x, y, focal_x, focal_y, sort)
    select sm.new, org, ev, sm.name, sm.kind, sm.capacity, zm.new, sm.x, sm.y, sm.focal_x, sm.focal_y, sm.sort
    from sm left join zm on zm.old = sm.price_zone_id
    returning 1
  )
  insert into core.event_seats (org_id, event_id, event_section_id, row_label, row_index, seat_index, seat_number, x, y,
                                distance, attributes, price_zone_id)
  select org, ev, sm.new, st.row_label, st.row_index, st.seat_index, st.seat_number, st.x, st.y, st.distance, st.attributes,
         sz.new
  from sm join core.seats st on st.section_id = sm.id left join zm sz on sz.old = st.price_zone_id
  where sm.kind = 'seated' and (select count(*) from zi) >= 0 and (select count(*) from si) >= 0
  union all
  select org, ev, sm.new, null, null, null, null, null, null, 0, '{}', null
  from sm, generate_series(1, sm.capacity) g
  where sm.kind = 'standing';
  get diagnostics n = row_count;
  -- A stadium's worth of new places changes what the planner should expect of event_seats
  -- (on a new database: from nothing to 60,000 rows). The hold functions cache their plans
  -- per connection for the whole sale, so without fresh statistics the first sale ran on
  -- plans made for an empty table until autovacuum caught up: 55 tickets/s and 34 ms of
  -- Postgres CPU per ticket against 290/s and 5 ms (bench/flash_sale.ts --fresh, K=8, 60 s).
  -- ANALYZE samples a fixed number of rows (~0.2 s) and sees this transaction's own rows.
  if n >= 1000 then
    analyze core.event_seats;
  end if;
  return n;
end
$$;

create function core.slugify(t text) returns text
language sql immutable
as $$ select trim(both '-' from regexp_replace(lower(coalesce(t, '')), '[^a-z0-9]+', '-', 'g')) $$;

create function core.validate_event_fields(name text, category text, currency text, starts_at timestamptz,
                                           ends_at timestamptz, sales_start timestamptz, sales_end timestamptz,
                                           hold_minutes int, banner_url text)
returns void
language plpgsql stable
as $$
begin
  if name is null or length(trim(name)) not between 2 and 160 then
    raise exception 'Event name "%" must be 2 to 160 characters', name using errcode = 'P0001';
  end if;
  if category is null or category not in ('football', 'rugby', 'cricket', 'athletics', 'music', 'festival',
                                          'conference', 'theatre', 'comedy', 'sport', 'other') then
    raise exception 'Category "%" is not one of football, rugby, cricket, athletics, music, festival, conference, theatre, comedy, sport, other', category
      using errcode = 'P0001';
  end if;
  if currency is null or not exists (select from core.currencies c where c.code = currency) then
    raise exception 'Currency "%" is not supported (use USD, ZAR, ZWG, KES, NGN, …)', currency using errcode = 'P0001';
  end if;
  if starts_at is null then
    raise exception 'An event needs a start time' using errcode = 'P0001';
  end if;
  if ends_at <= starts_at then
    raise exception 'The event must end after it starts (% is not after %)', ends_at, starts_at using errcode = 'P0001';
  end if;
  if sales_end <= sales_start then
    raise exception 'Sales must end after they start (% is not after %)', sales_end, sales_start using errcode = 'P0001';
  end if;
  if hold_minutes is null or hold_minutes not between 1 and 60 then
    raise exception 'Hold duration % must be between 1 and 60 minutes', hold_minutes using errcode = 'P0001';
  end if;
  if banner_url is not null and banner_url !~ '^(https?://|/)' then
    raise exception 'Banner URL "%" must start with https:// or /', banner_url using errcode = 'P0001';
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------
-- api

create function api.create_event(
  layout_version_id uuid,
  name text,
  starts_at timestamptz,
  ends_at timestamptz default null,
  category text default 'other',
  currency text default 'USD',
  description text default '',
  performers text[] default '{}',
  city text default null,
  slug text default null,
  banner_url text default null,
  doors_open_at timestamptz default null,
  sales_start timestamptz default null,
  sales_end timestamptz default null,
  hold_minutes int default 10,
  orphan_seat_rule boolean default true
)
returns uuid
language plpgsql volatile
as $$
declare
  lv core.layout_versions;
  v core.venues;
  eid uuid;
  the_slug text;
  e_ends timestamptz := coalesce(create_event.ends_at, create_event.starts_at + interval '3 hours');
  e_sales_start timestamptz := coalesce(create_event.sales_start, now());
  e_sales_end timestamptz := coalesce(create_event.sales_end, create_event.starts_at + interval '1 hour');
begin
  select * into lv from core.layout_versions where id = create_event.layout_version_id;
  if not found then
    raise exception 'Layout version % not found', coalesce(create_event.layout_version_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(lv.org_id);
  if lv.status <> 'published' then
    raise exception 'Layout version % is still a draft; publish it before creating events from it', lv.version
      using errcode = 'PT409';
  end if;
  perform core.validate_event_fields(create_event.name, create_event.category, create_event.currency, create_event.starts_at,
                                     e_ends, e_sales_start, e_sales_end, create_event.hold_minutes, create_event.banner_url);
  if create_event.starts_at < now() - interval '1 day' then
    raise exception 'Start time % is in the past', create_event.starts_at using errcode = 'P0001';
  end if;
  select v2.* into v from core.venues v2 join core.layouts l on l.venue_id = v2.id where l.id = lv.layout_id;
  the_slug := coalesce(create_event.slug,
                       core.slugify(create_event.name) || '-' || to_char(create_event.starts_at at time zone v.timezone, 'YYYY-MM-DD'));
  if the_slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' or length(the_slug) > 120 then
    raise exception 'Slug "%" must be lowercase letters, digits and single dashes', the_slug using errcode = 'P0001';
  end if;
  if create_event.slug is null and exists (select from core.events e where e.slug = the_slug) then
    the_slug := the_slug || '-' || substr(md5(random()::text), 1, 4);
  end if;
  insert into core.events (org_id, venue_id, layout_version_id, name, slug, performers, city, category, description,
                           banner_url, currency, starts_at, ends_at, doors_open_at, sales_start, sales_end, hold_minutes,
                           orphan_seat_rule)
  values (lv.org_id, v.id, lv.id, trim(create_event.name), the_slug, coalesce(create_event.performers, '{}'),
          coalesce(create_event.city, v.city), create_event.category, coalesce(create_event.description, ''),
          create_event.banner_url, create_event.currency, create_event.starts_at, e_ends, create_event.doors_open_at,
          e_sales_start, e_sales_end, create_event.hold_minutes, coalesce(create_event.orphan_seat_rule, true))
  returning id into eid;
  perform core.copy_layout_into_event(eid, lv.id);
  perform core.refresh_section_counts(eid);
  return eid;
exception when unique_violation then
  raise exception 'An event with slug "%" already exists', the_slug using errcode = '23505';
end
$$;
comment on function api.create_event(uuid, text, timestamptz, timestamptz, text, text, text, text[], text, text, text, timestamptz, timestamptz, timestamptz, int, boolean)
  is 'Creates a draft event from a PUBLISHED layout version and copies its inventory (zones, sections, seats, standing admission units) into the event. Defaults: ends 3 h after start, sales from now until 1 h after start, holds of 10 minutes, orphan-seat rule on. Returns the event id. Errors: PT404, PT403, PT409 draft layout, P0001 bad field, 23505 slug taken.';

create function api.update_event(
  event_id uuid,
  name text default null,
  description text default null,
  performers text[] default null,
  city text default null,
  category text default null,
  banner_url text default null,
  doors_open_at timestamptz default null,
  sales_start timestamptz default null,
  sales_end timestamptz default null,
  hold_minutes int default null,
  orphan_seat_rule boolean default null
)
returns void
language plpgsql volatile
as $$
declare
  e core.events;
begin
  select * into e from core.events where id = update_event.event_id;
  if not found then
    raise exception 'Event % not found', coalesce(update_event.event_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(e.org_id);
  if e.status in ('ended', 'cancelled') then
    raise exception 'Event "%" is % and cannot be changed', e.name, e.status using errcode = 'PT409';
  end if;
  e.name := coalesce(trim(update_event.name), e.name);
  e.description := coalesce(update_event.description, e.description);
  e.performers := coalesce(update_event.performers, e.performers);
  e.city := coalesce(update_event.city, e.city);
  e.category := coalesce(update_event.category, e.category);
  e.banner_url := coalesce(update_event.banner_url, e.banner_url);
  e.doors_open_at := coalesce(update_event.doors_open_at, e.doors_open_at);
  e.sales_start := coalesce(update_event.sales_start, e.sales_start);
  e.sales_end := coalesce(update_event.sales_end, e.sales_end);
  e.hold_minutes := coalesce(update_event.hold_minutes, e.hold_minutes);
  e.orphan_seat_rule := coalesce(update_event.orphan_seat_rule, e.orphan_seat_rule);
  perform core.validate_event_fields(e.name, e.category, e.currency, e.starts_at, e.ends_at, e.sales_start, e.sales_end,
                                     e.hold_minutes, e.banner_url);
  update core.events set name = e.name, description = e.description, performers = e.performers, city = e.city,
    category = e.category, banner_url = e.banner_url, doors_open_at = e.doors_open_at, sales_start = e.sales_start,
    sales_end = e.sales_end, hold_minutes = e.hold_minutes, orphan_seat_rule = e.orphan_seat_rule
  where id = e.id;
end
$$;
comment on function api.update_event(uuid, text, text, text[], text, text, text, timestamptz, timestamptz, timestamptz, int, boolean)
  is 'Changes an event''s descriptive fields and settings; null arguments keep the current value. Errors: PT404, PT403, PT409 ended/cancelled, P0001 bad field.';

grant execute on function core.copy_layout_into_event(uuid, uuid), core.slugify(text),
  core.validate_event_fields(text, text, text, timestamptz, timestamptz, timestamptz, timestamptz, int, text),
  core.refresh_section_counts(uuid) to staff;
grant execute on function
  api.create_event(uuid, text, timestamptz, timestamptz, text, text, text, text[], text, text, text, timestamptz, timestamptz, timestamptz, int, boolean),
  api.update_event(uuid, text, text, text[], text, text, text, timestamptz, timestamptz, timestamptz, int, boolean)
  to staff;
