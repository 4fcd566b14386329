-- Refunds a provider accepted but has not finished ("pending": Paystack and Stripe process
-- some refunds asynchronously) and how they are settled.
--
-- * The refund worker (workers/refunds.ts) reports a pending answer with
--   api.record_refund_pending: the refund stays requested, with the provider's refund id and
--   submitted_at, and its refunds__submit message is done (it is never sent again).
-- * The provider's refund webhook (or our poll of its status) is applied by
--   api.apply_refund_event once per (provider, provider_event_id): succeeded / failed decide the
--   refund through api.confirm_refund (ledger posted once, source refund:<id>); pending only
--   records the provider's refund id. Out of order is harmless: a decided refund stays decided,
--   so a late "pending" after "succeeded" changes nothing, and a "succeeded" that arrives before
--   the worker recorded the provider's refund id finds the refund by its payment and amount.
-- * Polling: the pg_cron job refunds__poll (every 5 minutes) queues one refunds__check message
--   per refund pending for more than 15 minutes (at most one open message per refund); the
--   worker asks the provider for the refund's status (PaymentProvider.refundStatus) and applies
--   the answer as an event `poll:<refund id>:<status>`.

alter table core.refunds add column submitted_at timestamptz;
alter table core.refunds add column provider_status text
  check (provider_status in ('pending', 'succeeded', 'failed', 'manual'));
alter table core.refunds add column last_checked_at timestamptz;
comment on column core.refunds.submitted_at is 'When the provider accepted the refund (its answer was pending); null until then or for refunds decided at once.';
comment on column core.refunds.provider_status is 'The provider''s last word on the refund: pending until it is decided; manual when the provider has no refund API and finance refunds by hand (sql/292).';
create unique index refunds_provider_refund_key on core.refunds (provider, provider_refund_id)
  where provider_refund_id is not null;
create index refunds_pending_idx on core.refunds (submitted_at) where status = 'requested' and submitted_at is not null;

create table core.refund_events (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete cascade,
  refund_id uuid not null references core.refunds (id) on delete restrict,
  provider text not null,
  provider_event_id text not null check (length(provider_event_id) between 3 and 200),
  status text not null check (status in ('pending', 'succeeded', 'failed')),
  payload jsonb not null default '{}',
  outcome text not null,
  received_at timestamptz not null default now(),
  unique (provider, provider_event_id)
);
create index refund_events_refund_idx on core.refund_events (refund_id);
create index refund_events_org_idx on core.refund_events (org_id);
comment on table core.refund_events is 'Provider refund events (webhooks and status polls), each applied once per (provider, provider_event_id).';
select core.enable_tenant_rls('core.refund_events');
revoke insert, update, delete on core.refund_events from staff;

-- ---------------------------------------------------------------------------------------

create function api.record_refund_pending(refund_id uuid, provider_refund_id text)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.refunds;
begin
  perform core.require_payment_service();
  if record_refund_pending.provider_refund_id is null or length(record_refund_pending.provider_refund_id) not between 1 and 200 then
    raise exception 'Provider refund id "%" must be 1 to 200 characters', left(coalesce(record_refund_pending.provider_refund_id, ''), 40)
      using errcode = 'P0001';
  end if;
  r := core.locked_refund(record_refund_pending.refund_id);
  if r.status <> 'requested' then
    return to_jsonb(r) || jsonb_build_object('replay', true); -- decided already (a webhook was faster)
  end if;
  update core.refunds x set provider_refund_id = coalesce(x.provider_refund_id, record_refund_pending.provider_refund_id),
    provider_status = 'pending', submitted_at = coalesce(x.submitted_at, now())
  where x.id = r.id returning * into r;
  return to_jsonb(r) || jsonb_build_object('replay', false);
end
$$;
comment on function api.record_refund_pending(uuid, text) is 'Payment service: the provider accepted a refund but has not processed it (pending). Keeps the provider''s refund id and when it was submitted; the refund stays requested until api.apply_refund_event decides it. A decided refund is left alone (replay true). Errors: P0001, PT403, PT404.';

create function api.apply_refund_event(provider text, provider_event_id text, provider_refund_id text, status text,
                                       intent_id text default null, amount_minor bigint default null,
                                       reason text default null, payload jsonb default '{}')
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.refunds;
  prior core.refund_events;
  outcome text;
begin
  perform core.require_payment_service();
  if apply_refund_event.status is null or apply_refund_event.status not in ('pending', 'succeeded', 'failed') then
    raise exception 'Refund status "%" must be pending, succeeded or failed', apply_refund_event.status using errcode = 'P0001';
  end if;
  perform core.check_provider_event_id(apply_refund_event.provider_event_id);
  -- the refund: by the provider's refund id, else (the event came before the worker recorded
  -- that id) the oldest open refund of that payment for that amount
  select * into r from core.refunds x
  where x.provider = apply_refund_event.provider and x.provider_refund_id = apply_refund_event.provider_refund_id
  for update;
  if not found and apply_refund_event.intent_id is not null then
    select * into r from core.refunds x
    where x.provider = apply_refund_event.provider and x.intent_id = apply_refund_event.intent_id
      and x.provider_refund_id is null and x.status = 'requested'
      and (apply_refund_event.amount_minor is null or x.amount_minor = apply_refund_event.amount_minor)
    order by x.created_at, x.id limit 1
    for update;
  end if;
  if r.id is null then
    raise exception 'Refund % of % not found', left(coalesce(apply_refund_event.provider_refund_id, 'null'), 60),
      apply_refund_event.provider using errcode = 'PT404';
  end if;
  perform from core.orders o where o.id = r.order_id for update; -- lock order: order, then refund (as confirm_refund)

  select * into prior from core.refund_events e
  where e.provider = apply_refund_event.provider and e.provider_event_id = apply_refund_event.provider_event_id;
  if found then
    return jsonb_build_object('outcome', prior.outcome, 'replay', true, 'refund_id', r.id, 'refund_status', r.status);
  end if;

  if r.status <> 'requested' then
    outcome := 'unchanged'; -- decided already: a late or repeated word from the provider
  elsif apply_refund_event.status = 'pending' then
    update core.refunds x set provider_refund_id = coalesce(x.provider_refund_id, apply_refund_event.provider_refund_id),
      provider_status = 'pending', submitted_at = coalesce(x.submitted_at, now())
    where x.id = r.id returning * into r;
    outcome := 'pending';
  else
    perform api.confirm_refund(r.id, apply_refund_event.status, coalesce(r.provider_refund_id, apply_refund_event.provider_refund_id),
      case when apply_refund_event.status = 'failed'
           then coalesce(apply_refund_event.reason, format('Refused by %s', apply_refund_event.provider)) end);
    update core.refunds x set provider_status = apply_refund_event.status where x.id = r.id returning * into r;
    outcome := apply_refund_event.status;
  end if;
  insert into core.refund_events (org_id, refund_id, provider, provider_event_id, status, payload, outcome)
  values (r.org_id, r.id, apply_refund_event.provider, apply_refund_event.provider_event_id, apply_refund_event.status,
          coalesce(apply_refund_event.payload, '{}'), outcome);
  return jsonb_build_object('outcome', outcome, 'replay', false, 'refund_id', r.id, 'refund_status', r.status);
end
$$;
comment on function api.apply_refund_event(text, text, text, text, text, bigint, text, jsonb) is 'Payment service: applies the provider''s word on a refund (webhook or status poll) once per (provider, provider_event_id). succeeded / failed decide a requested refund through api.confirm_refund (ledger posted once); pending records the provider''s refund id; a decided refund is never changed (outcome unchanged). The refund is found by provider_refund_id, else by intent_id and amount. Returns {outcome pending / succeeded / failed / unchanged, replay, refund_id, refund_status}. Errors: P0001, PT403, PT404 unknown refund.';

-- The poll: one refunds__check message per refund pending too long, never two open at once.
create function core.enqueue_refund_checks(older_than interval default interval '15 minutes') returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  n int;
begin
  with due as (
    select r.id, r.org_id, r.provider, r.provider_refund_id from core.refunds r
    where r.status = 'requested' and r.submitted_at is not null and r.provider_refund_id is not null
      and r.submitted_at <= now() - older_than
      and (r.last_checked_at is null or r.last_checked_at <= now() - older_than)
      and not exists (select from core.outbox m where m.topic = 'refunds__check' and m.done_at is null
                      and m.dead_at is null and m.payload ->> 'refund_id' = r.id::text)
    order by r.submitted_at limit 500
  ), marked as (
    update core.refunds r set last_checked_at = now() from due where r.id = due.id returning r.id
  )
  insert into core.outbox (org_id, topic, payload)
  select due.org_id, 'refunds__check', jsonb_build_object('refund_id', due.id, 'provider', due.provider,
                                                          'provider_refund_id', due.provider_refund_id)
  from due join marked using (id);
  get diagnostics n = row_count;
  return n;
end
$$;
comment on function core.enqueue_refund_checks(interval) is 'pg_cron job refunds__poll: queues refunds__check for every refund pending at its provider for longer than older_than (default 15 min), one open message per refund. Returns how many.';

select core.schedule_job('refunds__poll', '*/5 * * * *', 'select core.enqueue_refund_checks()');

grant execute on function api.record_refund_pending(uuid, text),
  api.apply_refund_event(text, text, text, text, text, bigint, text, jsonb) to staff;
