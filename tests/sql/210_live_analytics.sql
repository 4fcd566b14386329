-- Live dashboard stats (api.event_live_stats), the NOTIFY on sales, analytics refresh and the
-- analyst role: reads analytics, is denied core tables and api functions.
begin;
\ir _fixture.sql
select plan(17);

-- A paid order of 2 Terrace (standing) Adult tickets on org A's event.
select test_support.v('buyer', format($$select api.hold_tickets(event_id => %L,
  items => jsonb_build_array(jsonb_build_object('ticket_type_id', %L, 'quantity', 2, 'section_id', %L)),
  session_id => 'sess-live-000001')$$, :'event_a', :'tt_adult', :'terrace')) ->> 'token' as h1 \gset
select test_support.v('buyer', format($$select api.create_order(hold_token => %L, buyer_phone => '+263771234567',
  attendees => '["A One", "B Two"]')$$, :'h1')) ->> 'id' as o1 \gset
select test_support.run('owner_a', format($$select api.mark_order_paid(%L, 'pay_live_0001')$$, :'o1'));

-- stats ----------------------------------------------------------------------------------
select test_support.v('owner_a', format('select api.event_live_stats(%L)', :'event_a')) as s \gset
select is((:'s'::jsonb -> 'totals' ->> 'tickets')::int, 2, 'two tickets sold');
select is((:'s'::jsonb -> 'totals' ->> 'orders')::int, 1, 'one paid order');
select is(jsonb_array_length(:'s'::jsonb -> 'sales_per_minute'), 1, 'one minute with sales');
select ok((:'s'::jsonb -> 'revenue' -> 0 ->> 'total_minor')::bigint > 0, 'revenue by currency for the owner');
select is((select (x ->> 'sold')::int from jsonb_array_elements(:'s'::jsonb -> 'sections') x where x ->> 'name' = 'Terrace'),
  2, 'the Terrace section shows 2 sold with its map position');
select is((:'s'::jsonb ->> 'inside')::int, 0, 'nobody inside yet');
select is(test_support.v('door_a', format('select api.event_live_stats(%L)', :'event_a')) -> 'revenue', 'null'::jsonb,
  'door staff see the dashboard without money');
select throws_ok(test_support.as_('owner_b', format('select api.event_live_stats(%L)', :'event_a')), 'PT404', null,
  'another org''s event is unknown');
select throws_ok(test_support.as_('anon', format('select api.event_live_stats(%L)', :'event_a')), '42501', null,
  'anon may not call it');
select throws_ok(test_support.as_('owner_a', format('select api.event_live_stats(%L, now() - interval ''8 days'')', :'event_a')),
  'P0001', null, 'a window over 7 days is refused');

-- analytics --------------------------------------------------------------------------------
select ok((select count(*) from core.refresh_analytics()) >= 7, 'refresh_analytics refreshes every view');
select is((select sum(items)::int from analytics.daily_sales where event_id = :'event_a'), 2,
  'daily_sales counts the two tickets');
select is((select sold::int from analytics.section_occupancy where event_section_id = :'terrace'), 2,
  'section_occupancy: 2 sold in the Terrace');
select is((select country from analytics.buyer_geography where event_id = :'event_a'), 'ZW',
  'buyer geography from the phone''s calling code, no phone number');

insert into test_support.actors values ('analyst', 'analyst', null, null);
select ok((test_support.v('analyst', 'select count(*) from analytics.daily_sales'))::int >= 1,
  'analyst (set local role analyst) reads analytics views');
select throws_ok(test_support.as_('analyst', 'select count(*) from core.orders'), '42501', null, 'analyst is denied core tables');
select throws_ok(test_support.as_('analyst', format('select api.event_live_stats(%L)', :'event_a')), '42501', null,
  'analyst is denied api functions');

select * from finish();
rollback;
