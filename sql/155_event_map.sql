-- The venue overview of the buyer's seat map: each seated section's outline, drawn from its
-- rows, and each section's focal point (the pitch or stage it faces).
--
-- A seated section's outline runs along one end of every row, front row to back, and back
-- along the other end: the first seat (lowest seat_index) of each row in row order, then the
-- last seat of each row in reverse. For straight blocks, arcs of a bowl and rows of differing
-- length alike this is the section's shape as the designer drew it. Seats never move once an
-- event exists (events copy their inventory), so the outline is as fixed as the event.

create function api.event_outlines(event_id uuid)
returns table (section_id uuid, kind text, outline real[], focal_x real, focal_y real)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events := core.readable_event(event_outlines.event_id);
begin
  return query
  select s.id, s.kind,
         (select array_agg(p.v order by p.side, p.ord, p.axis)
          from (
            -- row ends, by the unique (section, row, seat) index: two index probes per row
            select 1 as side, r.row_index as ord, a.axis, a.v
            from (select distinct es.row_index from core.event_seats es where es.event_section_id = s.id) r
            cross join lateral (select es.x, es.y from core.event_seats es
                                where es.event_section_id = s.id and es.row_index = r.row_index
                                order by es.seat_index limit 1) f
            cross join lateral (values (1, f.x), (2, f.y)) a(axis, v)
            union all
            select 2, -r.row_index, a.axis, a.v
            from (select distinct es.row_index from core.event_seats es where es.event_section_id = s.id) r
            cross join lateral (select es.x, es.y from core.event_seats es
                                where es.event_section_id = s.id and es.row_index = r.row_index
                                order by es.seat_index desc limit 1) l
            cross join lateral (values (1, l.x), (2, l.y)) a(axis, v)
          ) p),
         s.focal_x, s.focal_y
  from core.event_sections s
  where s.event_id = e.id
  order by s.sort, s.name;
end
$$;
comment on function api.event_outlines(uuid) is 'The venue overview of a public event (or any event of the caller''s org), one row per section: kind, outline (seated sections: a polygon as a flat [x1, y1, x2, y2, …] list in venue units, along the first seat of every row front to back and back along the last seats; null for standing sections, which have no seats) and the focal point the section faces (pitch or stage). Errors: PT404 unknown or not public.';

grant execute on function api.event_outlines(uuid) to anon, buyer, staff;

-- The changing half of a section's seat map: one character per seat, in the order of
-- api.section_seats (row, then position). The seat map reads the seats themselves (ids,
-- labels, positions: 390 KB and ~60 ms of CPU for a 10,000-seat stand) once, and only this
-- (10 KB, a few ms) again each time a seat of the section is taken or freed; the buyer
-- site also shares one answer per second among all buyers looking at the section.
create function api.section_status(event_section_id uuid)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  s core.event_sections := core.readable_seated_section(section_status.event_section_id);
begin
  return jsonb_build_object('section_id', s.id, 'at', now(), 'status', core.seat_status_text(s.id, null));
end
$$;
comment on function api.section_status(uuid) is 'The seat statuses of one seated section as a string with one character per seat, in api.section_seats order: f free, h held, s sold, b blocked. {section_id, at, status}. Errors: PT404, PT422 standing section.';

grant execute on function api.section_status(uuid) to anon, buyer, staff;
