-- Events, ticket types, quotas, the status machine and series of dates.
begin;
\ir _fixture.sql
select plan(35);

create function test_support.new_event(extra text) returns text language sql as $$
  select format('select api.create_event(layout_version_id => %L, name => %L, starts_at => now() + interval ''14 days'' %s)',
                (select layout_version_id from core.events where name = 'Test Match' order by created_at desc limit 1), 'Cup Final', extra)
$$;

-- creating events: validation
select throws_ok(test_support.as_('owner_a', test_support.new_event($$, category => 'wrestling'$$)), 'P0001', null, 'an unknown category is refused');
select throws_ok(test_support.as_('owner_a', test_support.new_event($$, currency => 'XXX'$$)), 'P0001',
  'Currency "XXX" is not supported (use USD, ZAR, ZWG, KES, NGN, …)', 'an unknown currency is refused');
select throws_ok(test_support.as_('owner_a', test_support.new_event($$, ends_at => now()$$)), 'P0001', null, 'ending before the start is refused');
select throws_ok(test_support.as_('owner_a', test_support.new_event($$, hold_minutes => 0$$)), 'P0001', 'Hold duration 0 must be between 1 and 60 minutes',
  'a zero hold time is refused');
select throws_ok(test_support.as_('owner_a', test_support.new_event($$, banner_url => 'javascript:alert(1)'$$)), 'P0001', null,
  'a banner URL must be http(s) or a path');
select throws_ok(test_support.as_('owner_a', test_support.new_event($$, slug => 'Bad Slug'$$)), 'P0001', null, 'a malformed slug is refused');
select throws_ok(test_support.as_('owner_a', format('select api.create_event(layout_version_id => %L, name => %L, starts_at => %L)',
  :'lv_a', 'Old', now() - interval '3 days')), 'P0001', null, 'a start in the past is refused');

select test_support.v('owner_a', test_support.new_event($$, category => 'football', currency => 'ZAR', hold_minutes => 7$$)) #>> '{}' as ev \gset
select matches((select slug from core.events where id = :'ev'), '^cup-final-\d{4}-\d{2}-\d{2}$', 'the slug is made from the name and date');
select is((select count(*)::int from core.event_seats where event_id = :'ev'), 88, 'the layout''s 88 places are copied into the event');
select is((select count(*)::int from core.event_seats es join core.event_sections s on s.id = es.event_section_id
           where es.event_id = :'ev' and s.kind = 'standing'), 20, 'a standing section becomes one admission unit per place');
select is((select status from core.events where id = :'ev'), 'draft', 'a new event is a draft');
select throws_ok(test_support.as_('owner_a', test_support.new_event(format(', slug => %L', (select slug from core.events where id = :'ev')))),
  '23505', null, 'an explicit slug that is taken is a conflict');

-- status machine
select throws_ok(test_support.as_('owner_a', format($$select api.set_event_status(%L, 'on_sale')$$, :'ev')), 'PT422',
  'Event "Cup Final" cannot go on sale without a ticket type with a price', 'cannot publish without a ticket type');
select throws_ok(test_support.as_('owner_a', format($$select api.set_event_status(%L, 'ended')$$, :'ev')), 'PT409',
  'Event "Cup Final" cannot go from draft to ended', 'a draft cannot end');
select throws_ok(test_support.as_('owner_a', format($$select api.set_event_status(%L, 'published')$$, :'ev')), 'P0001', null, 'an unknown status is refused');

-- ticket types
select throws_ok(test_support.as_('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Adult', prices => '{"Platinum": 100}')$$, :'ev')),
  'P0001', 'Price zone "Platinum" does not exist in this event', 'a price for an unknown zone is refused');
select throws_ok(test_support.as_('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Adult', prices => '{"Gold": -5}')$$, :'ev')),
  'P0001', null, 'a negative price is refused');
select throws_ok(test_support.as_('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Adult', prices => '{"Gold": 10.5}')$$, :'ev')),
  'P0001', 'Price 10.5 for zone "Gold" must be a whole number of minor units (cents) from 0', 'money is whole minor units, never fractions');
select throws_ok(test_support.as_('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Adult', price_minor => 100, min_per_order => 5, max_per_order => 2)$$, :'ev')),
  'P0001', null, 'min above max per order is refused');
select throws_ok(test_support.as_('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Secret', price_minor => 100, hidden => true)$$, :'ev')),
  'P0001', 'A hidden ticket type needs an unlock code', 'a hidden type needs a code');
select throws_ok(test_support.as_('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Parking', kind => 'addon')$$, :'ev')),
  'P0001', 'An add-on needs price_minor', 'an add-on needs a price');
select test_support.v('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Adult', prices => '{"Gold": 2500, "Silver": 1200}')$$, :'ev')) #>> '{}' as adult \gset
select test_support.v('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Student', prices => '{"Silver": 600}')$$, :'ev')) #>> '{}' as student \gset
select is((select array_agg(price_minor order by price_minor) from core.ticket_type_prices where ticket_type_id = :'adult'), array[1200::bigint, 2500],
  'prices per zone are stored in minor units');
select throws_ok(test_support.as_('owner_a', format($$select api.create_ticket_type(event_id => %L, name => 'Adult', price_minor => 1)$$, :'ev')),
  '23505', 'Ticket type "Adult" already exists for this event', 'ticket type names are unique per event');
select lives_ok(test_support.as_('owner_a', format($$select api.set_ticket_price(%L, 2600, 'Gold')$$, :'adult')), 'a zone price can change');
select is((select price_minor from core.ticket_type_prices p join core.event_price_zones z on z.id = p.event_price_zone_id
           where p.ticket_type_id = :'adult' and z.name = 'Gold'), 2600::bigint, 'the new zone price is stored');

-- quotas
select test_support.v('owner_a', format($$select api.create_quota(%L, 'Concessions', 10, array[%L, %L]::uuid[])$$, :'ev', :'adult', :'student')) #>> '{}' as quota \gset
select is((select count(*)::int from core.quota_units where quota_id = :'quota'), 10, 'a quota of 10 is 10 units');
select throws_ok(test_support.as_('owner_a', format($$select api.create_quota(%L, 'Bad', 10, array[%L]::uuid[])$$, :'ev', :'tt_b')), 'PT404', null,
  'a quota cannot include another event''s ticket type');
select is(test_support.v('owner_a', format('select api.set_quota_capacity(%L, 4)', :'quota')), '4'::jsonb, 'a quota can shrink');
select is((select count(*)::int from core.quota_units where quota_id = :'quota'), 4, 'shrinking removes free units');

-- status machine once there are ticket types
select is(test_support.v('owner_a', format($$select api.set_event_status(%L, 'on_sale')$$, :'ev')), '"on_sale"'::jsonb, 'with a priced type the event goes on sale');
select is(test_support.v('owner_a', format($$select api.set_event_status(%L, 'sold_out')$$, :'ev')), '"sold_out"'::jsonb, 'on sale can become sold out');
select is(test_support.v('owner_a', format($$select api.set_event_status(%L, 'on_sale')$$, :'ev')), '"on_sale"'::jsonb, 'and back on sale');

-- series of dates
select test_support.v('owner_a', format($$select api.add_event_date(%L, now() + interval '15 days')$$, :'ev')) #>> '{}' as ev2 \gset
select is((select count(*)::int from core.events where series_id = (select series_id from core.events where id = :'ev')), 2,
  'the second date joins the first in a series');
select is((select count(*)::int from core.event_seats where event_id = :'ev2'), 88, 'the second date has its own inventory');
select is((select count(*)::int from core.ticket_types where event_id = :'ev2') || '/' || (select count(*) from core.quota_units u join core.quotas q on q.id = u.quota_id where q.event_id = :'ev2'),
  '2/4', 'ticket types and quotas are copied to the new date');

select * from finish();
rollback;
