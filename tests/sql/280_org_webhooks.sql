-- Outbound webhooks: endpoints per org (manage_integrations only, secret shown once, other
-- orgs' endpoints unknown), and the fan-out into webhooks__deliver outbox rows when an order is
-- paid, a refund is confirmed (sql/231's webhooks__order_refunded rows) and a scan admits.
begin;
\ir _fixture.sql
select plan(22);

-- endpoints
select test_support.v('owner_a', $$select api.add_webhook_endpoint('https://hooks.example.com/a', array['order.paid', 'order.refunded', 'ticket.checked_in'])$$) as ep_a \gset
select ok((:'ep_a'::jsonb ->> 'secret') ~ '^whsec_[0-9a-f]{64}$', 'adding an endpoint returns its secret once');
select test_support.v('owner_a', $$select api.add_webhook_endpoint('http://127.0.0.1:9/only-refunds', array['order.refunded'])$$) as ep_a2 \gset
select test_support.v('owner_b', $$select api.add_webhook_endpoint('https://hooks.example.com/b', array['order.paid'])$$) as ep_b \gset

select is(jsonb_array_length(test_support.q('owner_a', 'select * from api.webhook_endpoints()')), 2,
  'the owner lists the org''s two endpoints');
select is(test_support.v('owner_a', format('select count(*) from api.webhook_endpoints() where id = %L', :'ep_b'::jsonb ->> 'id'))::int,
  0, 'but not another org''s');
select is(test_support.q('owner_a', 'select * from api.webhook_endpoints()')::text ~ '[0-9a-f]{64}', false,
  'the secret is never listed again');
select throws_ok(test_support.as_('owner_a', 'select * from core.webhook_endpoints'), '42501', null,
  'staff cannot read the table (and its secrets) directly');
select throws_ok(test_support.as_('manager_a', 'select * from api.webhook_endpoints()'), 'PT403', null,
  'an event manager may not manage integrations');
select throws_ok(test_support.as_('door_a', $$select api.add_webhook_endpoint('https://x.example.com', array['order.paid'])$$),
  'PT403', null, 'door staff may not add endpoints');
select throws_ok(test_support.as_('owner_a', $$select api.add_webhook_endpoint('ftp://x.example.com', array['order.paid'])$$),
  'P0001', null, 'only http and https urls');
select throws_ok(test_support.as_('owner_a', $$select api.add_webhook_endpoint('https://x.example.com', array['order.shipped'])$$),
  'P0001', 'Event "order.shipped" is not one of order.paid, order.refunded, ticket.checked_in', 'unknown events are refused');
select throws_ok(test_support.as_('owner_a', $$select api.add_webhook_endpoint('https://x.example.com', array[]::text[])$$),
  'P0001', null, 'at least one event');
select throws_ok(test_support.as_('owner_b', format('select api.disable_webhook_endpoint(%L)', :'ep_a'::jsonb ->> 'id')),
  'PT404', null, 'another org cannot disable the endpoint');
select throws_ok(test_support.as_('owner_b', format('select * from api.webhook_deliveries(%L)', :'ep_a'::jsonb ->> 'id')),
  'PT404', null, 'nor read its deliveries');

-- order.paid: one row per subscribed active endpoint of the org
create function test_support.paid_order(labels text[], session text) returns uuid
language plpgsql as $$
declare
  tok text;
  oid uuid;
begin
  tok := test_support.v('buyer', format('select api.hold_seats(event_id => %L, seat_ids => %L, session_id => %L)',
    (select id from core.events where name = 'Test Match' and org_id = (select org_id from test_support.actors where name = 'owner_a')),
    test_support.seats((select s.id from core.event_sections s join core.events e on e.id = s.event_id
                        where e.name = 'Test Match' and s.name = 'Stand'
                          and e.org_id = (select org_id from test_support.actors where name = 'owner_a')), labels),
    session)) ->> 'token';
  oid := (test_support.v('buyer', format('select api.create_order(hold_token => %L, buyer_email => %L)', tok,
    'hooks@example.com')) ->> 'id')::uuid;
  perform test_support.run('admin', format('select api.record_payment_attempt(%L, %L, %L, %s, %L)', oid, 'paystack',
    'pi_' || session, (select total_minor from core.orders where id = oid), (select currency from core.orders where id = oid)));
  perform test_support.run('admin', format('select api.apply_payment_event(%L, %L, %L, %L)', 'paystack', 'evt_' || session,
    'pi_' || session, 'succeeded'));
  return oid;
end $$;

select test_support.paid_order(array['A1', 'A2'], 'sess-hooks-0001') as o1 \gset
select is((select count(*)::int from core.outbox where topic = 'webhooks__deliver' and payload -> 'data' ->> 'order_id' = :'o1'),
  1, 'a paid order queues one delivery (one endpoint of the org subscribes to order.paid)');
select is((select payload ->> 'endpoint_id' from core.outbox where topic = 'webhooks__deliver' and payload -> 'data' ->> 'order_id' = :'o1'),
  :'ep_a'::jsonb ->> 'id', 'to the subscribed endpoint');
select ok((select payload ->> 'type' = 'order.paid' and (payload ->> 'id')::uuid is not null and payload ? 'created_at'
             and payload -> 'data' ->> 'code' ~ '^[2-9A-HJKMNP-Z]{8}$' and org_id = :'org_a'
           from core.outbox where topic = 'webhooks__deliver' and payload -> 'data' ->> 'order_id' = :'o1'),
  'the payload is {id, type, created_at, data, endpoint_id} for the org');
update core.orders set status = 'paid' where id = :'o1';
select is((select count(*)::int from core.outbox where topic = 'webhooks__deliver' and payload -> 'data' ->> 'order_id' = :'o1'),
  1, 'an update that leaves it paid queues nothing more');

-- order.refunded, as sql/231 queues it
insert into core.outbox (org_id, topic, payload) values (:'org_a', 'webhooks__order_refunded', jsonb_build_object(
  'id', 'order.refunded:' || '00000000-0000-4000-8000-000000000001', 'type', 'order.refunded', 'order_id', :'o1',
  'code', 'ABCDEFGH', 'amount_minor', 500, 'currency', 'USD')) returning id as refunded_row \gset
select is((select count(*)::int from core.outbox where topic = 'webhooks__deliver' and payload ->> 'type' = 'order.refunded'
             and payload -> 'data' ->> 'order_id' = :'o1'), 2, 'a confirmed refund fans out to both subscribed endpoints');
select is((select count(distinct payload ->> 'id')::int from core.outbox where topic = 'webhooks__deliver'
             and payload ->> 'type' = 'order.refunded' and payload -> 'data' ->> 'order_id' = :'o1'), 1,
  'with the same event id for both');
select is((select done_at is not null from core.outbox where id = :refunded_row), true,
  'the webhooks__order_refunded row is kept as done');

-- ticket.checked_in
insert into core.gates (org_id, event_id, name) values (:'org_a', :'event_a', 'Hooks Gate') returning id as gate \gset
insert into core.scan_devices (org_id, event_id, gate_id, name) values (:'org_a', :'event_a', :'gate', 'Hooks 1') returning id as dev \gset
insert into core.scans (id, org_id, event_id, device_id, gate_id, ticket_id, direction, result, scanned_at)
select gen_random_uuid(), :'org_a', :'event_a', :'dev', :'gate', t.id, 'in', r, now()
from (select id from core.tickets where order_id = :'o1' order by id limit 1) t, unnest(array['admitted', 'already_used']) r;
select is((select count(*)::int from core.outbox where topic = 'webhooks__deliver' and payload ->> 'type' = 'ticket.checked_in'
             and payload -> 'data' ->> 'gate_id' = :'gate'), 1, 'an admitting scan queues one delivery; a refused one none');

-- disabling stops new deliveries
select lives_ok(test_support.as_('owner_a', format('select api.disable_webhook_endpoint(%L)', :'ep_a'::jsonb ->> 'id')),
  'the owner disables the endpoint');
select test_support.paid_order(array['A3'], 'sess-hooks-0002') as o2 \gset
select is((select count(*)::int from core.outbox where topic = 'webhooks__deliver' and payload -> 'data' ->> 'order_id' = :'o2'),
  0, 'a disabled endpoint gets nothing more');

select * from finish();
rollback;
