-- Reading availability: the public listing with search and filters, an event by slug,
-- per-section counts (live holds only), the seat map arrays, and levels.
begin;
\ir _fixture.sql
select plan(35);

-- the whole listing (a shared test database holds other tests' events too, so not just page 1)
create function test_support.names(actor text, args text) returns text[] language sql as $$
  select coalesce(array_agg(r ->> 'name' order by r ->> 'name'), '{}')
  from jsonb_array_elements(test_support.q(actor, format('select name from api.list_events(%s)',
    concat_ws(', ', nullif(args, ''), 'limit_count => 100')))) r
  where r ->> 'name' in ('Test Match', 'Lusaka Sounds')
$$;

select is(test_support.names('anon', ''), array['Lusaka Sounds', 'Test Match'], 'anon lists both events on sale');
select is(test_support.names('anon', $$q => 'alpha'$$), array['Test Match'], 'search finds a team name');
select is(test_support.names('anon', $$q => 'HEROES'$$), array['Lusaka Sounds'], 'search finds the venue name, any case');
select is(test_support.names('anon', $$q => '%'$$), '{}'::text[], 'a % in the search text is literal, not a wildcard');
select is(test_support.names('anon', $$city => 'lusaka'$$), array['Lusaka Sounds'], 'filter by city');
select is(test_support.names('anon', $$category => 'football'$$), array['Test Match'], 'filter by category');
select is(test_support.names('anon', $$date_from => now() + interval '8 days'$$), array['Lusaka Sounds'], 'filter by start date');
select throws_ok(test_support.as_('anon', 'select * from api.list_events(limit_count => 0)'), 'P0001', 'limit_count 0 must be between 1 and 100',
  'a zero page size is refused');
select throws_ok(test_support.as_('anon', $$select * from api.list_events(date_from => now(), date_to => now() - interval '1 day')$$), 'P0001', null,
  'an inverted date range is refused');
select is(test_support.v('anon', format('select from_price_minor from api.list_events(limit_count => 100) where id = %L', :'event_a')), '300'::jsonb,
  'the from-price is the lowest visible price (the hidden members'' type is ignored)');
select is(test_support.v('anon', format('select availability from api.list_events(limit_count => 100) where id = %L', :'event_a')), '"available"'::jsonb,
  'a fresh event is available');

-- event by slug
select slug as slug_a from core.events where id = :'event_a' \gset
select is((select array_agg(t ->> 'name' order by t ->> 'name') from jsonb_array_elements(test_support.v('anon', format('select api.event_by_slug(%L)', :'slug_a')) -> 'ticket_types') t),
  array['Adult', 'Child', 'Parking'], 'the event page lists the visible ticket types, not the hidden one');
select throws_ok(test_support.as_('anon', $$select api.event_by_slug('no-such-event')$$), 'PT404', 'Event "no-such-event" not found', 'an unknown slug is a 404');

-- counts: live holds only
update core.event_seats set hold_id = gen_random_uuid(), held_until = now() + interval '5 minutes'
where id in (select id from core.event_seats where event_section_id = :'terrace' limit 5);
update core.event_seats set hold_id = gen_random_uuid(), held_until = now() - interval '1 second'
where id in (select id from core.event_seats where event_section_id = :'terrace' and hold_id is null limit 7);
select is((select r ->> 'held' || '/' || (r ->> 'free') from jsonb_array_elements(test_support.q('anon', format('select * from api.event_sections(%L)', :'event_a'))) r
  where r ->> 'name' = 'Terrace'), '5/15', 'held counts only unexpired holds; expired ones are free again before any job runs');
select is((select r ->> 'min_price_minor' || '-' || (r ->> 'max_price_minor') from jsonb_array_elements(test_support.q('anon', format('select * from api.event_sections(%L)', :'event_a'))) r
  where r ->> 'name' = 'Terrace'), '300-500', 'sections show their visible price range');
-- limited: fewer than 20 free of 88
update core.event_seats set held_until = now() + interval '5 minutes', hold_id = gen_random_uuid()
where id in (select id from core.event_seats where event_id = :'event_a' and held_until <= now() limit 70);
select is(test_support.v('anon', format('select availability from api.list_events(limit_count => 100) where id = %L', :'event_a')), '"limited"'::jsonb,
  'with few places left the event shows as limited');
update core.event_seats set held_until = now() - interval '1 second' where event_id = :'event_a';
select is(test_support.v('anon', format('select availability from api.list_events(limit_count => 100) where id = %L', :'event_a')), '"available"'::jsonb,
  'expired holds make it available again at once');
update core.event_seats set state = 'sold' where event_id = :'event_a';
select core.refresh_section_counts(:'event_a');
select is(test_support.v('anon', format('select availability from api.list_events(limit_count => 100) where id = %L', :'event_a')), '"sold_out"'::jsonb,
  'sold places make it sold out');
update core.event_seats set state = 'open', hold_id = null, held_until = '-infinity' where event_id = :'event_a';
select core.refresh_section_counts(:'event_a');

-- seat map
select test_support.v('anon', format('select api.section_seats(%L)', :'stand')) as map \gset
select is(jsonb_array_length(:'map'::jsonb -> 'ids'), 50, 'the seat map has one entry per seat');
select is(:'map'::jsonb ->> 'status', repeat('f', 50), 'all seats are free');
select is(:'map'::jsonb -> 'rows' ->> 0 || (:'map'::jsonb -> 'numbers' ->> 0), 'A1', 'arrays are ordered by row and position');
select test_support.v('buyer', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-aaaaaaaa') ->> 'token'$$,
  :'event_a', test_support.seats(:'stand', array['A1', 'A2']))) #>> '{}' as tok \gset
update core.event_seats set state = 'sold' where id = (select test_support.seat(:'stand', 'A3'));
select is(left(test_support.v('anon', format('select api.section_seats(%L)', :'stand')) ->> 'status', 4), 'hhsf', 'held and sold seats show as h and s');
select is(left(test_support.v('anon', format('select api.section_seats(%L, %L)', :'stand', :'tok')) ->> 'status', 4), 'mmsf',
  'with its token the buyer sees their own seats as m');
select is(:'map'::jsonb -> 'zones', 'null'::jsonb, 'no seat has a zone of its own: no zone list');
select id as silver_a from core.event_price_zones where event_id = :'event_a' and name = 'Silver' \gset
update core.event_seats set price_zone_id = :'silver_a' where id = (select test_support.seat(:'stand', 'A2'));
select is((select array_agg(coalesce(z #>> '{}', '-')) from jsonb_array_elements(
             test_support.v('anon', format('select api.section_seats(%L)', :'stand')) -> 'zones') with ordinality x(z, i) where i <= 3),
  array['-', :'silver_a', '-'], 'a seat priced in a zone of its own carries that zone; the others null (their section''s)');
update core.event_seats set price_zone_id = null where id = (select test_support.seat(:'stand', 'A2'));
select throws_ok(test_support.as_('anon', format('select api.section_seats(%L)', :'terrace')), 'PT422', null, 'a standing section has no seat map');
select throws_ok(test_support.as_('anon', format('select api.section_seats(%L)', gen_random_uuid())), 'PT404', null, 'an unknown section is a 404');

-- the status half of the seat map
update core.event_seats set state = 'sold' where id = (select test_support.seat(:'stand', 'B3'));
select is(test_support.v('anon', format('select api.section_status(%L)', :'stand')) ->> 'status',
  test_support.v('anon', format('select api.section_seats(%L)', :'stand')) ->> 'status',
  'section_status gives the seat map''s statuses, seat for seat');
update core.event_seats set state = 'open' where id = (select test_support.seat(:'stand', 'B3'));
select throws_ok(test_support.as_('anon', format('select api.section_status(%L)', :'terrace')), 'PT422', null,
  'a standing section has no seat statuses');
select throws_ok(test_support.as_('anon', format('select api.section_status(%L)', gen_random_uuid())), 'PT404', null,
  'an unknown section has no seat statuses');

-- venue overview outlines
select test_support.q('anon', format('select * from api.event_outlines(%L)', :'event_a')) as outlines \gset
select is((select jsonb_array_length(r -> 'outline') from jsonb_array_elements(:'outlines'::jsonb) r where r ->> 'section_id' = :'stand'),
  20, 'a 5-row section''s outline has both ends of every row: 10 points, 20 numbers');
select is((select array[(r -> 'outline' ->> 0)::real, (r -> 'outline' ->> 1)::real] from jsonb_array_elements(:'outlines'::jsonb) r
           where r ->> 'section_id' = :'stand'),
  (select array[x, y] from core.event_seats where event_section_id = :'stand' and row_index = 1 order by seat_index limit 1),
  'the outline starts at the first seat of the front row');
select is((select array[(r -> 'outline' ->> 18)::real, (r -> 'outline' ->> 19)::real] from jsonb_array_elements(:'outlines'::jsonb) r
           where r ->> 'section_id' = :'stand'),
  (select array[x, y] from core.event_seats where event_section_id = :'stand' and row_index = 1 order by seat_index desc limit 1),
  'and comes back along the last seats to the front row''s last seat');
select is((select r -> 'outline' from jsonb_array_elements(:'outlines'::jsonb) r where r ->> 'section_id' = :'terrace'),
  'null'::jsonb, 'a standing section has no outline');
select throws_ok(test_support.as_('anon', format('select * from api.event_outlines(%L)', gen_random_uuid())), 'PT404', null,
  'an unknown event has no map');

select * from finish();
rollback;
