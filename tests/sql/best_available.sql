-- Best available (108): adjacency, focal point, zone order, orphan rule, relaxation, lazy
-- expiry, and the same first choice as 105's full ranking. Fixture: Stand (Gold, rows A-E x
-- 10, focal point in front of row A's centre), Upper (Silver, rows 1-3 x 6, behind it).
begin;
\ir _fixture.sql
select plan(11);

-- Labels of the seats of a best-available hold, in seat order.
create function test_support.ba(args text) returns text[]
language sql as $$
  select array_agg(s ->> 'label' order by s ->> 'label')
  from jsonb_array_elements(test_support.v('buyer', 'select api.hold_best_available(' || args || ', session_id => ''sess-ba-000001'')') -> 'items')
       with ordinality as i(item, ord),
       jsonb_array_elements(i.item -> 'seats') s
$$;
create function test_support.reset_seats() returns void
language sql as $$
  update core.event_seats set state = 'open', hold_id = null, held_until = '-infinity'
  where event_id = (select event_id from core.event_sections where name = 'Stand' and event_id in
                      (select id from core.events where name = 'Test Match'));
$$;

-- adjacency and focal point
select is(test_support.ba(format('event_id => %L, quantity => 4, section_id => %L', :'event_a', :'stand')),
  array['A4', 'A5', 'A6', 'A7'], 'four adjacent seats in the middle of the front row, closest to the focal point');
select is(test_support.ba(format('event_id => %L, quantity => 3, section_id => %L', :'event_a', :'stand')),
  array['A1', 'A2', 'A3'], 'three seats that exactly fill the gap at the end of row A beat moving back a row');
select is(test_support.ba(format('event_id => %L, quantity => 2, section_id => %L', :'event_a', :'stand')),
  array['B5', 'B6'], 'two seats: both halves of A8-A10 would strand a seat, so the centre of row B (orphan rule)');

-- better zone first when no zone is given: the Stand's back row beats the Upper's front row
select test_support.reset_seats();
update core.event_seats set state = 'sold' where event_section_id = :'stand' and row_label <> 'E';
select is(test_support.ba(format('event_id => %L, quantity => 2', :'event_a')),
  array['E5', 'E6'], 'with no zone given the better zone (Gold) comes first, even its last row');
select id as silver from core.event_price_zones where event_id = :'event_a' and name = 'Silver' \gset
select is(test_support.ba(format('event_id => %L, quantity => 2, zone_id => %L', :'event_a', :'silver')),
  array['13', '14'], 'a zone limits the search to it (Upper row 1, the middle)');

-- when every block strands a seat, the best of them is still taken (the rule holds where avoidable)
select test_support.reset_seats();
update core.event_seats set state = 'sold' where event_section_id = :'stand' and not (row_label = 'C' and seat_number in (4, 5, 6));
select is(test_support.ba(format('event_id => %L, quantity => 2, section_id => %L', :'event_a', :'stand')),
  array['C5', 'C6'], 'no block avoids a lone seat: the best block (closest to the focal point) is taken anyway');

-- relaxation: neighbouring rows, then anywhere
select test_support.reset_seats();
update core.event_seats set state = 'sold' where event_section_id = :'stand'
  and not ((row_label = 'B' and seat_number in (2, 9)) or (row_label = 'C' and seat_number = 5) or (row_label = 'E' and seat_number = 1));
select is(test_support.ba(format('event_id => %L, quantity => 3, section_id => %L', :'event_a', :'stand')),
  array['B2', 'B9', 'C5'], 'no row has three free seats: two neighbouring rows');
select test_support.reset_seats();
update core.event_seats set state = 'sold' where event_section_id = :'stand'
  and not ((row_label = 'B' and seat_number in (2, 9)) or (row_label = 'E' and seat_number = 1));
select is(test_support.ba(format('event_id => %L, quantity => 3, section_id => %L', :'event_a', :'stand')),
  array['B2', 'B9', 'E1'], 'no two neighbouring rows have three: anywhere');

-- lazy expiry: seats of an expired hold are free at once, no job run
select test_support.reset_seats();
select test_support.v('buyer2', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-exp-00001')$$,
  :'event_a', test_support.seats(:'stand', array['A4', 'A5', 'A6', 'A7']))) ->> 'token' as tok \gset
select is(test_support.ba(format('event_id => %L, quantity => 2, section_id => %L', :'event_a', :'stand')),
  array['B5', 'B6'], 'while the hold lasts, its seats are not offered');
select core.set_hold_expiry((select id from core.holds where token = :'tok'), now() - interval '1 second');
select is(test_support.ba(format('event_id => %L, quantity => 4, section_id => %L', :'event_a', :'stand')),
  array['A4', 'A5', 'A6', 'A7'], 'once it has expired, the same seats are offered again');

-- the first block equals the full ranking of 105 on a ragged stand
select test_support.reset_seats();
update core.event_seats set state = 'sold' where event_section_id = :'stand' and (seat_index * 7 + row_index * 3) % 5 = 0;
select is((select array_agg(x order by x) from unnest((core.best_blocks(array[:'stand']::uuid[], 2))[1:1][1:2]) x),
  (select array_agg(x order by x) from unnest((
    with free as (
      select es.id, es.row_index, es.seat_index, es.distance,
             es.seat_index - row_number() over (partition by es.row_index order by es.seat_index) as grp
      from core.event_seats es where es.event_section_id = :'stand' and es.state = 'open' and es.held_until <= now()
    ), islands as (
      select f.*, min(f.seat_index) over w as lo, max(f.seat_index) over w as hi,
             array_agg(f.id) over (partition by f.row_index, f.grp order by f.seat_index rows between current row and 1 following) as ids,
             avg(f.distance) over (partition by f.row_index, f.grp order by f.seat_index rows between current row and 1 following) as score
      from free f window w as (partition by f.row_index, f.grp))
    select i.ids from islands i where i.hi - i.lo + 1 >= 2 and i.seat_index + 1 <= i.hi
    order by (i.seat_index - i.lo = 1 or i.hi - (i.seat_index + 1) = 1), i.score, i.row_index, i.seat_index limit 1)) x),
  'on a ragged stand the first block is the one the full ranking puts first');

select * from finish();
rollback;
