-- Orders and tickets: create_order from a hold (frozen while pending), get_order by code and
-- token, mark_order_paid (idempotent; conflicting reference), tickets, expire, cancel
-- (pending and paid), payment deadline, complimentary orders, event cancellation, audit and
-- outbox rows, bad input and cross-org refusal.
begin;
\ir _fixture.sql
select plan(67);

insert into test_support.actors values ('finance_a', 'finance', :'org_a', gen_random_uuid());

create function test_support.hold(actor text, labels text[], extra text default '') returns text
language sql as $$
  select test_support.v(actor, format('select api.hold_seats(event_id => %L, seat_ids => %L, session_id => %L %s)',
    (select id from core.events where name = 'Test Match' and org_id = (select org_id from test_support.actors where name = 'owner_a')),
    test_support.seats((select s.id from core.event_sections s join core.events e on e.id = s.event_id
                        where e.name = 'Test Match' and s.name = 'Stand' and e.org_id = (select org_id from test_support.actors where name = 'owner_a')), labels),
    'sess-' || actor || '-0001', extra)) ->> 'token'
$$;
create function test_support.order_of(token text) returns core.orders
language sql as $$ select o.* from core.orders o join core.holds h on h.id = o.hold_id where h.token = $1 $$;

-- create_order ---------------------------------------------------------------------------
select test_support.hold('buyer', array['C4', 'C5', 'C6']) as t1 \gset
select test_support.v('buyer', format($$select api.create_order(hold_token => %L, buyer_email => ' Tendai@Example.com ',
  attendees => '["Tendai Moyo", {"name": "Ama Mensah"}, "Kofi Boateng"]')$$, :'t1')) as o1 \gset
select :'o1'::jsonb ->> 'id' as o1_id, :'o1'::jsonb ->> 'code' as o1_code, :'o1'::jsonb ->> 'access_token' as o1_token \gset
select is(:'o1'::jsonb ->> 'status', 'pending_payment', 'a new order waits for payment');
select is((:'o1'::jsonb ->> 'total_minor')::bigint, 3000::bigint, 'three Adult seats in Gold cost 3 x 1000');
select ok(:'o1_code' ~ '^[2-9A-HJKMNP-Z]{8}$' and core.normalize_order_code(:'o1_code') = :'o1_code',
  'the order code is 8 characters without 0/O/1/I/L and its check character is right');
select ok(:'o1_token' ~ '^o_[A-Za-z0-9_-]{32}$', 'the access token is long and url-safe');
select is(:'o1'::jsonb ->> 'buyer_email', 'tendai@example.com', 'the email is trimmed and lower-cased');
select is((select array_agg(attendee_name order by id) from core.order_items where order_id = :'o1_id'),
  array['Tendai Moyo', 'Ama Mensah', 'Kofi Boateng'], 'attendee names are stored per ticket, in order');
select is((select expires_at from core.holds where token = :'t1'), (:'o1'::jsonb ->> 'expires_at')::timestamptz,
  'the hold is kept until the order''s payment deadline');
select is((select count(*)::int from core.event_seats where hold_id = (select id from core.holds where token = :'t1')
  and held_until = (:'o1'::jsonb ->> 'expires_at')::timestamptz), 3, 'every held seat is kept until the deadline too');
select is((:'o1'::jsonb ->> 'expires_at')::timestamptz, now() + interval '15 minutes', 'the buyer has 15 minutes to pay');
select throws_ok(test_support.as_('buyer', format($$select api.hold_seats(event_id => %L, seat_ids => %L, hold_token => %L)$$,
  :'event_a', test_support.seats(:'stand', array['E1', 'E2']), :'t1')), 'PT409', 'This hold has already become an order',
  'a hold that became an order takes no more seats');
select throws_ok(test_support.as_('buyer', format('select api.release_hold(%L)', :'t1')), 'PT409', null,
  'a hold with an order awaiting payment cannot be released');
select throws_ok(test_support.as_('buyer', format('select api.extend_hold(%L)', :'t1')), 'PT409', null,
  'nor shortened by extending it');
select throws_ok(test_support.as_('buyer', format($$select api.create_order(hold_token => %L, buyer_email => 'x@example.com')$$, :'t1')),
  'PT409', format('This hold has already become order %s', :'o1_code'), 'one hold makes one order');

-- get_order -------------------------------------------------------------------------------
select is(test_support.v('anon', format('select api.get_order(%L, %L)', lower(left(:'o1_code', 4) || '-' || right(:'o1_code', 4)), :'o1_token')) ->> 'id',
  :'o1_id', 'the buyer reads the order by code (any case, with a dash) and token');
select throws_ok(test_support.as_('anon', format('select api.get_order(%L, %L)', :'o1_code', 'o_wrong')), 'PT404', null,
  'a wrong token finds nothing');
select throws_ok(test_support.as_('anon', format('select api.get_order(%L, %L)',
  left(:'o1_code', 7) || case when right(:'o1_code', 1) = '2' then '3' else '2' end, :'o1_token')), 'P0001', null,
  'a code with a wrong check character is refused as mistyped');
select is(jsonb_array_length(test_support.v('anon', format('select api.get_order(%L, %L)', :'o1_code', :'o1_token')) -> 'tickets'), 0,
  'no tickets before payment');

-- mark paid ---------------------------------------------------------------------------------
select throws_ok(test_support.as_('anon', format($$select api.mark_order_paid(%L, 'pay_0001')$$, :'o1_id')), '42501', null,
  'anonymous callers cannot mark orders paid');
select throws_ok(test_support.as_('buyer', format($$select api.mark_order_paid(%L, 'pay_0001')$$, :'o1_id')), '42501', null,
  'buyers cannot mark orders paid');
select throws_ok(test_support.as_('owner_b', format($$select api.mark_order_paid(%L, 'pay_0001')$$, :'o1_id')), 'PT404', null,
  'another org''s owner does not even see the order');
select throws_ok(test_support.as_('door_a', format($$select api.mark_order_paid(%L, 'pay_0001')$$, :'o1_id')), 'PT403', null,
  'door staff may not mark orders paid');
select throws_ok(test_support.as_('manager_a', format($$select api.mark_order_paid(%L, 'pay_0001', amount_minor => 2999)$$, :'o1_id')),
  'PT422', 'Payment of USD 29.99 does not match the order total USD 30.00', 'a payment of the wrong amount is refused');
select throws_ok(test_support.as_('manager_a', format($$select api.mark_order_paid(%L, '')$$, :'o1_id')), 'P0001', null,
  'an empty payment reference is refused');
select is(test_support.v('finance_a', format($$select api.mark_order_paid(%L, 'pay_0001', 'sandbox', 3000)$$, :'o1_id')) ->> 'status',
  'paid', 'finance marks the order paid with the provider''s reference');
select is((select count(*)::int from core.tickets where order_id = :'o1_id'), 3, 'one ticket per admission is issued');
select is((select count(*)::int from core.event_seats where order_id = :'o1_id' and state = 'sold'), 3, 'the held seats are sold');
select is(test_support.v('manager_a', format($$select api.mark_order_paid(%L, 'pay_0001', 'sandbox')$$, :'o1_id')) ->> 'status',
  'paid', 'the same payment reported again returns the same order');
select is((select count(*)::int from core.tickets where order_id = :'o1_id'), 3, '... and issues no more tickets');
select throws_ok(test_support.as_('manager_a', format($$select api.mark_order_paid(%L, 'pay_0002')$$, :'o1_id')), 'PT409',
  format('Order %s is already paid with another payment (pay_0001)', :'o1_code'), 'another reference on a paid order is a conflict');
select ok((select bool_and(secret ~ '^[A-Za-z0-9_-]{24}$') and count(distinct secret) = 3 from core.tickets where order_id = :'o1_id'),
  'each ticket has its own 144-bit url-safe secret');
select ok((select bool_and(core.ticket_is_valid(t)) from core.tickets t where order_id = :'o1_id'), 'the tickets of a paid order are valid');
select is(jsonb_array_length(test_support.v('anon', format('select api.get_order(%L, %L)', :'o1_code', :'o1_token')) -> 'tickets'), 3,
  'the buyer now sees three tickets with their secrets');
select is((select count(*)::int from core.outbox where topic = 'orders__send_confirmation' and payload ->> 'order_id' = :'o1_id'), 1,
  'one confirmation email is queued in the outbox');
select is((select array_agg(action order by id) from core.audit_log where entity_id = :'o1_id'), array['order.created', 'order.paid'],
  'the audit log has the order''s creation and payment');
select is((select actor_role from core.audit_log where entity_id = :'o1_id' and action = 'order.paid'), 'finance',
  'the audit row names the actor''s role');
select is(test_support.v('owner_b', format('select count(*) from core.audit_log where org_id = %L', :'org_a'))::int, 0,
  'another org reads none of this org''s audit rows');

-- bad input ---------------------------------------------------------------------------------
select test_support.hold('buyer2', array['A1', 'A2']) as t2 \gset
select throws_ok(test_support.as_('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'not-an-email')$$, :'t2')),
  'P0001', 'Email "not-an-email" is not a valid address', 'a malformed email is refused');
select throws_ok(test_support.as_('buyer2', format($$select api.create_order(hold_token => %L)$$, :'t2')),
  'P0001', 'Give the buyer''s email or phone number so the tickets can be sent', 'a web order needs a way to reach the buyer');
select throws_ok(test_support.as_('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com', attendees => '["One"]')$$, :'t2')),
  'P0001', 'Give one attendee name per ticket: 1 names for 2 tickets', 'attendee names must match the tickets');
select throws_ok(test_support.as_('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com', attendees => '"Ann"')$$, :'t2')),
  'P0001', null, 'attendees must be a list');
select throws_ok(test_support.as_('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com', buyer_phone => '12ab')$$, :'t2')),
  'P0001', null, 'a malformed phone number is refused');
select throws_ok(test_support.as_('buyer2', $$select api.create_order(hold_token => 'h_nope', buyer_email => 'b@example.com')$$),
  'PT404', null, 'an unknown hold token is refused');
select throws_ok(test_support.as_('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com', channel => 'box_office')$$, :'t2')),
  'PT403', null, 'a buyer cannot turn a web hold into a box-office sale');
select is((select count(*)::int from core.orders where hold_id = (select id from core.holds where token = :'t2')), 0,
  'no partial writes: the refused requests made no order');
select core.set_hold_expiry((select id from core.holds where token = :'t2'), now() - interval '1 second');
select throws_ok(test_support.as_('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com')$$, :'t2')),
  'PT410', null, 'an expired hold cannot become an order');

-- expire, cancel, deadline -------------------------------------------------------------------
select test_support.v('buyer2', format($$select api.hold_tickets(event_id => %L, items => %L, session_id => 'sess-bbbbbbbb')$$,
  :'event_a', jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult', 'quantity', 4)))) ->> 'token' as t3 \gset
select test_support.v('buyer2', format($$select api.create_order(hold_token => %L, buyer_phone => '+263 77 123 4567')$$, :'t3')) ->> 'id' as o3 \gset
select is((select count(*)::int from core.event_seats where event_section_id = :'terrace' and held_until > now()), 4, 'the order keeps 4 terrace places');
select is(test_support.v('manager_a', format('select api.expire_order(%L)', :'o3')) ->> 'status', 'expired', 'the payment side expires an order');
select is((select count(*)::int from core.event_seats where event_section_id = :'terrace' and held_until > now()), 0,
  'an expired order''s places are free again at once');
select throws_ok(test_support.as_('manager_a', format($$select api.mark_order_paid(%L, 'pay_0003')$$, :'o3')), 'PT409', null,
  'an expired order cannot be paid');

select test_support.hold('buyer2', array['D1', 'D2']) as t4 \gset
select test_support.v('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com')$$, :'t4')) ->> 'id' as o4 \gset
select is(test_support.v('box_a', format($$select api.cancel_order(%L, 'Changed mind')$$, :'o4')) ->> 'status', 'cancelled',
  'box office cancels a pending order');
select is((select count(*)::int from core.event_seats where event_section_id = :'stand' and row_label = 'D' and held_until > now()), 0,
  'a cancelled order''s seats are free again');

select test_support.hold('buyer2', array['D5', 'D6']) as t5 \gset
select test_support.v('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com')$$, :'t5')) ->> 'id' as o5 \gset
update core.orders set expires_at = now() - interval '1 second' where id = :'o5';
select core.set_hold_expiry((select id from core.holds where token = :'t5'), now() - interval '1 second');
select throws_ok(test_support.as_('manager_a', format($$select api.mark_order_paid(%L, 'pay_0005')$$, :'o5')), 'PT410', null,
  'a payment after the deadline is refused');
select is(core.expire_orders(), 1, 'the orders__expire job expires the overdue order');
select is((select status from core.orders where id = :'o5'), 'expired', '... which is now expired');

-- cancel a paid order -------------------------------------------------------------------------
select test_support.hold('buyer2', array['B9', 'B10']) as t6 \gset
select test_support.v('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com')$$, :'t6')) ->> 'id' as o6 \gset
select test_support.v('manager_a', format($$select api.mark_order_paid(%L, 'pay_0006')$$, :'o6')) is not null;
select throws_ok(test_support.as_('box_a', format('select api.cancel_order(%L)', :'o6')), 'PT403', null,
  'box office agents cannot cancel paid orders');
select is(test_support.v('manager_a', format($$select api.cancel_order(%L, 'Duplicate purchase')$$, :'o6')) ->> 'status', 'refund_pending',
  'a cancelled paid order waits for its refund');
select ok((select not bool_or(core.ticket_is_valid(t)) from core.tickets t where order_id = :'o6'), 'its tickets no longer admit');
select is((select count(*)::int from core.event_seats where event_section_id = :'stand' and row_label = 'B' and seat_number in (9, 10)
  and state = 'open'), 2, 'its seats are back on sale');

-- complimentary --------------------------------------------------------------------------------
select test_support.v('manager_a', format($$select api.hold_seats(event_id => %L, seat_ids => %L, channel => 'complimentary')$$,
  :'event_a', test_support.seats(:'stand', array['E9', 'E10']))) ->> 'token' as t7 \gset
select throws_ok(test_support.as_('box_a', format($$select api.create_order(hold_token => %L, buyer_name => 'Guest')$$, :'t7')), 'PT403',
  'Only the organiser (owner or event manager) can issue complimentary tickets', 'box office agents cannot issue comps');
select test_support.v('manager_a', format($$select api.create_order(hold_token => %L, buyer_name => 'Sponsor guest')$$, :'t7')) as o7 \gset
select is(array[:'o7'::jsonb ->> 'status', :'o7'::jsonb ->> 'total_minor', jsonb_array_length(:'o7'::jsonb -> 'tickets')::text],
  array['paid', '0', '2'], 'a complimentary order is free, paid at once, with its tickets');
select is((select count(*)::int from core.audit_log where entity_id = :'o7'::jsonb ->> 'id' and action = 'order.complimentary_created'), 1,
  'comps are audited');

-- cross-org, event cancellation --------------------------------------------------------------------
select throws_ok(test_support.as_('owner_b', format('select api.get_order_for_staff(%L)', :'o1_id')), 'PT404', null,
  'another org cannot read the order');
select test_support.hold('buyer2', array['A9', 'A10']) as t8 \gset
select test_support.v('buyer2', format($$select api.create_order(hold_token => %L, buyer_email => 'b@example.com')$$, :'t8')) ->> 'id' as o8 \gset
select lives_ok(test_support.as_('owner_a', format($$select api.set_event_status(%L, 'cancelled')$$, :'event_a')), 'the organiser cancels the event');
select is((select status from core.orders where id = :'o1_id'), 'refund_pending', 'its paid orders are marked for refund');
select is((select status from core.orders where id = :'o8'), 'cancelled', 'its pending orders are cancelled');
select is((select count(*)::int from core.outbox where topic = 'orders__refund' and payload ->> 'order_id' in (:'o1_id', :'o7'::jsonb ->> 'id')), 2,
  'a refund is queued for each paid order');
select is((select count(*)::int from core.audit_log where action = 'event.status_changed' and entity_id = :'event_a'
  and details ->> 'to' = 'cancelled'), 1, 'the event''s status change is audited');

select * from finish();
rollback;
