-- Venues and their reusable, versioned seating layouts: price zones, sections (seated or
-- standing with a capacity), and seats with coordinates and attributes. A layout version is
-- edited while it is a draft; publishing freezes it, and events copy their inventory from a
-- published version, so editing a layout (in a new version) never changes existing events.

create table core.venues (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  name text not null check (length(trim(name)) between 2 and 160),
  city text not null check (length(trim(city)) between 1 and 80),
  country text not null default 'ZW' check (country ~ '^[A-Z]{2}$'),
  address text,
  timezone text not null default 'Africa/Harare',
  created_at timestamptz not null default now(),
  unique (org_id, name)
);
create index venues_org_idx on core.venues (org_id);

create table core.layouts (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  venue_id uuid not null references core.venues (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 120),
  created_at timestamptz not null default now(),
  unique (venue_id, name)
);
create index layouts_org_idx on core.layouts (org_id);

create table core.layout_versions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  layout_id uuid not null references core.layouts (id) on delete cascade,
  version int not null check (version > 0),
  status text not null default 'draft' check (status in ('draft', 'published')),
  published_at timestamptz,
  created_at timestamptz not null default now(),
  unique (layout_id, version)
);
create index layout_versions_org_idx on core.layout_versions (org_id);

create table core.price_zones (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  layout_version_id uuid not null references core.layout_versions (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 80),
  color text not null default '#64748b' check (color ~ '^#[0-9a-fA-F]{6}$'),
  rank int not null default 1, -- 1 = best
  unique (layout_version_id, name)
);
create index price_zones_org_idx on core.price_zones (org_id);

create table core.sections (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  layout_version_id uuid not null references core.layout_versions (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 80),
  kind text not null check (kind in ('seated', 'standing')),
  capacity int not null check (capacity between 0 and 200000), -- seats for seated sections
  price_zone_id uuid references core.price_zones (id) on delete set null,
  x real not null default 0, -- label position on the venue map
  y real not null default 0,
  focal_x real not null default 0, -- the point seats are ranked by (the pitch, the stage)
  focal_y real not null default 0,
  sort int not null default 0,
  unique (layout_version_id, name)
);
create index sections_org_idx on core.sections (org_id);

create table core.seats (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete cascade,
  section_id uuid not null references core.sections (id) on delete cascade,
  row_label text not null,
  row_index int not null,  -- 1 = front row
  seat_index int not null, -- physical position in the row, 1 = leftmost; adjacency is seat_index ± 1
  seat_number int not null,
  x real not null,
  y real not null,
  distance real not null default 0, -- to the section's focal point; smaller is better
  attributes text[] not null default '{}'
    check (attributes <@ array['accessible', 'companion', 'restricted_view', 'aisle']::text[]),
  -- The seat's own price zone, overriding its section's (a front row or a block of seats
  -- priced apart); null: the section's zone. Always a zone of the same layout version
  -- (api.set_seat_zone and api.import_layout check it).
  price_zone_id uuid references core.price_zones (id) on delete set null,
  unique (section_id, row_label, seat_number),
  unique (section_id, row_index, seat_index)
);
create index seats_org_idx on core.seats (org_id);
create index seats_zone_idx on core.seats (price_zone_id) where price_zone_id is not null;
comment on column core.seats.price_zone_id is 'The seat''s own price zone (overrides the section''s); null: the section''s zone.';

select core.enable_tenant_rls('core.venues');
select core.enable_tenant_rls('core.layouts');
select core.enable_tenant_rls('core.layout_versions');
select core.enable_tenant_rls('core.price_zones');
select core.enable_tenant_rls('core.sections');
select core.enable_tenant_rls('core.seats');

-- The draft layout version `v` of the caller's org, or an error: PT404 (unknown or other
-- org), PT403 (role), PT409 (published).
create function core.draft_layout_version(v uuid) returns core.layout_versions
language plpgsql stable
as $$
declare
  lv core.layout_versions;
begin
  select * into lv from core.layout_versions where id = v;
  if not found then
    raise exception 'Layout version % not found', coalesce(v::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(lv.org_id);
  if lv.status <> 'draft' then
    raise exception 'Layout version % is published and cannot be changed; copy it to a new version first', lv.version
      using errcode = 'PT409';
  end if;
  return lv;
end
$$;

-- ---------------------------------------------------------------------------------------
-- api

create function api.create_venue(name text, city text, country text default 'ZW', address text default null,
                                 timezone text default 'Africa/Harare')
returns uuid
language plpgsql volatile
as $$
declare
  new_id uuid;
  org uuid := auth.org_id();
begin
  perform core.require_manager(coalesce(org, '00000000-0000-0000-0000-000000000000'));
  if create_venue.name is null or length(trim(create_venue.name)) not between 2 and 160 then
    raise exception 'Venue name "%" must be 2 to 160 characters', create_venue.name using errcode = 'P0001';
  end if;
  if create_venue.city is null or length(trim(create_venue.city)) = 0 then
    raise exception 'A venue needs a city' using errcode = 'P0001';
  end if;
  if create_venue.country is null or upper(create_venue.country) !~ '^[A-Z]{2}$' then
    raise exception 'Country "%" must be a two-letter code such as ZW', create_venue.country using errcode = 'P0001';
  end if;
  if not exists (select from pg_timezone_names where pg_timezone_names.name = create_venue.timezone) then
    raise exception 'Time zone "%" is unknown', create_venue.timezone using errcode = 'P0001';
  end if;
  insert into core.venues (org_id, name, city, country, address, timezone)
  values (org, trim(create_venue.name), trim(create_venue.city), upper(create_venue.country), create_venue.address,
          create_venue.timezone)
  returning id into new_id;
  return new_id;
exception when unique_violation then
  raise exception 'A venue named "%" already exists', create_venue.name using errcode = '23505';
end
$$;
comment on function api.create_venue(text, text, text, text, text) is 'Creates a venue in the caller''s org. Returns its id. Errors: PT403/PT404 access, P0001 bad input, 23505 name taken.';

create function api.create_layout(venue_id uuid, name text)
returns uuid
language plpgsql volatile
as $$
declare
  v core.venues;
  lid uuid;
  vid uuid;
begin
  select * into v from core.venues where id = create_layout.venue_id;
  if not found then
    raise exception 'Venue % not found', coalesce(create_layout.venue_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(v.org_id);
  if create_layout.name is null or length(trim(create_layout.name)) = 0 then
    raise exception 'A layout needs a name' using errcode = 'P0001';
  end if;
  insert into core.layouts (org_id, venue_id, name) values (v.org_id, v.id, trim(create_layout.name))
  returning id into lid;
  insert into core.layout_versions (org_id, layout_id, version) values (v.org_id, lid, 1) returning id into vid;
  return vid;
exception when unique_violation then
  raise exception 'Venue already has a layout named "%"', create_layout.name using errcode = '23505';
end
$$;
comment on function api.create_layout(uuid, text) is 'Creates a layout for a venue with an empty draft version 1. Returns the layout VERSION id to add zones and sections to. Errors: PT404, PT403, P0001, 23505.';

create function api.add_price_zone(layout_version_id uuid, name text, color text default '#64748b', rank int default 1)
returns uuid
language plpgsql volatile
as $$
declare
  lv core.layout_versions := core.draft_layout_version(add_price_zone.layout_version_id);
  zid uuid;
begin
  if add_price_zone.name is null or length(trim(add_price_zone.name)) = 0 then
    raise exception 'A price zone needs a name' using errcode = 'P0001';
  end if;
  if add_price_zone.color is null or add_price_zone.color !~ '^#[0-9a-fA-F]{6}$' then
    raise exception 'Colour "%" must look like #1e40af', add_price_zone.color using errcode = 'P0001';
  end if;
  if add_price_zone.rank is null or add_price_zone.rank not between 1 and 100 then
    raise exception 'Rank % must be between 1 and 100', add_price_zone.rank using errcode = 'P0001';
  end if;
  insert into core.price_zones (org_id, layout_version_id, name, color, rank)
  values (lv.org_id, lv.id, trim(add_price_zone.name), add_price_zone.color, add_price_zone.rank)
  returning id into zid;
  return zid;
exception when unique_violation then
  raise exception 'Price zone "%" already exists in this layout', add_price_zone.name using errcode = '23505';
end
$$;
comment on function api.add_price_zone(uuid, text, text, int) is 'Adds a price zone to a draft layout version. Returns its id. Errors: PT404, PT403, PT409 published, P0001, 23505.';

create function core.check_zone(lv core.layout_versions, zone uuid) returns void
language plpgsql stable
as $$
begin
  if zone is not null and not exists (select from core.price_zones z where z.id = zone and z.layout_version_id = lv.id) then
    raise exception 'Price zone % is not part of this layout version', zone using errcode = 'PT404';
  end if;
end
$$;

create function api.add_standing_section(layout_version_id uuid, name text, capacity int, price_zone_id uuid default null,
                                         x real default 0, y real default 0, sort int default 0)
returns uuid
language plpgsql volatile
as $$
declare
  lv core.layout_versions := core.draft_layout_version(add_standing_section.layout_version_id);
  sid uuid;
begin
  if add_standing_section.name is null or length(trim(add_standing_section.name)) = 0 then
    raise exception 'A section needs a name' using errcode = 'P0001';
  end if;
  if add_standing_section.capacity is null or add_standing_section.capacity not between 1 and 200000 then
    raise exception 'Capacity % must be between 1 and 200000', add_standing_section.capacity using errcode = 'P0001';
  end if;
  perform core.check_zone(lv, add_standing_section.price_zone_id);
  insert into core.sections (org_id, layout_version_id, name, kind, capacity, price_zone_id, x, y, focal_x, focal_y, sort)
  values (lv.org_id, lv.id, trim(add_standing_section.name), 'standing', add_standing_section.capacity,
          add_standing_section.price_zone_id, add_standing_section.x, add_standing_section.y,
          add_standing_section.x, add_standing_section.y, add_standing_section.sort)
  returning id into sid;
  return sid;
exception when unique_violation then
  raise exception 'Section "%" already exists in this layout', add_standing_section.name using errcode = '23505';
end
$$;
comment on function api.add_standing_section(uuid, text, int, uuid, real, real, int) is 'Adds a standing (general admission) section with a capacity to a draft layout version. Errors: PT404, PT403, PT409, P0001, 23505.';

-- Row label number k (0-based) in a lettered sequence: A..Z (without I and O when asked),
-- then AA, BB, … as stadiums do.
create function core.row_letter(k int, skip_io boolean) returns text
language sql immutable
as $$
  select repeat(substr(a, (k % length(a)) + 1, 1), k / length(a) + 1)
  from (select case when skip_io then 'ABCDEFGHJKLMNPQRSTUVWXYZ' else 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' end as a) s
$$;

-- Builds a whole seated section in one set-based insert (generate_series over rows and
-- seats): a 10,000-seat stand takes well under a second.
--
-- Geometry: without arc_radius, rows are straight lines centred on (origin_x, origin_y),
-- row 1 in front, later rows row_spacing further back, the whole block turned by
-- rotation_deg (0 = the section faces up, towards smaller y, as on an SVG map). With
-- arc_radius, row r is an arc of radius arc_radius + (r-1)·row_spacing around
-- (arc_center_x, arc_center_y), centred on the direction arc_direction_deg (0 = to the
-- right/east, 90 = down/south), seats seat_spacing apart along the arc: a bowl. The focal
-- point defaults to the arc centre (the pitch) or a point 10 rows in front of a straight
-- block; each seat's distance to it ranks seats for best-available.
-- Numbering: 'ltr' 1..n left to right, 'rtl' right to left, 'odd_even' odd numbers from the
-- centre to the left (…5 3 1) and even numbers to the right (2 4 6…).
create function api.build_seated_section(
  layout_version_id uuid,
  name text,
  rows int,
  seats_per_row int default null,
  seats_per_row_list int[] default null,
  seats_increment int default 0,
  price_zone_id uuid default null,
  row_labels text default 'letters',
  first_row text default null,
  skip_i_o boolean default true,
  numbering text default 'ltr',
  first_seat int default 1,
  seat_spacing real default 1.0,
  row_spacing real default 1.0,
  origin_x real default 0,
  origin_y real default 0,
  rotation_deg real default 0,
  arc_radius real default null,
  arc_center_x real default 0,
  arc_center_y real default 0,
  arc_direction_deg real default 90,
  focal_x real default null,
  focal_y real default null,
  aisle_ends boolean default true,
  accessible_rows text[] default '{}',
  restricted_view_rows text[] default '{}',
  sort int default 0
)
returns table (section_id uuid, seat_count int)
language plpgsql volatile
as $$
declare
  lv core.layout_versions := core.draft_layout_version(build_seated_section.layout_version_id);
  sid uuid;
  n int;
  theta double precision := radians(coalesce(build_seated_section.rotation_deg, 0));
  fx real;
  fy real;
  first_index int;
  alphabet text;
  total bigint;
begin
  if build_seated_section.name is null or length(trim(build_seated_section.name)) = 0 then
    raise exception 'A section needs a name' using errcode = 'P0001';
  end if;
  if build_seated_section.rows is null or build_seated_section.rows not between 1 and 200 then
    raise exception 'Rows % must be between 1 and 200', build_seated_section.rows using errcode = 'P0001';
  end if;
  if build_seated_section.seats_per_row_list is not null then
    if cardinality(build_seated_section.seats_per_row_list) <> build_seated_section.rows then
      raise exception 'seats_per_row_list has % entries but the section has % rows',
        cardinality(build_seated_section.seats_per_row_list), build_seated_section.rows using errcode = 'P0001';
    end if;
    if exists (select from unnest(build_seated_section.seats_per_row_list) s where s is null or s not between 1 and 500) then
      raise exception 'Every row must have between 1 and 500 seats' using errcode = 'P0001';
    end if;
  elsif build_seated_section.seats_per_row is null or build_seated_section.seats_per_row not between 1 and 500 then
    raise exception 'Seats per row % must be between 1 and 500', build_seated_section.seats_per_row using errcode = 'P0001';
  elsif build_seated_section.seats_increment is null
     or build_seated_section.seats_per_row + (build_seated_section.rows - 1) * build_seated_section.seats_increment not between 1 and 500 then
    raise exception 'Seats increment % gives rows outside 1 to 500 seats', build_seated_section.seats_increment using errcode = 'P0001';
  end if;
  if build_seated_section.numbering is null or build_seated_section.numbering not in ('ltr', 'rtl', 'odd_even') then
    raise exception 'Numbering "%" must be ltr, rtl or odd_even', build_seated_section.numbering using errcode = 'P0001';
  end if;
  if build_seated_section.row_labels is null or build_seated_section.row_labels not in ('letters', 'numbers') then
    raise exception 'Row labels "%" must be letters or numbers', build_seated_section.row_labels using errcode = 'P0001';
  end if;
  if build_seated_section.first_seat is null or build_seated_section.first_seat not between 0 and 10000 then
    raise exception 'First seat % must be between 0 and 10000', build_seated_section.first_seat using errcode = 'P0001';
  end if;
  if coalesce(build_seated_section.seat_spacing, 0) <= 0 or coalesce(build_seated_section.row_spacing, 0) <= 0 then
    raise exception 'Seat and row spacing must be positive' using errcode = 'P0001';
  end if;
  if build_seated_section.arc_radius is not null and build_seated_section.arc_radius <= 0 then
    raise exception 'Arc radius % must be positive', build_seated_section.arc_radius using errcode = 'P0001';
  end if;
  perform core.check_zone(lv, build_seated_section.price_zone_id);

  alphabet := case when build_seated_section.skip_i_o then 'ABCDEFGHJKLMNPQRSTUVWXYZ' else 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' end;
  if build_seated_section.row_labels = 'letters' then
    first_index := strpos(alphabet, upper(coalesce(build_seated_section.first_row, 'A'))) - 1;
    if first_index < 0 or length(coalesce(build_seated_section.first_row, 'A')) <> 1 then
      raise exception 'First row "%" must be one letter of %', build_seated_section.first_row, alphabet using errcode = 'P0001';
    end if;
  else
    if coalesce(build_seated_section.first_row, '1') !~ '^\d{1,4}$' then
      raise exception 'First row "%" must be a number', build_seated_section.first_row using errcode = 'P0001';
    end if;
    first_index := coalesce(build_seated_section.first_row, '1')::int;
  end if;

  if build_seated_section.arc_radius is not null then
    -- 60 % of the way from the arc's centre towards the stand (for a stadium: the touchline
    -- in front of it), so seats in the middle of a row rank above the ends.
    fx := coalesce(build_seated_section.focal_x,
                   build_seated_section.arc_center_x + 0.6 * build_seated_section.arc_radius * cos(radians(build_seated_section.arc_direction_deg)));
    fy := coalesce(build_seated_section.focal_y,
                   build_seated_section.arc_center_y + 0.6 * build_seated_section.arc_radius * sin(radians(build_seated_section.arc_direction_deg)));
  else
    fx := coalesce(build_seated_section.focal_x, build_seated_section.origin_x + 10 * build_seated_section.row_spacing * sin(theta));
    fy := coalesce(build_seated_section.focal_y, build_seated_section.origin_y - 10 * build_seated_section.row_spacing * cos(theta));
  end if;

  insert into core.sections (org_id, layout_version_id, name, kind, capacity, price_zone_id, x, y, focal_x, focal_y, sort)
  values (lv.org_id, lv.id, trim(build_seated_section.name), 'seated', 0, build_seated_section.price_zone_id,
          build_seated_section.origin_x, build_seated_section.origin_y, fx, fy, build_seated_section.sort)
  returning id into sid;

  with r as (
    select g as row_index,
           coalesce(build_seated_section.seats_per_row_list[g],
                    build_seated_section.seats_per_row + (g - 1) * build_seated_section.seats_increment) as n,
           case when build_seated_section.row_labels = 'letters' then core.row_letter(first_index + g - 1, build_seated_section.skip_i_o)
                else (first_index + g - 1)::text end as label
    from generate_series(1, build_seated_section.rows) g
  ), s as (
    select r.row_index, r.label, r.n, i as seat_index,
           case build_seated_section.numbering
             when 'ltr' then i
             when 'rtl' then r.n - i + 1
             else case when i <= (r.n + 1) / 2 then 2 * ((r.n + 1) / 2 - i) + 1 else 2 * (i - (r.n + 1) / 2) end
           end + build_seated_section.first_seat - 1 as number,
           -- u along the row (centred), v backwards from the front row
           (i - 1 - (r.n - 1) / 2.0) * build_seated_section.seat_spacing as u,
           (r.row_index - 1) * build_seated_section.row_spacing as v
    from r, generate_series(1, r.n) i
  ), xy as (
    select s.*,
      case when build_seated_section.arc_radius is null
           then build_seated_section.origin_x + s.u * cos(theta) - s.v * sin(theta)
           else build_seated_section.arc_center_x + (build_seated_section.arc_radius + s.v)
                * cos(radians(build_seated_section.arc_direction_deg) - s.u / (build_seated_section.arc_radius + s.v)) end as x,
      case when build_seated_section.arc_radius is null
           then build_seated_section.origin_y + s.u * sin(theta) + s.v * cos(theta)
           else build_seated_section.arc_center_y + (build_seated_section.arc_radius + s.v)
                * sin(radians(build_seated_section.arc_direction_deg) - s.u / (build_seated_section.arc_radius + s.v)) end as y
    from s
  )
  insert into core.seats (org_id, section_id, row_label, row_index, seat_index, seat_number, x, y, distance, attributes)
  select lv.org_id, sid, xy.label, xy.row_index, xy.seat_index, xy.number, round(xy.x::numeric, 2), round(xy.y::numeric, 2),
         sqrt((xy.x - fx) ^ 2 + (xy.y - fy) ^ 2),
         array_remove(array[
           case when build_seated_section.aisle_ends and (xy.seat_index = 1 or xy.seat_index = xy.n) then 'aisle' end,
           case when xy.label = any(build_seated_section.accessible_rows) then 'accessible' end,
           case when xy.label = any(build_seated_section.restricted_view_rows) then 'restricted_view' end], null)
  from xy;
  get diagnostics total = row_count;
  update core.sections set capacity = total where id = sid;
  section_id := sid;
  seat_count := total;
  return next;
exception when unique_violation then
  raise exception 'Section "%" already exists in this layout, or its row labels repeat', build_seated_section.name
    using errcode = '23505';
end
$$;
comment on function api.build_seated_section(uuid, text, int, int, int[], int, uuid, text, text, boolean, text, int, real, real, real, real, real, real, real, real, real, real, real, boolean, text[], text[], int)
  is 'Builds a seated section of a draft layout version from a pattern in one set-based insert: rows (letters A.. skipping I/O, or numbers), seats per row (constant, per-row list, or growing by seats_increment), numbering ltr/rtl/odd_even, spacing, straight rows (origin, rotation) or an arc around a centre (a bowl), focal point for best-available ranking, aisle/accessible/restricted-view attributes. Returns the section id and seat count. Errors: PT404, PT403, PT409 published, P0001 bad pattern, 23505 name taken.';

create function api.set_seat_attributes(section_id uuid, row_label text, seat_numbers int[], attributes text[])
returns int
language plpgsql volatile
as $$
declare
  s core.sections;
  changed int;
begin
  select * into s from core.sections where id = set_seat_attributes.section_id;
  if not found then
    raise exception 'Section % not found', coalesce(set_seat_attributes.section_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.draft_layout_version(s.layout_version_id);
  if set_seat_attributes.attributes is null
     or not set_seat_attributes.attributes <@ array['accessible', 'companion', 'restricted_view', 'aisle']::text[] then
    raise exception 'Attributes % must be among accessible, companion, restricted_view, aisle', set_seat_attributes.attributes
      using errcode = 'P0001';
  end if;
  update core.seats st set attributes = set_seat_attributes.attributes
  where st.section_id = s.id and st.row_label = set_seat_attributes.row_label
    and st.seat_number = any(set_seat_attributes.seat_numbers);
  get diagnostics changed = row_count;
  if changed = 0 then
    raise exception 'No seats % in row "%" of %', set_seat_attributes.seat_numbers, set_seat_attributes.row_label, s.name
      using errcode = 'PT404';
  end if;
  return changed;
end
$$;
comment on function api.set_seat_attributes(uuid, text, int[], text[]) is 'Replaces the attributes (accessible, companion, restricted_view, aisle) of the given seats of one row in a draft layout. Returns how many seats changed. Errors: PT404, PT403, PT409, P0001.';

create function api.publish_layout_version(layout_version_id uuid)
returns int
language plpgsql volatile
as $$
declare
  lv core.layout_versions := core.draft_layout_version(publish_layout_version.layout_version_id);
  cap int;
begin
  select coalesce(sum(capacity), 0) into cap from core.sections where sections.layout_version_id = lv.id;
  if cap = 0 then
    raise exception 'Layout version % has no sections with places; add sections before publishing', lv.version
      using errcode = 'PT422';
  end if;
  update core.layout_versions set status = 'published', published_at = now() where id = lv.id;
  return cap;
end
$$;
comment on function api.publish_layout_version(uuid) is 'Freezes a draft layout version so events can be created from it. Returns its total capacity. Errors: PT404, PT403, PT409 already published, PT422 empty.';

-- Copies a layout version (zones, sections, seats with their own zones: set-based) into a
-- new draft version.
create function api.copy_layout_version(layout_version_id uuid)
returns uuid
language plpgsql volatile
as $$
declare
  src core.layout_versions;
  nid uuid;
begin
  select * into src from core.layout_versions where id = copy_layout_version.layout_version_id;
  if not found then
    raise exception 'Layout version % not found', coalesce(copy_layout_version.layout_version_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(src.org_id);
  perform 1 from core.layouts where id = src.layout_id for update; -- serialise version numbers per layout
  insert into core.layout_versions (org_id, layout_id, version)
  select src.org_id, src.layout_id, max(version) + 1 from core.layout_versions where layout_id = src.layout_id
  returning id into nid;
  -- One statement: new ids for zones and sections, then the copies (FKs are checked at the
  -- end of the statement, after every part has been inserted).
  with zm as materialized (
    select z.id as old, gen_random_uuid() as new from core.price_zones z where z.layout_version_id = src.id
  ), zi as (
    insert into core.price_zones (id, org_id, layout_version_id, name, color, rank)
    select zm.new, z.org_id, nid, z.name, z.color, z.rank from core.price_zones z join zm on zm.old = z.id
    returning 1
  ), sm as materialized (
    select s.id as old, gen_random_uuid() as new from core.sections s where s.layout_version_id = src.id
  ), si as (
    insert into core.sections (id, org_id, layout_version_id, name, kind, capacity, price_zone_id, x, y, focal_x, focal_y, sort)
    select sm.new, s.org_id, nid, s.name, s.kind, s.capacity, zm.new, s.x, s.y, s.focal_x, s.focal_y, s.sort
    from core.sections s join sm on sm.old = s.id left join zm on zm.old = s.price_zone_id
    returning 1
  )
  insert into core.seats (org_id, section_id, row_label, row_index, seat_index, seat_number, x, y, distance, attributes,
                          price_zone_id)
  select st.org_id, sm.new, st.row_label, st.row_index, st.seat_index, st.seat_number, st.x, st.y, st.distance, st.attributes,
         zm.new
  from core.seats st join sm on sm.old = st.section_id left join zm on zm.old = st.price_zone_id
  where (select count(*) from zi) >= 0 and (select count(*) from si) >= 0;
  return nid;
end
$$;
comment on function api.copy_layout_version(uuid) is 'Starts a new draft version of a layout as a copy of the given version, seat price zones included (to edit without touching events made from earlier versions). Returns the new version id. Errors: PT404, PT403.';

create function api.layout_sections(layout_version_id uuid)
returns table (id uuid, name text, kind text, capacity int, price_zone text, rows int, version int, status text)
language sql stable
as $$
  select s.id, s.name, s.kind, s.capacity, z.name,
         (select count(distinct st.row_index)::int from core.seats st where st.section_id = s.id),
         lv.version, lv.status
  from core.sections s
  join core.layout_versions lv on lv.id = s.layout_version_id
  left join core.price_zones z on z.id = s.price_zone_id
  where s.layout_version_id = layout_sections.layout_version_id
  order by s.sort, s.name
$$;
comment on function api.layout_sections(uuid) is 'The sections of a layout version with capacity, zone and row count (staff of the org; RLS hides other orgs'' layouts).';

create function api.venues()
returns table (id uuid, name text, city text, country text, layouts jsonb)
language sql stable
as $$
  select v.id, v.name, v.city, v.country,
         coalesce((select jsonb_agg(jsonb_build_object('layout_id', l.id, 'name', l.name, 'versions',
                     (select jsonb_agg(jsonb_build_object('id', lv.id, 'version', lv.version, 'status', lv.status) order by lv.version)
                      from core.layout_versions lv where lv.layout_id = l.id)))
                   from core.layouts l where l.venue_id = v.id), '[]'::jsonb)
  from core.venues v
  order by v.name
$$;
comment on function api.venues() is 'The caller''s org''s venues with their layouts and versions (RLS: own org, or all for platform admins).';

grant execute on function core.draft_layout_version(uuid), core.check_zone(core.layout_versions, uuid),
  core.row_letter(int, boolean) to staff;
grant execute on function api.create_venue(text, text, text, text, text), api.create_layout(uuid, text),
  api.add_price_zone(uuid, text, text, int), api.add_standing_section(uuid, text, int, uuid, real, real, int),
  api.build_seated_section(uuid, text, int, int, int[], int, uuid, text, text, boolean, text, int, real, real, real, real, real, real, real, real, real, real, real, boolean, text[], text[], int),
  api.set_seat_attributes(uuid, text, int[], text[]), api.publish_layout_version(uuid),
  api.copy_layout_version(uuid), api.layout_sections(uuid), api.venues()
  to staff;
