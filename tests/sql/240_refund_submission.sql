-- api.refund_for_submission: the payment service reads a refund's state; nobody else may.
begin;
\ir _fixture.sql
select plan(4);

select set_config('request.jwt.claims', json_build_object('role', 'platform_admin', 'org_id', :'org_a')::text, true);
select api.hold_tickets(event_id => :'event_a', items => jsonb_build_array(jsonb_build_object('ticket_type_id', :'tt_adult',
  'quantity', 1)), session_id => 'refund-submission') ->> 'token' as hold \gset
select api.create_order(hold_token => :'hold', buyer_email => 'r@example.com') ->> 'id' as order_id \gset
select total_minor, currency from core.orders where id = :'order_id' \gset
select api.record_payment_attempt(:'order_id', 'sandbox', 'pi_rs_1', :total_minor, :'currency');
select api.apply_payment_event('sandbox', 'evt_rs_1', 'pi_rs_1', 'succeeded');
select api.request_refund(:'order_id', 'Cannot attend') ->> 'id' as refund_id \gset

select is(api.refund_for_submission(:'refund_id') ->> 'status', 'requested', 'the payment service reads a requested refund');
select is(api.refund_for_submission(:'refund_id') ->> 'intent_id', 'pi_rs_1', 'with the intent to refund');
select api.confirm_refund(:'refund_id', 'succeeded', 're_1');
select is(api.refund_for_submission(:'refund_id') ->> 'status', 'succeeded', 'a confirmed refund reads as decided');
select throws_ok(test_support.as_('owner_a', format('select api.refund_for_submission(%L)', :'refund_id')), 'PT403', null,
  'an org owner is not the payment service');

select * from finish();
rollback;
