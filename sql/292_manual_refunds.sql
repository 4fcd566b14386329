-- Refunds made by hand: Paynow has no refund API and M-Pesa reversals need an initiator of
-- their own, so the refund worker cannot send those refunds. It reports them with
-- api.record_refund_manual (provider_status manual; the refunds__submit message is done and
-- never retried). Finance sees them on /admin/finance (api.manual_refunds), refunds the buyer
-- from the provider's dashboard, and records that with api.complete_manual_refund and the
-- provider's reference: the refund is then decided exactly as a provider's confirmation would
-- decide it (core.decide_refund: ledger once, order refunded when complete, refund email and
-- order.refunded webhook).

create function api.record_refund_manual(refund_id uuid, reason text)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.refunds;
begin
  perform core.require_payment_service();
  r := core.locked_refund(record_refund_manual.refund_id);
  if r.status = 'requested' and r.provider_status is distinct from 'manual' then
    update core.refunds set provider_status = 'manual',
      failure_reason = left(coalesce(record_refund_manual.reason, 'The provider has no refund API'), 300)
    where id = r.id returning * into r;
    perform core.audit(r.org_id, 'order.refund_manual_needed', 'order', r.order_id::text,
      jsonb_build_object('refund_id', r.id, 'provider', r.provider, 'amount_minor', r.amount_minor,
                         'currency', r.currency, 'reason', r.failure_reason));
  end if;
  return to_jsonb(r);
end
$$;
comment on function api.record_refund_manual(uuid, text) is 'Payment service: the provider cannot refund through its API (Paynow, M-Pesa): the refund waits for finance to make it by hand (provider_status manual, reason kept). Idempotent; a decided refund is left alone. Returns the refund. Errors: PT403 not the payment service, PT404.';

create function api.manual_refunds()
returns table (refund_id uuid, order_id uuid, order_code text, provider text, intent_id text, amount_minor bigint,
               currency text, reason text, note text, requested_at timestamptz)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('refund');
  return query
  select r.id, r.order_id, o.code, r.provider, r.intent_id, r.amount_minor, r.currency, r.reason, r.failure_reason,
         r.created_at
  from core.refunds r join core.orders o on o.id = r.order_id
  where r.org_id = auth.org_id() and r.status = 'requested' and r.provider_status = 'manual'
  order by r.created_at, r.id;
end
$$;
comment on function api.manual_refunds() is 'Refunds of the caller''s org that the provider cannot make through its API and finance must make by hand, oldest first. Roles with refund. Errors: PT403.';

create function api.complete_manual_refund(refund_id uuid, reference text)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.refunds;
  ref text := trim(complete_manual_refund.reference);
begin
  perform core.require_permission('refund');
  if ref is null or length(ref) not between 3 and 100 then
    raise exception 'Give the provider''s reference of the refund you made (3 to 100 characters)' using errcode = 'P0001';
  end if;
  r := core.locked_refund(complete_manual_refund.refund_id, own_org_only => true);
  if r.status <> 'requested' then
    raise exception 'Refund of order % is already %', (select code from core.orders where id = r.order_id), r.status
      using errcode = 'PT409';
  end if;
  if r.provider_status is distinct from 'manual' then
    raise exception 'This refund goes through % and is not made by hand', r.provider using errcode = 'PT409';
  end if;
  if exists (select from core.refunds x where x.provider = r.provider and x.provider_refund_id = 'manual:' || ref) then
    raise exception 'Reference "%" is already recorded for another % refund', ref, r.provider using errcode = 'PT409';
  end if;
  perform core.audit(r.org_id, 'order.refund_made_by_hand', 'order', r.order_id::text,
    jsonb_build_object('refund_id', r.id, 'reference', ref, 'amount_minor', r.amount_minor, 'currency', r.currency));
  return core.decide_refund(r.id, 'succeeded', 'manual:' || ref);
end
$$;
comment on function api.complete_manual_refund(uuid, text) is 'Finance records a refund made by hand in the provider''s dashboard, with the provider''s reference: the refund is decided as succeeded (ledger once, order refunded when complete, refund email and webhook). Roles with refund, own org. Errors: P0001 reference, PT403, PT404, PT409 decided already / not a manual refund / reference used.';

grant execute on function api.record_refund_manual(uuid, text), api.manual_refunds(),
  api.complete_manual_refund(uuid, text) to staff;
