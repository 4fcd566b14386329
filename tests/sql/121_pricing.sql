-- Pricing: rounding, base prices by type and zone, date and sold rules, group discounts,
-- promo codes (percent, fixed, org-wide, window, limits, minimum quantity, unlocking hidden
-- types), fees, tax exclusive and inclusive, reasons on every line; the admin functions'
-- roles, cross-org refusal, bad input and audit rows.
begin;
\ir _fixture.sql
select plan(65);

insert into test_support.actors values ('promoter_a', 'promoter', :'org_a', gen_random_uuid());

create function test_support.quote(token text, promo text default null) returns jsonb
language sql as $$ select test_support.v('anon', format('select api.quote_hold(%L, %L)', token, promo)) $$;
create function test_support.line(q jsonb, k text, n int default 0) returns jsonb
language sql as $$ select l from jsonb_array_elements(q -> 'lines') with ordinality x(l, i) where l ->> 'kind' = k order by i offset n limit 1 $$;

-- rounding ---------------------------------------------------------------------------------
select is(core.percent_of(250, 1), 3::bigint, 'half a minor unit rounds up (2.5 -> 3)');
select is(core.percent_of(249, 1), 2::bigint, 'below half rounds down (2.49 -> 2)');
select is(core.percent_of(-250, 1), -3::bigint, 'negative halves round away from zero (-2.5 -> -3)');
select is(core.percent_of(1005, 10), 101::bigint, '10 % of 1005 is 100.5 -> 101');
select is(core.percent_of(333, 33.333), 111::bigint, 'fractional percentages are exact numerics (110.99889 -> 111)');

-- base prices --------------------------------------------------------------------------------
select test_support.v('buyer', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_a', test_support.seats(:'stand', array['C4', 'C5']))) ->> 'token' as t1 \gset
select test_support.quote(:'t1') as q \gset
select is((:'q'::jsonb ->> 'total_minor')::bigint, 2000::bigint, 'two Gold seats held without a type are priced as Adult: 2 x 1000');
select is(test_support.line(:'q', 'ticket') ->> 'reason', 'Price of Adult in zone Gold', 'the ticket line says why');
select is(jsonb_array_length(:'q'::jsonb -> 'tickets'), 2, 'one ticket entry per seat');
select is(:'q'::jsonb -> 'tickets' -> 0 ->> 'label', 'C4', 'tickets name their seats');
select test_support.v('buyer', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_child', 'quantity', 2),
                                jsonb_build_object('ticket_type_id', :'tt_parking', 'quantity', 1)))) ->> 'token' as t2 \gset
select test_support.quote(:'t2') as q2 \gset
select is((:'q2'::jsonb ->> 'total_minor')::bigint, 800::bigint, 'two Child on the terrace (Silver 300) and parking (200) = 800');
select is((select array_agg(l ->> 'reason' order by l ->> 'reason') from jsonb_array_elements(:'q2'::jsonb -> 'lines') l),
  array['Price of Child in zone Silver', 'Price of add-on Parking'], 'add-ons and admissions each have a reason');

-- fees and tax ---------------------------------------------------------------------------------
select lives_ok(test_support.as_('manager_a', format('select api.set_event_fees(%L, per_ticket_minor => 150, per_order_minor => 99)', :'event_a')),
  'the event manager sets booking fees');
select test_support.quote(:'t1') as q \gset
select is((:'q'::jsonb ->> 'fees_minor')::bigint, 399::bigint, 'fees: 2 x 150 per ticket + 99 per order');
select is(test_support.line(:'q', 'fee') ->> 'reason', 'Booking fee of USD 1.50 per ticket for this event', 'the fee line says why');
select lives_ok(test_support.as_('owner_a', 'select api.set_org_tax(15, inclusive => false)'), 'the owner sets an exclusive 15 % VAT');
select test_support.quote(:'t1') as q \gset
-- per line, half-up: 2000 -> 300; 300 -> 45; 99 -> 14.85 -> 15
select is((:'q'::jsonb ->> 'tax_minor')::bigint, 360::bigint, 'exclusive tax is computed per line and rounded half-up (300 + 45 + 15)');
select is((:'q'::jsonb ->> 'total_minor')::bigint, 2759::bigint, 'exclusive tax is added: 2000 + 399 + 360');
select lives_ok(test_support.as_('owner_a', 'select api.set_org_tax(15, inclusive => true)'), 'the owner makes the VAT inclusive');
select test_support.quote(:'t1') as q \gset
-- 2000 x 15/115 = 260.87 -> 261; 300 -> 39.13 -> 39; 99 -> 12.91 -> 13
select is((:'q'::jsonb ->> 'tax_minor')::bigint, 313::bigint, 'inclusive tax is extracted per line, half-up (261 + 39 + 13)');
select is((:'q'::jsonb ->> 'total_minor')::bigint, 2399::bigint, 'inclusive tax is not added to the total');
select is(test_support.line(:'q', 'tax_included') ->> 'reason',
  'VAT of 15 % included in the prices (USD 3.13), computed per line and rounded half-up', 'the tax line says why');
select lives_ok(test_support.as_('manager_a', format('select api.set_event_fees(%L, 0, 0)', :'event_a')), 'fees off again');
select lives_ok(test_support.as_('owner_a', 'select api.set_org_tax(0, true)'), 'tax off again');

-- dynamic rules, group discount ------------------------------------------------------------------
select lives_ok(test_support.as_('manager_a', format($$select api.create_pricing_rule(%L, 'Early bird', -20, ends_at => now() + interval '3 days')$$, :'event_a')),
  'an early-bird rule: -20 % until a date');
select lives_ok(test_support.as_('manager_a', format($$select api.create_pricing_rule(%L, 'Past bird', -50, ends_at => now() - interval '1 day')$$, :'event_a')),
  'a rule whose window is over');
select test_support.quote(:'t1') as q \gset
select is((test_support.line(:'q', 'price_rule') ->> 'unit_minor')::bigint, -200::bigint, 'early bird takes 200 off each 1000 ticket');
select ok(test_support.line(:'q', 'price_rule') ->> 'reason' like 'Early bird −20 % until %', 'the rule line says which rule and until when');
select is((:'q'::jsonb ->> 'total_minor')::bigint, 1600::bigint, 'the past rule does not apply');
select lives_ok(test_support.as_('manager_a', format($$select api.create_pricing_rule(%L, 'Demand', 20, sold_percent => 0)$$, :'event_a')),
  'a sold rule: +20 % once 0 % is sold (always reached)');
select lives_ok(test_support.as_('manager_a', format($$select api.create_pricing_rule(%L, 'Last seats', 50, sold_percent => 90)$$, :'event_a')),
  'a sold rule at 90 % (not reached)');
select test_support.quote(:'t1') as q \gset
select is((test_support.line(:'q', 'price_rule', 1) ->> 'unit_minor')::bigint, 160::bigint, 'the reached sold rule adds 20 % of 800');
select is(test_support.line(:'q', 'price_rule', 1) ->> 'reason', 'Demand +20 % because 0.0 % of the event is sold (rule from 0.00 %)',
  'the sold rule says how much is sold');
select lives_ok(test_support.as_('manager_a', format('select api.create_group_discount(%L, 2, 12.5)', :'event_a')),
  'a group discount: 12.5 % for 2 or more');
select test_support.quote(:'t1') as q \gset
select is((test_support.line(:'q', 'discount') ->> 'unit_minor')::bigint, -120::bigint, '12.5 % of 960 = 120 off each ticket');
select is((:'q'::jsonb ->> 'total_minor')::bigint, 1680::bigint, '2 x (1000 - 200 + 160 - 120) = 1680');
select is((:'q'::jsonb -> 'tickets' -> 0 ->> 'price_minor')::bigint, 840::bigint, 'each ticket carries its final price');

-- promo codes ---------------------------------------------------------------------------------
select lives_ok(test_support.as_('promoter_a', format($$select api.create_promo_code('summer', 'percent', percent => 10, event_id => %L)$$, :'event_a')),
  'a promoter creates a 10 % code (stored upper-case)');
select test_support.quote(:'t1', 'Summer') as q \gset
select is((test_support.line(:'q', 'discount', 1) ->> 'unit_minor')::bigint, -84::bigint, '10 % of 840 = 84 off, code in any case');
select is(test_support.line(:'q', 'discount', 1) ->> 'reason', 'Promo code SUMMER: −10 % off each Adult ticket', 'the promo line says why');
select throws_ok(format('select api.quote_hold(%L, %L)', :'t1', 'NOPE'), 'PT422', 'Promo code NOPE is not valid for this event',
  'an unknown code is refused by name');
select lives_ok(test_support.as_('owner_b', $$select api.create_promo_code('ORGB', 'fixed', amount_minor => 100)$$), 'org B has its own org-wide code');
select throws_ok(format('select api.quote_hold(%L, %L)', :'t1', 'ORGB'), 'PT422', 'Promo code ORGB is not valid for this event',
  'another org''s code does not apply here');
select lives_ok(test_support.as_('owner_a', $$select api.create_promo_code('ALLYEAR', 'fixed', amount_minor => 1000, min_quantity => 2)$$),
  'an org-wide fixed code with a minimum of 2 tickets');
select test_support.quote(:'t1', 'allyear') as q \gset
select is((test_support.line(:'q', 'discount', 1) ->> 'unit_minor')::bigint, -840::bigint, 'a fixed code never takes a ticket below 0');
select is((:'q'::jsonb ->> 'total_minor')::bigint, 0::bigint, '... so the order is free');
select is((test_support.quote(:'t2', 'ALLYEAR') ->> 'total_minor')::bigint, 200::bigint, 'the org-wide code frees both Child tickets but not the parking add-on');
select lives_ok(test_support.as_('owner_a', format($$select api.create_promo_code('OLD', 'percent', percent => 5, event_id => %L,
  valid_from => now() - interval '10 days', valid_until => now() - interval '1 day')$$, :'event_a')), 'an expired code');
select throws_ok(format('select api.quote_hold(%L, %L)', :'t1', 'OLD'), 'PT422', null, 'an expired code is refused');
select lives_ok(test_support.as_('owner_a', format($$select api.create_promo_code('KIDS', 'percent', percent => 50, event_id => %L,
  ticket_type_ids => array[%L]::uuid[])$$, :'event_a', :'tt_child')), 'a code for Child tickets only');
select throws_ok(format('select api.quote_hold(%L, %L)', :'t1', 'KIDS'), 'PT422', 'Promo code KIDS does not apply to any ticket in this order',
  'a code for other types says so');
select lives_ok(test_support.as_('owner_a', format($$select api.create_promo_code('BIG4', 'percent', percent => 5, event_id => %L, min_quantity => 4)$$, :'event_a')),
  'a code that needs 4 tickets');
select throws_ok(format('select api.quote_hold(%L, %L)', :'t1', 'BIG4'), 'PT422',
  'Promo code BIG4 needs at least 4 eligible tickets in the order (this order has 2)', 'too few tickets for the code');
select lives_ok(test_support.as_('owner_a', format($$select api.create_promo_code('VIPPASS', 'percent', percent => 100, event_id => %L,
  unlocks => array[%L]::uuid[], ticket_type_ids => array[%L]::uuid[])$$, :'event_a', :'tt_members', :'tt_members')), 'a code that unlocks the hidden Members type');
select test_support.v('buyer2', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-bbbbbbbb',
  ticket_type_id => %L, unlock_code => 'vippass')$$, :'event_a', test_support.seats(:'stand', array['E5', 'E6']), :'tt_members')) ->> 'token' as t3 \gset
select is(test_support.quote(:'t3', 'VIPPASS') -> 'tickets' -> 0 ->> 'ticket_type', 'Members', 'the promo code unlocked the hidden type at hold time');

-- admin: roles, cross-org, bad input, audit ----------------------------------------------------
select throws_ok(test_support.as_('door_a', format('select api.set_event_fees(%L, 100)', :'event_a')), 'PT403', null, 'door staff cannot set fees');
select throws_ok(test_support.as_('owner_b', format('select api.set_event_fees(%L, 100)', :'event_a')), 'PT404', null,
  'another org''s owner cannot see the event');
select throws_ok(test_support.as_('buyer', format('select api.set_event_fees(%L, 100)', :'event_a')), '42501', null, 'buyers cannot call admin functions');
select throws_ok(test_support.as_('owner_a', 'select api.set_org_tax(150)'), 'P0001', null, 'a tax rate above 100 % is refused');
select throws_ok(test_support.as_('manager_a', format($$select api.create_pricing_rule(%L, 'Both', 10, sold_percent => 50, ends_at => now() + interval '1 day')$$, :'event_a')),
  'P0001', 'A rule is either a sold rule (sold_percent) or a date rule (starts_at and/or ends_at), not both or neither', 'a rule of both kinds is refused');
select throws_ok(test_support.as_('manager_a', format($$select api.create_promo_code('SUMMER', 'percent', percent => 10, event_id => %L)$$, :'event_a')),
  '23505', 'Promo code SUMMER already exists for this event', 'a duplicate code is refused');
select throws_ok(test_support.as_('manager_a', $$select api.create_promo_code('X!', 'percent', percent => 10)$$), 'P0001', null, 'a malformed code is refused');
select throws_ok(test_support.as_('door_a', $$select api.create_promo_code('DOOR', 'percent', percent => 10)$$), 'PT403', null,
  'door staff cannot create promo codes');
select lives_ok(test_support.as_('manager_a', format($$select api.set_ticket_price(%L, 1200, 'Gold')$$, :'tt_adult')), 'the manager changes a price');
select is((select details ->> 'to' from core.audit_log where action = 'ticket_type.price_changed' and entity_id = :'tt_adult' order by id desc limit 1),
  '1200', 'the price change is audited with the new price');
select is((select count(*)::int from core.audit_log where action like 'promo_code.%' and org_id = :'org_a'), 6, 'every promo code creation is audited');

select * from finish();
rollback;
