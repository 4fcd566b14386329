-- Ledger: a paid order posts once and balances; the balance trigger refuses unbalanced
-- transactions; entries are append-only; refunds (amount, per ticket, full through
-- cancel/refund_order) post on confirmation only, once; trial balance sums to zero;
-- settlement import with each exception kind; finance reads and cross-org refusal.
begin;
\ir _fixture.sql
select plan(52);

insert into test_support.actors values ('finance_a', 'finance', :'org_a', gen_random_uuid());

-- a paid order of org A: seats of the Stand (Gold, 1000 each) paid through a provider
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

create function test_support.balance(org uuid, kind text, currency text default 'USD') returns bigint
language sql as $$ select coalesce(sum(balance_minor), 0)::bigint from analytics.trial_balance t
  where t.org_id = org and t.kind = balance.kind and t.currency = balance.currency $$;

select test_support.paid_order(array['A1', 'A2', 'A3'], 'sess-ledger-0001') as o1 \gset
select currency as cur from core.orders where id = :'o1' \gset

-- posting ----------------------------------------------------------------------------------
select is((select count(*)::int from core.ledger_transactions where order_id = :'o1' and kind = 'payment'), 1,
  'a paid order posts one payment transaction');
select is((select sum(amount_minor)::bigint from core.ledger_entries e join core.ledger_transactions t on t.id = e.transaction_id
           where t.order_id = :'o1'), 0::bigint, 'its entries balance');
select is(test_support.balance(:'org_a', 'provider_clearing', :'cur'), 3000::bigint, 'the provider clearing account holds the total');
select is(test_support.balance(:'org_a', 'organiser_revenue', :'cur'), -3000::bigint, 'revenue is credited (no fees or tax in the quote)');
select is(core.post_order_paid((select o from core.orders o where id = :'o1')), null, 'posting the same order again posts nothing');
select lives_ok(test_support.as_('manager_a', format($$select api.mark_order_paid(%L, 'pi_sess-ledger-0001', 'paystack')$$, :'o1')),
  'marking it paid again with the same reference is fine');
select is((select count(*)::int from core.ledger_transactions where order_id = :'o1'), 1, 'and still posts only once');

-- integrity --------------------------------------------------------------------------------
savepoint s1;
select throws_ok($$
  with t as (insert into core.ledger_transactions (org_id, kind, source_key, description)
             values ((select org_id from test_support.actors where name = 'owner_a'), 'adjustment', 'test:unbalanced', 'x') returning id, org_id)
  insert into core.ledger_entries (org_id, transaction_id, account_id, currency, amount_minor)
  select t.org_id, t.id, a.id, a.currency, v from t, core.ledger_accounts a, (values (100), (-99)) x(v)
  where a.org_id = t.org_id and a.kind = 'provider_clearing' limit 2;
  set constraints all immediate$$, '23514', null, 'an unbalanced transaction is refused at commit (constraint trigger)');
rollback to s1;
select throws_ok($$
  with t as (insert into core.ledger_transactions (org_id, kind, source_key, description)
             values ((select org_id from test_support.actors where name = 'owner_a'), 'adjustment', 'test:one', 'x') returning id, org_id)
  insert into core.ledger_entries (org_id, transaction_id, account_id, currency, amount_minor)
  select t.org_id, t.id, a.id, a.currency, 0 + 5 from t, core.ledger_accounts a where a.org_id = t.org_id and a.kind = 'provider_clearing';
  set constraints all immediate$$, '23514', null, 'a transaction with a single entry is refused');
rollback to s1;
select throws_ok($$
  with t as (insert into core.ledger_transactions (org_id, kind, source_key, description)
             values ((select org_id from test_support.actors where name = 'owner_a'), 'adjustment', 'test:twocur', 'x') returning id, org_id)
  insert into core.ledger_entries (org_id, transaction_id, account_id, currency, amount_minor)
  select t.org_id, t.id, core.ledger_account(t.org_id, 'bank', c), c, v from t, (values ('USD', 100), ('ZAR', -100)) x(c, v);
  set constraints all immediate$$, '23514', null, 'debits in one currency cannot balance credits in another');
rollback to s1;
select throws_ok(format($$update core.ledger_entries set amount_minor = 1 where transaction_id in
  (select id from core.ledger_transactions where order_id = %L)$$, :'o1'), '55000', null, 'entries cannot be updated');
select throws_ok(format($$delete from core.ledger_entries where transaction_id in
  (select id from core.ledger_transactions where order_id = %L)$$, :'o1'), '55000', null, 'entries cannot be deleted');
select throws_ok(format($$delete from core.ledger_transactions where order_id = %L$$, :'o1'), '55000', null,
  'transactions cannot be deleted');
select isnt(core.reverse_ledger_transaction((select id from core.ledger_transactions where order_id = :'o1'), 'test'), null,
  'a correction is a reversing transaction');
select is(test_support.balance(:'org_a', 'provider_clearing', :'cur'), 0::bigint, 'which brings the balance back');
rollback to s1;
select throws_ok(test_support.as_('owner_a', 'select * from core.ledger_entries'), '42501', null,
  'staff cannot read the ledger tables directly');

-- refunds ----------------------------------------------------------------------------------
select throws_ok(test_support.as_('door_a', format($$select api.request_refund(%L, 'Rain')$$, :'o1')), 'PT403', null,
  'door staff cannot refund');
select throws_ok(test_support.as_('owner_b', format($$select api.request_refund(%L, 'Rain')$$, :'o1')), 'PT404', null,
  'another org''s order is not found');
select throws_ok(test_support.as_('finance_a', format($$select api.request_refund(%L, 'Rain', amount_minor => 3001)$$, :'o1')),
  'P0001', null, 'more than the order took is refused');
select test_support.v('finance_a', format($$select api.request_refund(%L, 'Goodwill', amount_minor => 500)$$, :'o1')) as r1 \gset
select is(:'r1'::jsonb ->> 'status', 'requested', 'a partial refund is requested');
select is((select count(*)::int from core.ledger_transactions where order_id = :'o1' and kind = 'refund'), 0,
  'nothing is posted before the provider confirms');
select is((select count(*)::int from core.outbox where topic = 'refunds__submit' and payload ->> 'refund_id' = :'r1'::jsonb ->> 'id'), 1,
  'the refund is queued for the provider');
select throws_ok(test_support.as_('finance_a', format($$select api.confirm_refund(%L, 'succeeded')$$, :'r1'::jsonb ->> 'id')),
  'PT403', null, 'only the payment service confirms refunds');
select lives_ok(test_support.as_('admin', format($$select api.confirm_refund(%L, 'succeeded', 're_1')$$, :'r1'::jsonb ->> 'id')),
  'the payment service confirms it');
select is(test_support.v('admin', format($$select api.confirm_refund(%L, 'failed')$$, :'r1'::jsonb ->> 'id')) -> 'replay', 'true'::jsonb,
  'a second answer changes nothing');
select is((select count(*)::int from core.ledger_transactions where order_id = :'o1' and kind = 'refund'), 1, 'the refund posts once');
select is(test_support.balance(:'org_a', 'provider_clearing', :'cur'), 2500::bigint, 'clearing holds payments minus refunds');
select is((select status from core.orders where id = :'o1'), 'paid', 'after a partial refund the order stays paid');

-- per ticket: one of three tickets, its seat released
select id as t1, seat_id as t1_seat from core.tickets where order_id = :'o1' order by id limit 1 \gset
select test_support.v('finance_a', format($$select api.request_refund(%L, 'Cannot come', ticket_ids => array[%L]::uuid[])$$,
  :'o1', :'t1')) as r2 \gset
select is((:'r2'::jsonb ->> 'amount_minor')::bigint, 1000::bigint, 'one ticket of three refunds its share (1000)');
select is((select status from core.tickets where id = :'t1'), 'refunded', 'the refunded ticket stops admitting');
select is((select state from core.event_seats where id = :'t1_seat'), 'open', 'its seat is back on sale (policy release)');

-- full refund through the admin's refund_order (cancel_order -> orders__refund -> refund row)
select test_support.paid_order(array['B1', 'B2'], 'sess-ledger-0002') as o2 \gset
select lives_ok(test_support.as_('finance_a', format($$select api.refund_order(%L, 'Event moved')$$, :'o2')),
  'refund_order of a whole order');
select id as r3 from core.refunds where order_id = :'o2' \gset
select is((select amount_minor from core.refunds where id = :'r3'), 2000::bigint, 'the queued refund became a refund request');
select lives_ok(test_support.as_('admin', format($$select api.confirm_refund(%L, 'succeeded', 're_3')$$, :'r3')), 'confirmed');
select is((select status from core.orders where id = :'o2'), 'refunded', 'the order is refunded');

-- trial balance -----------------------------------------------------------------------------
select is((select sum(balance_minor)::bigint from analytics.trial_balance where org_id = :'org_a'), 0::bigint,
  'the trial balance sums to zero');
select is(test_support.balance(:'org_a', 'provider_clearing', :'cur'), 2500::bigint, 'clearing = 5000 paid - 2500 confirmed refunds (the ticket refund is still pending)');

-- settlements -------------------------------------------------------------------------------
select test_support.paid_order(array['C1'], 'sess-ledger-0003') as o3 \gset
select test_support.v('finance_a', format($$select api.import_settlement('paystack', 'settle.csv', repeat('a', 64), %L::jsonb)$$,
  jsonb_build_array(
    jsonb_build_object('type', 'payment', 'reference', 'x', 'intent_id', 'pi_sess-ledger-0001', 'gross_minor', 3000, 'fee_minor', 45, 'currency', :'cur'),
    jsonb_build_object('type', 'payment', 'reference', 'x', 'intent_id', 'pi_sess-ledger-0001', 'gross_minor', 3000, 'fee_minor', 45, 'currency', :'cur'),
    jsonb_build_object('type', 'payment', 'reference', 'x', 'intent_id', 'pi_sess-ledger-0002', 'gross_minor', 1999, 'fee_minor', 30, 'currency', :'cur'),
    jsonb_build_object('type', 'payment', 'reference', 'x', 'intent_id', 'pi_nobody', 'gross_minor', 100, 'fee_minor', 0, 'currency', :'cur'),
    jsonb_build_object('type', 'payout', 'reference', 'po_1', 'payout_id', 'po_1', 'gross_minor', 2955, 'currency', :'cur'))::text)) as imp \gset
select is((:'imp'::jsonb ->> 'matched')::int, 2, 'the first payment line and the payout match');
select is((select array_agg(exception order by line_no) from core.settlement_lines where import_id = (:'imp'::jsonb ->> 'id')::uuid
           and status = 'exception'), array['duplicate', 'amount_mismatch', 'unknown_payment'],
  'duplicate, amount mismatch and unknown payment are exceptions');
select is(test_support.balance(:'org_a', 'provider_fees', :'cur'), 45::bigint, 'the matched line''s fee is posted');
select is(test_support.balance(:'org_a', 'bank', :'cur'), 2955::bigint, 'the payout moves money to the bank');
select is(test_support.v('finance_a', format($$select api.import_settlement('paystack', 'again.csv', repeat('a', 64), '[]')$$)) -> 'replay',
  'true'::jsonb, 'the same file again is a replay');
select is(core.match_settlement_lines(), 0, 'matching again decides nothing new and posts nothing');
update core.payments set succeeded_at = now() - interval '5 days' where intent_id = 'pi_sess-ledger-0003';
select ok(test_support.q('finance_a', 'select * from api.reconciliation_exceptions()') @> '[{"kind": "missing", "order_code": null}]'::jsonb = false
  and test_support.q('finance_a', 'select kind from api.reconciliation_exceptions()') @> '[{"kind": "missing"}]'::jsonb,
  'a settled-nowhere payment older than three days is missing');
select is(test_support.q('owner_b', 'select * from api.reconciliation_status()'), '[]'::jsonb, 'org B sees none of it');

-- a provider event with the amount but no currency (Paynow's status updates) is in the attempt's currency
select test_support.v('buyer', format('select api.hold_seats(event_id => %L, seat_ids => %L, session_id => %L)',
  (select id from core.events where name = 'Test Match' and org_id = :'org_a'),
  test_support.seats(:'stand', array['E1']), 'sess-ledger-nocur')) ->> 'token' as tok_nc \gset
select (test_support.v('buyer', format('select api.create_order(hold_token => %L, buyer_email => %L)', :'tok_nc',
  'ledger@example.com')) ->> 'id') as o_nc \gset
select test_support.run('admin', format('select api.record_payment_attempt(%L, %L, %L, %s, %L)', :'o_nc', 'paynow',
  'pi_nocur', (select total_minor from core.orders where id = :'o_nc'), (select currency from core.orders where id = :'o_nc')));
select is(test_support.v('admin', format('select api.apply_payment_event(%L, %L, %L, %L, %s)', 'paynow', 'evt_nocur', 'pi_nocur',
  'succeeded', (select total_minor from core.orders where id = :'o_nc'))) ->> 'outcome', 'paid',
  'the full amount without a currency pays the order (not a mismatch to refund)');

-- api.order_ledger: every entry of one order, for its org's finance roles only
select is((select sum((r ->> 'amount_minor')::bigint)::bigint
           from jsonb_array_elements(test_support.q('finance_a', format('select * from api.order_ledger(%L)', :'o1'))) r),
  0::bigint, 'order_ledger: the order''s entries balance');
select is(jsonb_array_length(test_support.q('finance_a', format('select * from api.order_ledger(%L)', :'o1'))),
  (select count(*)::int from core.ledger_entries e join core.ledger_transactions t on t.id = e.transaction_id where t.order_id = :'o1'),
  'order_ledger: every entry of the order and no other');
select is(test_support.q('finance_a', format('select kind, account_kind, amount_minor from api.order_ledger(%L) limit 2', :'o1')),
  '[{"kind": "payment", "account_kind": "provider_clearing", "amount_minor": 3000},
    {"kind": "payment", "account_kind": "organiser_revenue", "amount_minor": -3000}]'::jsonb,
  'order_ledger: the payment first, clearing debited and revenue credited');
select throws_ok(test_support.as_('door_a', format('select * from api.order_ledger(%L)', :'o1')), 'PT403', null,
  'order_ledger: door staff may not read the ledger');
select throws_ok(test_support.as_('owner_b', format('select * from api.order_ledger(%L)', :'o1')), 'PT404', null,
  'order_ledger: another org''s order is not found');
select throws_ok(test_support.as_('finance_a', format('select * from api.order_ledger(%L)', gen_random_uuid())), 'PT404', null,
  'order_ledger: an unknown order is not found');

select * from finish();
rollback;
