-- analytics.buyer_geography (215): the longest matching calling code of each paid buyer's
-- phone, "local" / "none" / "other", ticket counts per code, and a CONCURRENTLY refresh
-- through its unique index that picks up a new order.
begin;
\ir _fixture.sql
select plan(8);

-- A paid order of `qty` Terrace Adult tickets with this phone (or an email only).
create function test_support.paid_order(ev uuid, tt uuid, section uuid, qty int, phone text, n int) returns void
language plpgsql as $$
declare
  h text;
  o text;
begin
  h := test_support.v('buyer', format($q$select api.hold_tickets(event_id => %L, items => %L, session_id => %L)$q$,
    ev, jsonb_build_array(jsonb_build_object('ticket_type_id', tt, 'quantity', qty, 'section_id', section)),
    'sess-geo-' || lpad(n::text, 6, '0'))) ->> 'token';
  o := test_support.v('buyer', format($q$select api.create_order(hold_token => %L, buyer_phone => %L, buyer_email => %L,
    attendees => %L)$q$, h, phone, case when phone is null then 'geo' || n || '@example.com' end,
    (select jsonb_agg('Fan ' || g) from generate_series(1, qty) g))) ->> 'id';
  perform test_support.run('owner_a', format($q$select api.mark_order_paid(%L, %L)$q$, o, 'pay_geo_' || n));
end $$;

select test_support.paid_order(:'event_a', :'tt_adult', :'terrace', 2, '+263771234567', 1);
select test_support.paid_order(:'event_a', :'tt_adult', :'terrace', 1, '+12025550100', 2);
select test_support.paid_order(:'event_a', :'tt_adult', :'terrace', 3, '+971501234567', 3);
select test_support.paid_order(:'event_a', :'tt_adult', :'terrace', 1, '+99912345678', 4);
select test_support.paid_order(:'event_a', :'tt_adult', :'terrace', 1, '0772123456', 5);
select test_support.paid_order(:'event_a', :'tt_adult', :'terrace', 1, null, 6);
select count(*) from core.refresh_analytics();

select is((select jsonb_object_agg(calling_code, jsonb_build_array(country, orders, tickets))
           from analytics.buyer_geography where event_id = :'event_a'),
  '{"263": ["ZW", 1, 2], "1": ["US/CA", 1, 1], "971": ["AE", 1, 3], "other": ["other", 1, 1],
    "local": ["local", 1, 1], "none": ["none", 1, 1]}'::jsonb,
  'one row per calling code: the longest code wins (971 before 91 or 9), unlisted codes are other');
select is((select sum(tickets)::int from analytics.buyer_geography where event_id = :'event_a'), 9,
  'every ticket of the paid orders is counted once');
select is((select count(*)::int from analytics.buyer_geography where event_id = :'event_b'), 0,
  'an event without paid orders has no rows');
select ok((select i.indisunique from pg_index i where i.indexrelid = 'analytics.buyer_geography_key'::regclass),
  'the view keeps its unique index for CONCURRENTLY');

-- A second order from Zimbabwe, then the CONCURRENTLY refresh (the view is populated).
select test_support.paid_order(:'event_a', :'tt_adult', :'terrace', 2, '+263712345678', 7);
select ok((select ispopulated from pg_matviews where schemaname = 'analytics' and matviewname = 'buyer_geography'),
  'the view is populated, so the next refresh is CONCURRENTLY');
select lives_ok($$refresh materialized view concurrently analytics.buyer_geography$$, 'a CONCURRENTLY refresh works');
select is((select jsonb_build_array(orders, tickets) from analytics.buyer_geography
           where event_id = :'event_a' and calling_code = '263'), '[2, 4]'::jsonb, 'it picks up the new order');
select is((select count(*)::int from analytics.buyer_geography where event_id = :'event_a'), 6,
  'and still has one row per code');

select * from finish();
rollback;
