-- Holds: explicit seats (all or nothing, named taken seats, orphan rule), standing
-- quantities, quotas, add-ons, best available with relaxation, extend once, release, lazy
-- expiry, conversion to sold inventory, the expiry job, cancellation.
begin;
\ir _fixture.sql
select plan(57);

create function test_support.hold_seats(actor text, ev uuid, labels text[], section uuid, extra text default '') returns text
language sql as $$
  select test_support.as_(actor, format('select api.hold_seats(event_id => %L, seat_ids => %L, session_id => %L %s)',
    ev, test_support.seats(section, labels), 'sess-' || actor || '-0001', extra))
$$;
create function test_support.hold_id(token text) returns uuid language sql as $$ select id from core.holds where token = $1 $$;

-- explicit seats ------------------------------------------------------------------------
select test_support.v('buyer', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_a', test_support.seats(:'stand', array['C4', 'C5', 'C6']))) as h1 \gset
select :'h1'::jsonb ->> 'token' as t1 \gset
select is((:'h1'::jsonb -> 'items' -> 0 ->> 'quantity')::int, 3, 'hold_seats holds the three seats');
select ok(:'t1' ~ '^h_[0-9a-f]{48}$', 'the hold has a long random token');
select is((:'h1'::jsonb ->> 'expires_at')::timestamptz, now() + interval '10 minutes', 'the hold expires after the event''s 10 minutes');
select is((select count(*)::int from core.event_seats where hold_id = test_support.hold_id(:'t1') and held_until > now()), 3,
  'three seat rows are held by the hold');
select is((select user_id from core.holds where token = :'t1'), (select sub from test_support.actors where name = 'buyer'),
  'a signed-in buyer owns the hold');
select throws_ok(test_support.hold_seats('buyer2', :'event_a', array['C6', 'C7', 'C8'], :'stand'), 'PT409',
  'Seat C6 in Stand is no longer available', 'a taken seat fails the hold and is named');
select is((select count(*)::int from core.event_seats where event_section_id = :'stand' and row_label = 'C' and seat_number in (7, 8)
  and held_until > now()), 0, 'all or nothing: the free seats of the failed request were not held');
select throws_ok(test_support.hold_seats('buyer2', :'event_a', array['C3', 'C4', 'C5', 'C9'], :'stand'), 'PT409',
  'Seats C4, C5 in Stand are no longer available', 'several taken seats are all named');
select throws_ok(test_support.hold_seats('buyer2', :'event_a', array['C2'], :'stand'), 'PT422',
  'Your choice would leave seats C1 in Stand, C3 in Stand on their own; choose seats next to them or leave gaps of at least two seats',
  'the orphan-seat rule refuses picks that leave single empty seats');
select throws_ok(test_support.hold_seats('buyer2', :'event_a', array['C8', 'C9', 'C10'], :'stand'), 'PT422',
  'Your choice would leave seat C7 in Stand on its own; choose seats next to it or leave a gap of at least two seats',
  'one orphan is named in the singular');
select lives_ok(test_support.hold_seats('buyer2', :'event_a', array['C7', 'C8'], :'stand'),
  'seats next to a taken block that leave two free seats are accepted');
select lives_ok(test_support.as_('owner_a', format('select api.update_event(event_id => %L, orphan_seat_rule => false)', :'event_a')),
  'the organiser turns the orphan-seat rule off');
select lives_ok(test_support.hold_seats('buyer2', :'event_a', array['C2'], :'stand'), 'without the rule a single-seat gap is allowed');
select throws_ok(test_support.as_('buyer2', format('select api.hold_seats(event_id => %L, seat_ids => %L, session_id => %L)',
  :'event_a', '{-1}', 'sess-bbbbbbbb')), 'PT404', 'Seat -1 is not a seat of this event', 'an unknown seat id is refused and named');
select throws_ok(test_support.hold_seats('buyer2', :'event_a', array['E1', 'E1'], :'stand'), 'P0001', null,
  'the same seat twice is refused');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_seats(event_id => %L, seat_ids => '{}', session_id => 'sess-bbbbbbbb')$$, :'event_a')),
  'P0001', 'Choose at least one seat', 'an empty seat list is refused');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', (select array_agg(id) from (select id from core.event_seats where event_id = :'event_a' limit 51) x))),
  'P0001', 'You can hold at most 50 seats at once, not 51', 'more than 50 seats are refused');
select throws_ok(test_support.as_('anon', format($$select api.hold_seats(event_id => %L, seat_ids => %L)$$,
  :'event_a', test_support.seats(:'stand', array['E5', 'E6']))), 'P0001', 'A hold needs a session_id or a signed-in buyer',
  'an anonymous hold needs a session id');
select throws_ok(test_support.as_('anon', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'x y')$$,
  :'event_a', test_support.seats(:'stand', array['E5', 'E6']))), 'P0001', null, 'a malformed session id is refused');
select throws_ok(test_support.hold_seats('buyer2', :'event_a', array['E5', 'E6'], :'stand', format(', ticket_type_id => %L', :'tt_child')),
  'PT422', 'Ticket type Child is not sold in Stand', 'a ticket type without a price in the seat''s zone is refused');
select throws_ok(test_support.hold_seats('buyer2', :'event_a', array['E5', 'E6'], :'stand', format(', ticket_type_id => %L', :'tt_members')),
  'PT404', format('Ticket type %s not found for this event', :'tt_members'), 'a hidden ticket type without its code looks unknown');
select lives_ok(test_support.hold_seats('buyer2', :'event_a', array['E5', 'E6'], :'stand',
  format(', ticket_type_id => %L, unlock_code => %L', :'tt_members', 'member1')), 'the unlock code (any case) opens a hidden type');

-- standing and quotas --------------------------------------------------------------------
select test_support.v('buyer', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult', 'quantity', 3)))) as h2 \gset
select is(:'h2'::jsonb -> 'items' -> 0 ->> 'section', 'Terrace', 'a standing type finds its only standing section');
select is((select (r ->> 'free')::int from jsonb_array_elements(test_support.q('anon', format('select * from api.event_sections(%L)', :'event_a'))) r
  where r ->> 'name' = 'Terrace'), 17, 'event_sections shows 17 of 20 free on the terrace');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult', 'quantity', 0)))), 'P0001',
  'Quantity 0 must be between 1 and 50', 'quantity 0 is refused');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult', 'quantity', 1000000000000)))), 'P0001',
  'Quantity 1000000000000 must be between 1 and 50', 'a huge quantity is refused');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult', 'quantity', 2.5)))), 'P0001', null,
  'a fractional quantity is refused');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb', channel => 'box_office')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult', 'quantity', 18)))), 'PT403', null,
  'a buyer cannot use the box-office channel');
select throws_ok(test_support.as_('box_a', format($$select api.hold_tickets(event_id => %L, items => %L, channel => 'box_office')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult', 'quantity', 18)))), 'PT409',
  'Only 17 places are left in Terrace', 'a standing section is never oversold');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult', 'quantity', 9)))), 'PT422',
  'You can buy at most 8 tickets of type Adult', 'the per-order maximum is enforced');
select lives_ok(test_support.as_('buyer', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_child', 'quantity', 4),
                                jsonb_build_object('ticket_type_id', :'tt_parking', 'quantity', 2)))), 'children and parking in one hold');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_child', 'quantity', 2)))), 'PT409',
  'Only 1 left of ticket type Child', 'a ticket type''s own quota is never exceeded');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_parking', 'quantity', 2)))), 'PT409',
  'Only 1 left of ticket type Parking', 'an add-on''s quota is never exceeded');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => '{"a":1}', session_id => 'sess-bbbbbbbb')$$, :'event_a')),
  'P0001', null, 'items that are not a list are refused');
select throws_ok(test_support.as_('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_b', 'quantity', 1)))), 'PT404', null,
  'another event''s ticket type is unknown here');

-- best available ---------------------------------------------------------------------------
select test_support.v('buyer', format($$select api.hold_best_available(event_id => %L, quantity => 2, section_id => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_a', :'stand')) as h3 \gset
select is((select array_agg(s ->> 'label' order by (s ->> 'number')::int) from jsonb_array_elements(:'h3'::jsonb -> 'items' -> 0 -> 'seats') s),
  array['A5', 'A6'], 'best available takes the two centre seats of the front row');
select test_support.v('buyer', format($$select api.hold_best_available(event_id => %L, quantity => 3, section_id => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_a', :'stand')) as h4 \gset
select is((select array_agg(distinct s ->> 'row') from jsonb_array_elements(:'h4'::jsonb -> 'items' -> 0 -> 'seats') s), array['B'],
  'every 3-seat block left in row A would strand one seat, so best available moves to row B');
select is((select max((s ->> 'number')::int) - min((s ->> 'number')::int) from jsonb_array_elements(:'h4'::jsonb -> 'items' -> 0 -> 'seats') s), 2,
  'the three seats are adjacent');
select is(test_support.v('buyer', format($$select api.hold_best_available(event_id => %L, quantity => 2, max_price_minor => 600, session_id => 'sess-aaaaaaaa') -> 'items' -> 0 ->> 'section'$$, :'event_a')),
  '"Upper"'::jsonb, 'a price range limits the zones searched');
select throws_ok(test_support.as_('buyer', format($$select api.hold_best_available(event_id => %L, quantity => 2, max_price_minor => 100, session_id => 'sess-aaaaaaaa')$$, :'event_a')),
  'PT404', null, 'nothing in the price range is a clear 404');
select throws_ok(test_support.as_('buyer', format($$select api.hold_best_available(event_id => %L, quantity => 21, session_id => 'sess-aaaaaaaa')$$, :'event_a')),
  'P0001', 'Quantity 21 must be between 1 and 20', 'best available takes 1 to 20 seats');
-- Upper now: row 1 has seats 1-6 with the two just held somewhere; block everything but 1, 3, 5 of row 1
update core.event_seats set hold_id = null, held_until = '-infinity' where event_section_id = :'upper';
update core.event_seats set state = case when row_label = '1' and seat_number in (1, 3, 5) then 'open' else 'blocked' end
where event_section_id = :'upper';
select id as silver from core.event_price_zones where event_id = :'event_a' and name = 'Silver' \gset
select test_support.v('buyer', format($$select api.hold_best_available(event_id => %L, quantity => 3, zone_id => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_a', :'silver')) as h5 \gset
select is((select array_agg(s ->> 'label' order by (s ->> 'number')::int) from jsonb_array_elements(:'h5'::jsonb -> 'items' -> 0 -> 'seats') s),
  array['11', '13', '15'], 'with no block of three left, best available relaxes to the same row with gaps');
select throws_ok(test_support.as_('buyer', format($$select api.hold_best_available(event_id => %L, quantity => 1, section_id => %L, session_id => 'sess-aaaaaaaa')$$, :'event_a', :'upper')),
  'PT409', null, 'a full section gives a clear conflict');

-- extend, expire, release, convert -----------------------------------------------------------
select is(test_support.v('buyer', format('select api.extend_hold(%L) -> %L', :'t1', 'extended')), 'true'::jsonb, 'a hold can be extended once');
select throws_ok(test_support.as_('buyer', format('select api.extend_hold(%L)', :'t1')), 'PT409', 'This hold has already been extended once',
  'a second extension is refused');
select core.set_hold_expiry(test_support.hold_id(:'t1'), now() - interval '1 second');
select throws_ok(test_support.as_('buyer', format('select api.get_hold(%L)', :'t1')), 'PT410', null, 'an expired hold is gone (410) before any job ran');
select lives_ok(test_support.hold_seats('buyer2', :'event_a', array['C4', 'C5', 'C6'], :'stand'),
  'the seats of an expired hold can be held again at once');
select is(core.convert_hold_to_sold(test_support.hold_id(:'h2'::jsonb ->> 'token'), '00000000-0000-4000-8000-000000000042'), 3,
  'convert_hold_to_sold sells the hold''s three terrace places');
select is(core.convert_hold_to_sold(test_support.hold_id(:'h2'::jsonb ->> 'token'), '00000000-0000-4000-8000-000000000042'), 3,
  'converting again for the same order changes nothing');
select lives_ok(test_support.as_('anon', format('select api.release_hold(%L)', :'h3'::jsonb ->> 'token')), 'release_hold gives a hold up');
select is((select count(*)::int from core.event_seats where event_section_id = :'stand' and row_label = 'A' and seat_number in (5, 6) and held_until > now()), 0,
  'released seats are free at once');
select throws_ok(test_support.as_('anon', format('select api.get_hold(%L)', 'h_' || repeat('0', 48))), 'PT404', null, 'an unknown token is a 404');
select core.set_hold_expiry(test_support.hold_id(:'h4'::jsonb ->> 'token'), now() - interval '2 minutes');
select test_support.hold_id(:'h4'::jsonb ->> 'token') as h4_id \gset
-- The job works on the whole database, where other tests may have left expired holds: count
-- what it cleared of this hold, not in total.
select ok(core.expire_holds() >= 3, 'the expiry job runs and reports the places it cleared');
select is((select count(*)::int from core.event_seats where event_section_id = :'stand' and row_label = 'B'
            and hold_id = :'h4_id'), 0,
  'the expiry job clears the places of the hold that expired (its three B seats)');
select is((select count(*)::int from core.holds where token = :'h4'::jsonb ->> 'token'), 0, 'the job deletes holds expired over a minute ago');
select lives_ok(test_support.as_('owner_a', format('select api.set_event_status(%L, %L)', :'event_a', 'cancelled')), 'cancel the event');
select is((select count(*)::int from core.event_seats where event_id = :'event_a' and state = 'open' and held_until > now()), 0,
  'cancelling releases every hold');

select * from finish();
rollback;
