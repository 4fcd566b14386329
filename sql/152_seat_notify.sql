-- Live seat updates: one NOTIFY per statement that changes whether places are free.
--
-- A statement-level trigger with transition tables compares old and new rows of
-- core.event_seats once per UPDATE statement (a best-available hold of 8 seats, a sale of a
-- whole order, a release) and sends ONE notification on channel `seats` per event touched:
--   {"e": "<event id>", "s": {"<section id>": [seat ids…]}}
-- Standing admission units are reported as their section only (an empty list): the client
-- re-reads the section's count. Payloads stay small (Postgres allows 8000 bytes): past 150
-- seat ids the seat lists are dropped and only the sections are named. Changes of held_until
-- alone (a hold extended) are not "availability changes" and send nothing; lazy expiry
-- sends nothing either (clients poll as a fallback). lib/live.ts LISTENs once per process.

create function core.place_is_free(state text, held_until timestamptz) returns boolean
language sql stable
as $$ select state = 'open' and held_until <= now() $$;
comment on function core.place_is_free(text, timestamptz) is 'The one free rule for a place (seat or standing unit), as availability reads it.';

-- Group the union of old and new rows by id rather than joining the two transition tables:
-- PL/pgSQL caches the plan per session, and a nested loop planned for a one-row statement
-- became quadratic for a later 40,000-row one (80 s for one UPDATE).
create function core.tg_event_seats__notify() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r record;
begin
  for r in
    with changed as (
      select x.id, min(x.event_id::text)::uuid as event_id, min(x.event_section_id::text)::uuid as event_section_id,
             bool_or(x.seated) as seated
      from (select id, event_id, event_section_id, row_label is not null as seated,
                   core.place_is_free(state, held_until) as free, state from old_rows
            union all
            select id, event_id, event_section_id, row_label is not null,
                   core.place_is_free(state, held_until), state from new_rows) x
      group by x.id
      having count(distinct (x.free, x.state)) > 1
    ),
    per_section as (
      select event_id, event_section_id,
             coalesce(array_agg(id order by id) filter (where seated), '{}') as ids, count(*) as n
      from changed group by 1, 2
    )
    select event_id, sum(n) as total,
           jsonb_object_agg(event_section_id, to_jsonb(ids)) as with_ids,
           jsonb_object_agg(event_section_id, '[]'::jsonb) as without_ids
    from per_section group by event_id
  loop
    perform pg_notify('seats', jsonb_build_object('e', r.event_id,
      's', case when r.total > 150 then r.without_ids else r.with_ids end)::text);
  end loop;
  return null;
end
$$;
comment on function core.tg_event_seats__notify() is 'Statement-level: one NOTIFY seats per event per statement naming the sections (and up to 150 seat ids) whose places became free or taken.';

create trigger "95_notify" after update on core.event_seats
  referencing old table as old_rows new table as new_rows
  for each statement execute function core.tg_event_seats__notify();
