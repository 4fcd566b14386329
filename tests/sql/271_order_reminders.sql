-- Reminders the day before (once per paid order, idempotent) and change emails when an event
-- moves.
begin;
\ir _fixture.sql
select plan(4);

create function test_support.paid_order(labels text[], session text, provider text default 'paystack') returns uuid
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
    'ledger@example.com')) ->> 'id')::uuid;
  perform test_support.run('admin', format('select api.record_payment_attempt(%L, %L, %L, %s, %L)', oid, provider,
    'pi_' || session, (select total_minor from core.orders where id = oid), (select currency from core.orders where id = oid)));
  perform test_support.run('admin', format('select api.apply_payment_event(%L, %L, %L, %L)', provider, 'evt_' || session,
    'pi_' || session, 'succeeded'));
  return oid;
end $$;

select test_support.paid_order(array['A1', 'A2'], 'sess-remind-0001') as o1 \gset
select event_id as ev from core.orders where id = :'o1' \gset

update core.events set starts_at = now() + interval '12 hours', ends_at = now() + interval '15 hours' where id = :'ev';
select is((select count(*)::int from core.outbox where topic = 'orders__send_event_changed' and payload ->> 'order_id' = :'o1'),
  1, 'moving the event queues a change email for the paid order');
select ok(core.queue_order_reminders() >= 1, 'the reminder job queues the order of an event starting tomorrow');
select is((select count(*)::int from core.outbox where topic = 'orders__send_reminder' and payload ->> 'order_id' = :'o1'),
  1, 'one reminder for the order');
select is(core.queue_order_reminders(), 0, 'running the job again queues nothing');

select * from finish();
rollback;
