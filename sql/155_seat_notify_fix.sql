-- Fix to 152_seat_notify.sql: its trigger joined the two transition tables. PL/pgSQL caches
-- the plan per session, so a nested loop planned for a one-row statement became quadratic
-- for a later 40,000-row one (found by tests/payments/webhook_test.ts: 80 s for one UPDATE).
-- Grouping the union of old and new rows by id is n log n whatever the plan.

create or replace function core.tg_event_seats__notify() returns trigger
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
