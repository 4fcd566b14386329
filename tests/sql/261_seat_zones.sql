-- Price zones per seat and row (101, 102, 121, 260): a selection of rows/seats gets its own
-- zone in the designer, events copy it, quotes price each place in its own zone, earlier
-- events keep theirs, and bad selections are refused with clear errors.
begin;
\ir _fixture.sql
select plan(24);

create function test_support.quote(token text) returns jsonb
language sql as $$ select test_support.v('anon', format('select api.quote_hold(%L)', token)) $$;

-- Version 2 of org A's layout (Stand rows A-E x 10 in Gold, Upper in Silver): row E of the
-- Stand and seats B1-B2 go Silver.
select test_support.v('owner_a', format('select api.copy_layout_version(%L)', :'lv_a')) #>> '{}' as lv2 \gset
select id as stand2 from core.sections where layout_version_id = :'lv2' and name = 'Stand' \gset
select id as silver2 from core.price_zones where layout_version_id = :'lv2' and name = 'Silver' \gset
select id as gold2 from core.price_zones where layout_version_id = :'lv2' and name = 'Gold' \gset

select is(test_support.v('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "E"}, {"row": "B", "numbers": [1, 2]}]', %L)$$,
  :'stand2', :'silver2')), '12'::jsonb, 'a whole row and two seats go Silver in one call (12 seats)');
select is((select count(*)::int from core.seats where section_id = :'stand2' and price_zone_id = :'silver2'), 12,
  'the 12 seats carry their own zone');
select is((select count(*)::int from core.seats where section_id = :'stand2' and price_zone_id is null), 38,
  'the other 38 keep the section''s zone');
select is((select jsonb_array_length(r -> 'zones') from jsonb_array_elements(
    test_support.v('owner_a', format('select api.layout_designer(%L)', :'lv2')) -> 'sections' -> 0 -> 'rows') r
  where r ->> 'label' = 'E'), 10, 'the designer reads row E''s seat zones');
select ok(not (test_support.v('owner_a', format('select api.layout_designer(%L)', :'lv2')) -> 'sections' -> 0 -> 'rows' -> 0 ? 'zones'),
  'rows without own zones carry no zone list');
select is(test_support.v('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "B", "numbers": [2]}]', null)$$, :'stand2')),
  '1'::jsonb, 'a seat can be given back to the section''s zone');
select is(test_support.v('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "B", "numbers": [2]}]', %L)$$,
  :'stand2', :'silver2')), '1'::jsonb, 'and put back into Silver');

-- bad input ------------------------------------------------------------------------------
select throws_ok(test_support.as_('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "E"}]', %L)$$, :'stand2', :'zone_silver')),
  'PT404', 'Price zone ' || :'zone_silver' || ' is not part of this layout version', 'a zone of another layout version is refused');
select throws_ok(test_support.as_('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "E"}]', %L)$$, :'stand2', :'zone_b')),
  'PT404', 'Price zone ' || :'zone_b' || ' is not part of this layout version', 'another org''s zone is unknown');
select throws_ok(test_support.as_('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "A", "numbers": [1, 99]}, {"row": "Z"}]', %L)$$,
  :'stand2', :'silver2')), 'PT404', 'Seats A99, row Z are not in section Stand', 'unknown seats and rows are named');
select is((select price_zone_id from core.seats where section_id = :'stand2' and row_label = 'A' and seat_number = 1), null,
  'nothing changes when one seat is unknown');
select throws_ok(test_support.as_('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "A", "numbers": ["x"]}]', %L)$$,
  :'stand2', :'silver2')), 'P0001', null, 'a malformed selection is refused');
select throws_ok(test_support.as_('owner_a', format($$select api.set_seat_zone(%L, '[]', %L)$$, :'stand2', :'silver2')),
  'P0001', null, 'an empty selection is refused');
select throws_ok(test_support.as_('door_a', format($$select api.set_seat_zone(%L, '[{"row": "E"}]', %L)$$, :'stand2', :'silver2')),
  'PT403', null, 'door staff may not change zones');
select throws_ok(test_support.as_('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "E"}]', %L)$$, :'stand', :'silver2')),
  'PT404', null, 'an event section is not a layout section');

-- the event copy and prices ----------------------------------------------------------------
select test_support.run('owner_a', format('select api.publish_layout_version(%L)', :'lv2'));
select throws_ok(test_support.as_('owner_a', format($$select api.set_seat_zone(%L, '[{"row": "E"}]', %L)$$, :'stand2', :'gold2')),
  'PT409', null, 'a published version is frozen');
select test_support.v('owner_a', format($$select api.create_event(layout_version_id => %L, name => 'Zoned Match',
  starts_at => now() + interval '8 days', category => 'football')$$, :'lv2')) #>> '{}' as ev2 \gset
select test_support.v('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Adult',
  prices => '{"Gold": 1000, "Silver": 500}')$$, :'ev2')) #>> '{}' as tt2 \gset
select test_support.run('owner_a', format($$select api.set_event_status(%L, 'on_sale')$$, :'ev2'));
select id as estand2 from core.event_sections where event_id = :'ev2' and name = 'Stand' \gset
select is((select count(*)::int from core.event_seats es join core.event_price_zones z on z.id = es.price_zone_id
           where es.event_section_id = :'estand2' and z.name = 'Silver' and z.event_id = :'ev2'), 12,
  'the event copies the 12 Silver seats, in its own copy of the zone');

select test_support.v('buyer', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-zones-0001')$$,
  :'ev2', test_support.seats(:'estand2', array['E4', 'E5', 'A4', 'A5']))) ->> 'token' as h2 \gset
select test_support.quote(:'h2') as q \gset
select is((:'q'::jsonb ->> 'total_minor')::bigint, 3000::bigint, 'row E is priced Silver (2 x 500), row A Gold (2 x 1000)');
select is((select array_agg(l ->> 'reason' order by l ->> 'reason') from jsonb_array_elements(:'q'::jsonb -> 'lines') l),
  array['Price of Adult in zone Gold', 'Price of Adult in zone Silver'], 'each zone is its own line with its reason');
select is((select l ->> 'description' from jsonb_array_elements(:'q'::jsonb -> 'lines') l where l ->> 'reason' like '%Silver'),
  'Adult, Stand (Silver)', 'the line names the zone that differs from the section''s');
select is((select array_agg((t ->> 'price_minor')::int order by t ->> 'label') from jsonb_array_elements(:'q'::jsonb -> 'tickets') t),
  array[1000, 1000, 500, 500], 'each ticket carries its own seat''s price');

-- versioning: the earlier event keeps its zones; a later draft change leaves ev2 alone ---------
select test_support.v('buyer', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-zones-0002')$$,
  :'event_a', test_support.seats(:'stand', array['E4', 'E5']))) ->> 'token' as h1 \gset
select is((test_support.quote(:'h1') ->> 'total_minor')::bigint, 2000::bigint,
  'the event made from version 1 still prices row E as Gold');
select test_support.v('owner_a', format('select api.copy_layout_version(%L)', :'lv2')) #>> '{}' as lv3 \gset
select is((select count(*)::int from core.seats st join core.sections s on s.id = st.section_id
           join core.price_zones z on z.id = st.price_zone_id
           where s.layout_version_id = :'lv3' and z.layout_version_id = :'lv3' and z.name = 'Silver'), 12,
  'copying a version copies the seat zones into the copy''s own zones');
select test_support.run('owner_a', format($$select api.set_seat_zone(s.id, '[{"row": "E"}]', null) from core.sections s
  where s.layout_version_id = %L and s.name = 'Stand'$$, :'lv3'));
select is((test_support.quote(:'h2') ->> 'total_minor')::bigint, 3000::bigint,
  'changing the next draft version leaves the event made from version 2 as it was');

select * from finish();
rollback;
