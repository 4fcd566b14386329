-- What the layout designer needs beyond 101's builder: read a whole layout version for
-- drawing (rows of seats in columns), delete a section, move/turn a section, set a section's
-- price zone, put a selection of rows or seats into their own price zone (overriding the
-- section's), switch one seat attribute on or off for a selection of seats (keeping the
-- others), and import a whole layout from the designer's JSON in one transaction. Every
-- change goes through core.draft_layout_version (PT404 other org / unknown, PT403 role,
-- PT409 published), so the rules are the same as 101's.

-- The section `s` of a draft layout version the caller may change, or an error.
create function core.draft_section(s uuid) returns core.sections
language plpgsql stable
as $$
declare
  sec core.sections;
begin
  select * into sec from core.sections where id = s;
  if not found then
    raise exception 'Section % not found', coalesce(s::text, 'null') using errcode = 'PT404';
  end if;
  perform core.draft_layout_version(sec.layout_version_id);
  return sec;
end
$$;
comment on function core.draft_section(uuid) is 'The section of a draft layout version the caller may change; PT404 unknown/other org, PT403 role, PT409 published.';

create function api.layout_designer(layout_version_id uuid)
returns jsonb
language plpgsql stable
as $$
declare
  lv core.layout_versions;
  result jsonb;
begin
  select * into lv from core.layout_versions where id = layout_designer.layout_version_id;
  if not found then
    raise exception 'Layout version % not found', coalesce(layout_designer.layout_version_id::text, 'null')
      using errcode = 'PT404';
  end if;
  select jsonb_build_object(
    'id', lv.id, 'version', lv.version, 'status', lv.status,
    'layout_id', l.id, 'layout', l.name, 'venue_id', v.id, 'venue', v.name,
    'capacity', (select coalesce(sum(capacity), 0) from core.sections where sections.layout_version_id = lv.id),
    'zones', coalesce((select jsonb_agg(jsonb_build_object('id', z.id, 'name', z.name, 'color', z.color, 'rank', z.rank)
                                        order by z.rank, z.name)
                       from core.price_zones z where z.layout_version_id = lv.id), '[]'),
    'sections', coalesce((
      select jsonb_agg(jsonb_build_object(
        'id', s.id, 'name', s.name, 'kind', s.kind, 'capacity', s.capacity, 'zone_id', s.price_zone_id,
        'x', s.x, 'y', s.y, 'focal_x', s.focal_x, 'focal_y', s.focal_y, 'sort', s.sort,
        'rows', coalesce((
          select jsonb_agg(jsonb_build_object('label', r.row_label, 'index', r.row_index, 'numbers', r.numbers,
                                              'x', r.xs, 'y', r.ys, 'attributes', r.attrs)
                           -- per-seat zone ids (null: the section's), only for rows that have any
                           || case when r.own_zones then jsonb_build_object('zones', r.zones) else '{}' end
                           order by r.row_index)
          from (select st.row_label, st.row_index,
                       array_agg(st.seat_number order by st.seat_index) as numbers,
                       array_agg(st.x order by st.seat_index) as xs,
                       array_agg(st.y order by st.seat_index) as ys,
                       array_agg(array_to_string(st.attributes, ',') order by st.seat_index) as attrs,
                       array_agg(st.price_zone_id order by st.seat_index) as zones,
                       bool_or(st.price_zone_id is not null) as own_zones
                from core.seats st where st.section_id = s.id
                group by st.row_label, st.row_index) r), '[]'))
        order by s.sort, s.name)
      from core.sections s where s.layout_version_id = lv.id), '[]'))
  into result
  from core.layouts l join core.venues v on v.id = l.venue_id
  where l.id = lv.layout_id;
  return result;
end
$$;
comment on function api.layout_designer(uuid) is 'One layout version for the designer: venue, status, capacity, price zones, and every section with its rows of seats as columns (numbers, x, y, attributes as comma-separated text, and zones: each seat''s own price zone id or null for the section''s, present only on rows with such seats) in seat order. Staff of the org (RLS). Errors: PT404.';

create function api.delete_section(section_id uuid)
returns int
language plpgsql volatile
as $$
declare
  s core.sections := core.draft_section(delete_section.section_id);
begin
  delete from core.sections where id = s.id;
  return s.capacity;
end
$$;
comment on function api.delete_section(uuid) is 'Deletes a section (and its seats) from a draft layout version. Returns the places removed. Errors: PT404, PT403, PT409 published.';

-- Turns the section by rotate_deg around its label point (x, y), then moves it by (dx, dy):
-- seats and focal point alike, so every seat's distance to the focal point is unchanged.
create function api.move_section(section_id uuid, dx real default 0, dy real default 0, rotate_deg real default 0)
returns void
language plpgsql volatile
as $$
declare
  s core.sections := core.draft_section(move_section.section_id);
  t double precision := radians(coalesce(move_section.rotate_deg, 0));
  mx double precision := coalesce(move_section.dx, 0);
  my double precision := coalesce(move_section.dy, 0);
begin
  if abs(mx) > 100000 or abs(my) > 100000 or abs(coalesce(move_section.rotate_deg, 0)) > 360 then
    raise exception 'Move (%, %) or turn % degrees is out of range', move_section.dx, move_section.dy, move_section.rotate_deg
      using errcode = 'P0001';
  end if;
  update core.seats st
  set x = round((s.x + (st.x - s.x) * cos(t) - (st.y - s.y) * sin(t) + mx)::numeric, 2),
      y = round((s.y + (st.x - s.x) * sin(t) + (st.y - s.y) * cos(t) + my)::numeric, 2)
  where st.section_id = s.id;
  update core.sections
  set x = s.x + mx, y = s.y + my,
      focal_x = s.x + (s.focal_x - s.x) * cos(t) - (s.focal_y - s.y) * sin(t) + mx,
      focal_y = s.y + (s.focal_x - s.x) * sin(t) + (s.focal_y - s.y) * cos(t) + my
  where id = s.id;
end
$$;
comment on function api.move_section(uuid, real, real, real) is 'Turns a section of a draft layout by rotate_deg around its label point, then moves it by (dx, dy) (seats and focal point together). Errors: PT404, PT403, PT409, P0001 out of range.';

create function api.set_section_zone(section_id uuid, price_zone_id uuid)
returns void
language plpgsql volatile
as $$
declare
  s core.sections := core.draft_section(set_section_zone.section_id);
begin
  perform core.check_zone((select lv from core.layout_versions lv where lv.id = s.layout_version_id),
                          set_section_zone.price_zone_id);
  update core.sections set price_zone_id = set_section_zone.price_zone_id where id = s.id;
end
$$;
comment on function api.set_section_zone(uuid, uuid) is 'Puts a section of a draft layout into a price zone (null: none). Errors: PT404 section or zone, PT403, PT409.';

-- A designer selection [{"row": "A", "numbers": [1, 2]}, {"row": "B"}] as (row, number)
-- pairs; number null for a whole row.
create function core.seat_selection(seats jsonb) returns table (row_label text, seat_number int)
language sql immutable
as $$
  select e ->> 'row', n::int
  from jsonb_array_elements(seats) e
  cross join lateral jsonb_array_elements_text(case when jsonb_typeof(e -> 'numbers') = 'array' then e -> 'numbers'
                                                    else '[null]' end) n
$$;

-- Puts a selection of seats of one section into a price zone of the same layout version,
-- overriding the section's zone (price_zone_id null: back to the section's zone). seats:
-- [{"row": "A", "numbers": [1, 2]}, {"row": "B"}, …]; numbers omitted = the whole row. One
-- set-based UPDATE (index lookups by row and number), so a whole 60,000-seat bowl selected
-- row by row is one call. Every selected row and seat must exist, or nothing changes.
create function api.set_seat_zone(section_id uuid, seats jsonb, price_zone_id uuid)
returns int
language plpgsql volatile
as $$
declare
  s core.sections := core.draft_section(set_seat_zone.section_id);
  missing text[];
  changed int;
begin
  perform core.check_zone((select lv from core.layout_versions lv where lv.id = s.layout_version_id),
                          set_seat_zone.price_zone_id);
  if jsonb_typeof(set_seat_zone.seats) is distinct from 'array' or jsonb_array_length(set_seat_zone.seats) = 0
     or exists (select from jsonb_array_elements(set_seat_zone.seats) e
                where jsonb_typeof(e) <> 'object' or jsonb_typeof(e -> 'row') is distinct from 'string'
                   or coalesce(jsonb_typeof(e -> 'numbers'), 'null') not in ('array', 'null')
                   or (jsonb_typeof(e -> 'numbers') = 'array' and exists (
                         select from jsonb_array_elements(e -> 'numbers') n
                         where jsonb_typeof(n) <> 'number' or n::text !~ '^-?\d{1,6}$'))) then
    raise exception 'Seats must be a non-empty list of {"row": "A", "numbers": [1, 2]} (no numbers: the whole row), not %',
      left(coalesce(set_seat_zone.seats::text, 'null'), 80) using errcode = 'P0001';
  end if;
  select array_agg(case when x.seat_number is null then 'row ' || x.row_label else x.row_label || x.seat_number end
                   order by x.row_label, x.seat_number)
    into missing
  from (select distinct sel.row_label, sel.seat_number from core.seat_selection(set_seat_zone.seats) sel
        where sel.seat_number is null
          and not exists (select from core.seats st where st.section_id = s.id and st.row_label = sel.row_label)
        union
        -- rows and seats apart, so both are plain equality (hash) joins
        select distinct sel.row_label, sel.seat_number from core.seat_selection(set_seat_zone.seats) sel
        where sel.seat_number is not null
          and not exists (select from core.seats st where st.section_id = s.id and st.row_label = sel.row_label
                            and st.seat_number = sel.seat_number)) x;
  if missing is not null then
    raise exception '% not in section %', case when cardinality(missing) = 1 then 'Seat ' || missing[1] || ' is'
      else 'Seats ' || array_to_string(missing[1:10], ', ') || case when cardinality(missing) > 10
        then format(' and %s more', cardinality(missing) - 10) else '' end || ' are' end, s.name
      using errcode = 'PT404';
  end if;
  update core.seats st set price_zone_id = set_seat_zone.price_zone_id
  where st.section_id = s.id and st.price_zone_id is distinct from set_seat_zone.price_zone_id
    and (st.row_label in (select sel.row_label from core.seat_selection(set_seat_zone.seats) sel where sel.seat_number is null)
         or (st.row_label, st.seat_number) in (select sel.row_label, sel.seat_number from core.seat_selection(set_seat_zone.seats) sel
                                              where sel.seat_number is not null));
  get diagnostics changed = row_count;
  return changed;
end
$$;
comment on function api.set_seat_zone(uuid, jsonb, uuid) is 'Puts selected seats of a draft section into their own price zone (of the same layout version), overriding the section''s zone; price_zone_id null gives them back the section''s zone. seats: [{"row": "A", "numbers": [1, 2]}, {"row": "B"}] (no numbers = whole row); set-based, all or nothing. Returns seats changed (seats already in that zone are left alone). Errors: PT404 section, zone (another layout''s or org''s) or seats not in the section (named), PT403, PT409 published, P0001 malformed selection.';

-- seats: [{"row": "A", "numbers": [1, 2]}, …]; numbers omitted = the whole row.
create function api.set_seat_attribute(section_id uuid, seats jsonb, attribute text, "on" boolean default true)
returns int
language plpgsql volatile
as $$
declare
  s core.sections := core.draft_section(set_seat_attribute.section_id);
  changed int;
begin
  if set_seat_attribute.attribute is null or set_seat_attribute.attribute not in ('accessible', 'companion', 'restricted_view', 'aisle') then
    raise exception 'Attribute "%" must be accessible, companion, restricted_view or aisle', set_seat_attribute.attribute
      using errcode = 'P0001';
  end if;
  if jsonb_typeof(set_seat_attribute.seats) is distinct from 'array' then
    raise exception 'Seats must be a list of {"row": "A", "numbers": [1, 2]}' using errcode = 'P0001';
  end if;
  update core.seats st
  set attributes = case when set_seat_attribute."on"
                        then array(select distinct a from unnest(st.attributes || set_seat_attribute.attribute) a order by a)
                        else array_remove(st.attributes, set_seat_attribute.attribute) end
  from jsonb_array_elements(set_seat_attribute.seats) sel
  where st.section_id = s.id and st.row_label = sel ->> 'row'
    and (sel -> 'numbers' is null or jsonb_typeof(sel -> 'numbers') = 'null'
         or st.seat_number in (select n::int from jsonb_array_elements_text(sel -> 'numbers') n));
  get diagnostics changed = row_count;
  if changed = 0 then
    raise exception 'None of the selected seats are in section %', s.name using errcode = 'PT404';
  end if;
  return changed;
end
$$;
comment on function api.set_seat_attribute(uuid, jsonb, text, boolean) is 'Switches one attribute (accessible, companion, restricted_view, aisle) on or off for selected seats of a draft section, keeping their other attributes. seats: [{"row": "A", "numbers": [1, 2]}] (no numbers = whole row). Returns seats changed. Errors: PT404, PT403, PT409, P0001.';

-- Imports the designer's JSON (format "mutambo.layout/1", documented in lib/designer/README.md)
-- into a draft version: zones by name (created when missing), then sections: standing with a
-- capacity, seated by "pattern" (api.build_seated_section's arguments) or by explicit "rows".
-- All or nothing: any error rolls the whole import back.
create function api.import_layout(layout_version_id uuid, layout jsonb)
returns int
language plpgsql volatile
as $$
declare
  lv core.layout_versions := core.draft_layout_version(import_layout.layout_version_id);
  z jsonb;
  s jsonb;
  p jsonb;
  bad text;
  zid uuid;
  sid uuid;
  k int := 0;
  cap int;
begin
  if jsonb_typeof(import_layout.layout) is distinct from 'object' or import_layout.layout ->> 'format' is distinct from 'mutambo.layout/1' then
    raise exception 'The file is not a Mutambo layout (expected "format": "mutambo.layout/1")' using errcode = 'P0001';
  end if;
  for z in select * from jsonb_array_elements(coalesce(import_layout.layout -> 'zones', '[]')) loop
    if not exists (select from core.price_zones pz where pz.layout_version_id = lv.id and pz.name = z ->> 'name') then
      perform api.add_price_zone(lv.id, z ->> 'name', coalesce(z ->> 'color', '#64748b'), coalesce((z ->> 'rank')::int, 1));
    end if;
  end loop;
  for s in select * from jsonb_array_elements(coalesce(import_layout.layout -> 'sections', '[]')) loop
    k := k + 1;
    zid := null;
    if s ->> 'zone' is not null then
      select pz.id into zid from core.price_zones pz where pz.layout_version_id = lv.id and pz.name = s ->> 'zone';
      if zid is null then
        raise exception 'Section % ("%"): price zone "%" is not in the file''s zones', k, s ->> 'name', s ->> 'zone'
          using errcode = 'P0001';
      end if;
    end if;
    if s ->> 'kind' = 'standing' then
      perform api.add_standing_section(lv.id, s ->> 'name', (s ->> 'capacity')::int, zid,
        coalesce((s ->> 'x')::real, 0), coalesce((s ->> 'y')::real, 0), coalesce((s ->> 'sort')::int, k));
    elsif s ->> 'kind' = 'seated' and s ? 'pattern' then
      p := s -> 'pattern';
      perform api.build_seated_section(
        layout_version_id => lv.id, name => s ->> 'name', rows => (p ->> 'rows')::int,
        seats_per_row => (p ->> 'seats_per_row')::int,
        seats_per_row_list => (select array_agg(e::int) from jsonb_array_elements_text(p -> 'seats_per_row_list') e),
        seats_increment => coalesce((p ->> 'seats_increment')::int, 0), price_zone_id => zid,
        row_labels => coalesce(p ->> 'row_labels', 'letters'), first_row => p ->> 'first_row',
        skip_i_o => coalesce((p ->> 'skip_i_o')::boolean, true), numbering => coalesce(p ->> 'numbering', 'ltr'),
        first_seat => coalesce((p ->> 'first_seat')::int, 1),
        seat_spacing => coalesce((p ->> 'seat_spacing')::real, 1), row_spacing => coalesce((p ->> 'row_spacing')::real, 1),
        origin_x => coalesce((p ->> 'origin_x')::real, 0), origin_y => coalesce((p ->> 'origin_y')::real, 0),
        rotation_deg => coalesce((p ->> 'rotation_deg')::real, 0), arc_radius => (p ->> 'arc_radius')::real,
        arc_center_x => coalesce((p ->> 'arc_center_x')::real, 0), arc_center_y => coalesce((p ->> 'arc_center_y')::real, 0),
        arc_direction_deg => coalesce((p ->> 'arc_direction_deg')::real, 90),
        focal_x => (p ->> 'focal_x')::real, focal_y => (p ->> 'focal_y')::real,
        aisle_ends => coalesce((p ->> 'aisle_ends')::boolean, true),
        accessible_rows => coalesce((select array_agg(e) from jsonb_array_elements_text(p -> 'accessible_rows') e), '{}'),
        restricted_view_rows => coalesce((select array_agg(e) from jsonb_array_elements_text(p -> 'restricted_view_rows') e), '{}'),
        sort => coalesce((s ->> 'sort')::int, k));
    elsif s ->> 'kind' = 'seated' and jsonb_typeof(s -> 'rows') = 'array' then
      if s ->> 'name' is null or length(trim(s ->> 'name')) = 0 then
        raise exception 'Section %: a section needs a name', k using errcode = 'P0001';
      end if;
      insert into core.sections (org_id, layout_version_id, name, kind, capacity, price_zone_id, x, y, focal_x, focal_y, sort)
      values (lv.org_id, lv.id, trim(s ->> 'name'), 'seated', 0, zid, coalesce((s ->> 'x')::real, 0), coalesce((s ->> 'y')::real, 0),
              coalesce((s ->> 'focal_x')::real, 0), coalesce((s ->> 'focal_y')::real, 0), coalesce((s ->> 'sort')::int, k))
      returning id into sid;
      -- Seats' own zones: "zones" per row, one zone name (or null: the section's) per seat.
      select format('Section %s ("%s"), row "%s": %s', k, s ->> 'name', r.value ->> 'label',
                    case when jsonb_typeof(r.value -> 'zones') <> 'array'
                           or jsonb_array_length(r.value -> 'zones') <> jsonb_array_length(r.value -> 'numbers')
                         then '"zones" must have one entry (a zone name or null) per seat'
                         else format('price zone "%s" is not in the file''s zones',
                                     (select zn from jsonb_array_elements_text(r.value -> 'zones') zn
                                      where zn is not null and not exists (select from core.price_zones pz
                                                                           where pz.layout_version_id = lv.id and pz.name = zn)
                                      limit 1)) end)
        into bad
      from jsonb_array_elements(s -> 'rows') r
      where r.value ? 'zones' and jsonb_typeof(r.value -> 'zones') <> 'null'
        and (jsonb_typeof(r.value -> 'zones') <> 'array'
             or jsonb_array_length(r.value -> 'zones') <> jsonb_array_length(r.value -> 'numbers')
             or exists (select from jsonb_array_elements_text(r.value -> 'zones') zn
                        where zn is not null and not exists (select from core.price_zones pz
                                                             where pz.layout_version_id = lv.id and pz.name = zn)))
      limit 1;
      if bad is not null then
        raise exception '%', bad using errcode = 'P0001';
      end if;
      insert into core.seats (org_id, section_id, row_label, row_index, seat_index, seat_number, x, y, distance, attributes,
                              price_zone_id)
      select lv.org_id, sid, r.value ->> 'label', r.ordinality::int, i::int, (r.value -> 'numbers' ->> (i - 1)::int)::int,
             (r.value -> 'x' ->> (i - 1)::int)::real, (r.value -> 'y' ->> (i - 1)::int)::real,
             sqrt(((r.value -> 'x' ->> (i - 1)::int)::real - coalesce((s ->> 'focal_x')::real, 0)) ^ 2
                + ((r.value -> 'y' ->> (i - 1)::int)::real - coalesce((s ->> 'focal_y')::real, 0)) ^ 2),
             coalesce(string_to_array(nullif(r.value -> 'attributes' ->> (i - 1)::int, ''), ','), '{}'),
             (select pz.id from core.price_zones pz
              where pz.layout_version_id = lv.id and pz.name = r.value -> 'zones' ->> (i - 1)::int)
      from jsonb_array_elements(s -> 'rows') with ordinality r,
           generate_series(1, jsonb_array_length(r.value -> 'numbers')) i;
      get diagnostics cap = row_count;
      if cap = 0 then
        raise exception 'Section % ("%") has no seats', k, s ->> 'name' using errcode = 'P0001';
      end if;
      update core.sections set capacity = cap where id = sid;
    else
      raise exception 'Section % ("%"): kind must be "standing" (with capacity) or "seated" (with pattern or rows)', k, s ->> 'name'
        using errcode = 'P0001';
    end if;
  end loop;
  return k;
exception
  when unique_violation then
    raise exception 'Section % ("%") repeats a name or a seat already in this layout', k, s ->> 'name' using errcode = '23505';
  when invalid_text_representation or numeric_value_out_of_range or check_violation or not_null_violation then
    raise exception 'Section % ("%") has a bad value: %', k, s ->> 'name', sqlerrm using errcode = 'P0001';
end
$$;
comment on function api.import_layout(uuid, jsonb) is 'Imports a layout in the designer''s JSON format ("format": "mutambo.layout/1": zones by name, sections standing/seated by pattern or explicit rows, rows optionally with each seat''s own zone by name) into a draft version, all or nothing. Returns the number of sections added. Errors: PT404, PT403, PT409, P0001 with the section number and name, 23505.';

grant execute on function core.draft_section(uuid), core.seat_selection(jsonb) to staff;
grant execute on function api.layout_designer(uuid), api.delete_section(uuid), api.move_section(uuid, real, real, real),
  api.set_section_zone(uuid, uuid), api.set_seat_zone(uuid, jsonb, uuid), api.set_seat_attribute(uuid, jsonb, text, boolean),
  api.import_layout(uuid, jsonb)
  to staff;
