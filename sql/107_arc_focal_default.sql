-- A better default focal point for arcs. 101 put it at the arc's centre, which is equally
-- far from every seat of a row, so best-available could not prefer the middle of a row over
-- its ends. Same function, same arguments; only the default focal point of arcs changes.

create or replace function api.build_seated_section(
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
