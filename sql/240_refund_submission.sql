-- What the refund worker (workers/refunds.ts) needs to submit a refunds__submit message to the
-- provider: the refund as it stands now. A decided refund (succeeded or failed) is not sent
-- again, so a message delivered twice calls the provider once when the first delivery got
-- as far as api.confirm_refund.

create function api.refund_for_submission(refund_id uuid)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.refunds;
begin
  perform core.require_payment_service();
  select * into r from core.refunds where id = refund_for_submission.refund_id;
  if not found then
    raise exception 'Refund % not found', coalesce(refund_for_submission.refund_id::text, 'null') using errcode = 'PT404';
  end if;
  return jsonb_build_object('id', r.id, 'org_id', r.org_id, 'order_id', r.order_id, 'status', r.status,
    'provider', r.provider, 'intent_id', r.intent_id, 'amount_minor', r.amount_minor, 'currency', r.currency,
    'reason', r.reason, 'provider_refund_id', r.provider_refund_id,
    -- sql/290: set once the provider accepted the refund as pending (it is then polled, not resent)
    'provider_status', to_jsonb(r) -> 'provider_status', 'submitted_at', to_jsonb(r) -> 'submitted_at');
end
$$;
comment on function api.refund_for_submission(uuid) is 'Payment service: a refund as the refund worker submits it to the provider (status, provider, intent, amount, currency, reason, provider_refund_id; provider_status and submitted_at once the provider accepted it as pending, sql/290). Errors: PT403 not the payment service, PT404.';
grant execute on function api.refund_for_submission(uuid) to staff;
