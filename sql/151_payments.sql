-- Payments: attempts per order and the provider events applied to them.
--
-- The TypeScript side (lib/payments/) talks to providers: it creates a payment intent, sends
-- the buyer to the provider's page and verifies the provider's signed webhooks. Every
-- decision is here:
--   * api.record_payment_attempt: an attempt (provider, intent id, amount, currency) for a
--     pending order; the amount and currency must be the order's.
--   * api.apply_payment_event: a VERIFIED provider event, applied once per
--     (provider, provider_event_id). A replay returns the first outcome and changes nothing.
--     succeeded -> the order is paid (core.pay_order, tickets issued) with the intent id as
--     payment reference; when the order already lapsed, its places are taken again if they
--     are still free (core.reallocate_order), otherwise the payment is marked refund_required
--     and an automatic refund is queued (payments__refund). A second successful attempt on
--     an already paid order is refunded the same way. failed/cancelled after succeeded
--     changes nothing; failed on a pending attempt marks it failed and the buyer may retry
--     with a new attempt on the same order.
--   * api.choose_pay_at_box_office: the cash method. The order stays pending with a longer
--     deadline (core.box_office_deadline) and its hold is kept until then; an organiser marks
--     it paid with api.mark_order_paid.
--   * api.payment_status: what the return page shows, by order code + access token.
-- Webhooks that fail verification never reach api.apply_payment_event; the server logs them
-- with api.log_webhook_rejection.

create table core.payments (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  order_id uuid not null references core.orders (id) on delete restrict,
  provider text not null check (provider ~ '^[a-z0-9_]{2,40}$'),
  method text not null default 'card' check (method in ('card', 'mobile_money', 'cash', 'bank_transfer')),
  intent_id text not null check (length(intent_id) between 3 and 200),
  amount_minor bigint not null check (amount_minor >= 0),
  currency text not null references core.currencies (code) on delete restrict,
  status text not null default 'pending'
    check (status in ('pending', 'succeeded', 'failed', 'cancelled', 'refund_required', 'refunded')),
  failure_reason text,
  -- what the provider says it received (its verified succeeded event), which is what the ledger
  -- holds and what goes back when the payment cannot be applied; null until money arrives
  received_minor bigint check (received_minor >= 0),
  received_currency text references core.currencies (code) on delete restrict,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  succeeded_at timestamptz,
  unique (provider, intent_id),
  check ((received_minor is null) = (received_currency is null))
);
create index payments_order_idx on core.payments (order_id, created_at desc);
create index payments_org_idx on core.payments (org_id);
comment on table core.payments is 'Payment attempts of an order: one per provider intent (provider, intent_id unique). pending -> succeeded / failed / cancelled; refund_required when money arrived for an order that cannot take it.';

create table core.payment_events (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete cascade,
  payment_id uuid not null references core.payments (id) on delete restrict,
  provider text not null,
  provider_event_id text not null check (length(provider_event_id) between 3 and 200),
  type text not null check (type in ('succeeded', 'failed', 'cancelled')),
  amount_minor bigint,
  currency text,
  payload jsonb not null default '{}',
  outcome text not null,
  received_at timestamptz not null default now(),
  unique (provider, provider_event_id)
);
create index payment_events_payment_idx on core.payment_events (payment_id);
create index payment_events_org_idx on core.payment_events (org_id);
comment on table core.payment_events is 'Verified provider events, each applied once: the unique (provider, provider_event_id) makes a replay a no-op that returns the stored outcome.';

create table core.webhook_rejections (
  id bigint generated always as identity primary key,
  provider text not null,
  reason text not null,
  signature_header text,
  body_excerpt text,
  received_at timestamptz not null default now()
);
comment on table core.webhook_rejections is 'Webhooks refused before they were applied (bad signature, stale timestamp, unknown payment): for finance and support. Not tenant data (the sender is unauthenticated).';

-- The order links sent by email: the access token is stored only as a hash, so the server
-- seals (AES-GCM with its own key) the link it showed the buyer, for the email worker.
create table core.order_links (
  order_id uuid primary key references core.orders (id) on delete cascade,
  org_id uuid not null references core.orgs (id) on delete cascade,
  sealed text not null check (length(sealed) between 20 and 2000),
  created_at timestamptz not null default now()
);
create index order_links_org_idx on core.order_links (org_id);
comment on table core.order_links is 'The buyer''s order link (code and access token) sealed with a server key, for the confirmation email worker.';

select core.enable_tenant_rls('core.payments');
select core.enable_tenant_rls('core.payment_events');
select core.enable_tenant_rls('core.order_links');
revoke insert, update, delete on core.payments, core.payment_events, core.order_links from staff;
revoke select on core.order_links from staff;
alter table core.webhook_rejections enable row level security;
alter table core.webhook_rejections force row level security;
create policy admin_read on core.webhook_rejections for select to staff using ((select auth.is_platform_admin()));
create policy engine on core.webhook_rejections to mutambo_owner using (true) with check (true);
grant select on core.webhook_rejections to staff;

-- ---------------------------------------------------------------------------------------
-- Helpers

create function core.require_payment_service() returns void
language plpgsql stable
as $$
begin
  if not auth.is_platform_admin() then
    raise exception 'Only the payment service may do this (role %)', auth.role() using errcode = 'PT403';
  end if;
end
$$;
comment on function core.require_payment_service() is 'Refuses every role but platform_admin (the server''s payment service token).';

create function core.order_by_access(code text, access_token text, lock boolean) returns core.orders
language plpgsql volatile
as $$
declare
  c text := core.normalize_order_code(code);
  o core.orders;
begin
  if c is null then
    raise exception 'Order code "%" is not a valid code; check it and try again', left(coalesce(code, ''), 20)
      using errcode = 'P0001';
  end if;
  if lock then
    select * into o from core.orders where orders.code = c for update;
  else
    select * into o from core.orders where orders.code = c;
  end if;
  if not found or access_token is null or o.access_token_hash <> public.digest(access_token, 'sha256') then
    raise exception 'Order % not found', c using errcode = 'PT404';
  end if;
  return o;
end
$$;
comment on function core.order_by_access(text, text, boolean) is 'The order with this code whose access token matches, or PT404 (P0001 for a malformed code).';

-- How long a pay-at-the-box-office order keeps its places: 48 hours, but never later than two
-- hours before the event starts; null when that leaves less than 30 minutes (too late).
create function core.box_office_deadline(e core.events) returns timestamptz
language sql stable
as $$
  select case when d >= now() + interval '30 minutes' then d end
  from (select least(now() + interval '48 hours', e.starts_at - interval '2 hours') as d) x
$$;
comment on function core.box_office_deadline(core.events) is 'Deadline of a cash (box office) order: now + 48 h, at the latest 2 h before the event; null when under 30 min remain.';

-- A lapsed order whose payment arrived late: takes its places again when they are all still
-- free (the same seats; for standing sections any free unit of the section; quota units by
-- ticket type) under a fresh short hold, so core.pay_order can sell them. All or nothing:
-- false (and nothing changed) when any place is gone.
create function core.reallocate_order(o core.orders) returns boolean
language plpgsql volatile
as $$
declare
  h core.holds;
  old_hold core.holds;
  line record;
  n int;
  expected int;
  until timestamptz := now() + interval '2 minutes';
begin
  begin
    if o.hold_id is not null then
      select * into old_hold from core.holds where id = o.hold_id for update;
    end if;
    if old_hold.id is not null and old_hold.order_id is null then
      -- the hold still exists: its places are still ours when nobody else took them
      select coalesce(sum(quantity), 0) into expected from core.hold_items where hold_id = old_hold.id and kind in ('seat', 'standing');
      select count(*) into n from core.event_seats where hold_id = old_hold.id and state = 'open';
      if n = expected then
        select coalesce(sum(hi.quantity * (select count(*) from core.quota_ticket_types qt where qt.ticket_type_id = hi.ticket_type_id)), 0)
        into expected from core.hold_items hi where hi.hold_id = old_hold.id;
        select count(*) into n from core.quota_units where hold_id = old_hold.id and state = 'open';
        if n = expected then
          update core.orders set status = 'pending_payment', expires_at = until where id = o.id;
          perform core.set_hold_expiry(old_hold.id, until);
          return true;
        end if;
      end if;
      -- some places moved on (maybe free again): let the old hold go and claim them afresh
      perform core.release_hold(old_hold.id);
    end if;
    -- the hold was released: claim the order's places again under a new hold
    insert into core.holds (org_id, event_id, token, session_id, channel, expires_at)
    values (o.org_id, o.event_id, 'h_' || encode(public.gen_random_bytes(24), 'hex'), 'late-payment:' || o.code,
            o.channel, until)
    returning * into h;
    for line in
      select i.ticket_type_id, i.event_section_id, s.kind as section_kind, count(*)::int as qty,
             array_agg(i.seat_id) filter (where i.seat_id is not null) as seat_ids
      from core.order_items i left join core.event_sections s on s.id = i.event_section_id
      where i.order_id = o.id and i.kind = 'admission'
      group by 1, 2, 3
    loop
      insert into core.hold_items (hold_id, org_id, kind, ticket_type_id, event_section_id, quantity)
      values (h.id, o.org_id, case when line.section_kind = 'standing' then 'standing' else 'seat' end,
              line.ticket_type_id, line.event_section_id, line.qty);
      if line.section_kind = 'standing' then
        perform core.claim_standing_units(h, (select s from core.event_sections s where s.id = line.event_section_id), line.qty);
      else
        update core.event_seats set hold_id = h.id, held_until = until
        where id = any(line.seat_ids) and state = 'open' and held_until <= now();
        get diagnostics n = row_count;
        if n <> line.qty then
          raise exception 'seats gone' using errcode = 'PT409';
        end if;
      end if;
      perform core.claim_quota_units(h, (select t from core.ticket_types t where t.id = line.ticket_type_id), line.qty);
    end loop;
    update core.orders set status = 'pending_payment', expires_at = until, hold_id = h.id where id = o.id;
    return true;
  exception when sqlstate 'PT409' or sqlstate 'PT410' then
    return false;
  end;
end
$$;
comment on function core.reallocate_order(core.orders) is 'For a payment that arrived after its order lapsed: takes the order''s places again if all are still free (all or nothing) and makes the order pending for two more minutes. Returns false, changing nothing, when a place is gone.';

-- ---------------------------------------------------------------------------------------
-- api: the payment service (platform_admin token of the server)

create function api.record_payment_attempt(order_id uuid, provider text, intent_id text, amount_minor bigint,
                                           currency text, method text default 'card')
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
  p core.payments;
begin
  perform core.require_payment_service();
  if record_payment_attempt.provider is null or record_payment_attempt.provider !~ '^[a-z0-9_]{2,40}$' then
    raise exception 'Provider "%" must be 2 to 40 lowercase letters, digits or _', left(coalesce(record_payment_attempt.provider, ''), 40)
      using errcode = 'P0001';
  end if;
  if record_payment_attempt.intent_id is null or length(record_payment_attempt.intent_id) not between 3 and 200 then
    raise exception 'Payment intent id "%" must be 3 to 200 characters', left(coalesce(record_payment_attempt.intent_id, ''), 40)
      using errcode = 'P0001';
  end if;
  if record_payment_attempt.method is null or record_payment_attempt.method not in ('card', 'mobile_money', 'cash', 'bank_transfer') then
    raise exception 'Payment method "%" must be card, mobile_money, cash or bank_transfer', record_payment_attempt.method
      using errcode = 'P0001';
  end if;
  select * into o from core.orders where id = record_payment_attempt.order_id for update;
  if not found then
    raise exception 'Order % not found', coalesce(record_payment_attempt.order_id::text, 'null') using errcode = 'PT404';
  end if;
  if o.status <> 'pending_payment' then
    raise exception 'Order % is % and takes no payment', o.code, replace(o.status, '_', ' ') using errcode = 'PT409';
  end if;
  if o.expires_at <= now() then
    raise exception 'Order % expired at %; start again', o.code, o.expires_at using errcode = 'PT410';
  end if;
  if record_payment_attempt.amount_minor is distinct from o.total_minor or record_payment_attempt.currency is distinct from o.currency then
    raise exception 'Payment of % % does not match the order total %', record_payment_attempt.amount_minor,
      record_payment_attempt.currency, core.money_text(o.total_minor, o.currency) using errcode = 'PT422';
  end if;
  insert into core.payments (org_id, order_id, provider, method, intent_id, amount_minor, currency)
  values (o.org_id, o.id, record_payment_attempt.provider, record_payment_attempt.method, record_payment_attempt.intent_id,
          o.total_minor, o.currency)
  on conflict on constraint payments_provider_intent_id_key do nothing
  returning * into p;
  if not found then
    select * into p from core.payments x where x.provider = record_payment_attempt.provider and x.intent_id = record_payment_attempt.intent_id;
    if p.order_id <> o.id then
      raise exception 'Payment intent % belongs to another order', record_payment_attempt.intent_id using errcode = 'PT409';
    end if;
  end if;
  return to_jsonb(p);
end
$$;
comment on function api.record_payment_attempt(uuid, text, text, bigint, text, text) is 'Payment service: records an attempt to pay a pending order through a provider intent (amount and currency must be the order''s). Idempotent per (provider, intent_id). Returns the payment. Errors: P0001, PT403 not the payment service, PT404, PT409 order not pending / intent of another order, PT410 order expired, PT422 amount differs.';

-- A provider's event id (webhook or poll), as payment and refund events are keyed by it.
create function core.check_provider_event_id(provider_event_id text) returns void
language plpgsql immutable
set search_path = pg_catalog, core, pg_temp
as $$
begin
  if provider_event_id is null or length(provider_event_id) not between 3 and 200 then
    raise exception 'Provider event id "%" must be 3 to 200 characters', left(coalesce(provider_event_id, ''), 40)
      using errcode = 'P0001';
  end if;
end
$$;

create function api.apply_payment_event(provider text, provider_event_id text, intent_id text, type text,
                                        amount_minor bigint default null, currency text default null,
                                        reason text default null, payload jsonb default '{}')
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  p core.payments;
  o core.orders;
  prior core.payment_events;
  outcome text;
  ev_id bigint;
begin
  perform core.require_payment_service();
  if apply_payment_event.type is null or apply_payment_event.type not in ('succeeded', 'failed', 'cancelled') then
    raise exception 'Event type "%" must be succeeded, failed or cancelled', apply_payment_event.type using errcode = 'P0001';
  end if;
  perform core.check_provider_event_id(apply_payment_event.provider_event_id);
  select * into p from core.payments x
  where x.provider = apply_payment_event.provider and x.intent_id = apply_payment_event.intent_id for update;
  if not found then
    raise exception 'Payment intent % of % not found', left(coalesce(apply_payment_event.intent_id, 'null'), 60),
      apply_payment_event.provider using errcode = 'PT404';
  end if;
  -- the order first (lock order: order, then payment, like every other path)
  select * into o from core.orders where id = p.order_id for update;

  -- replay: the same event again returns its first outcome
  select * into prior from core.payment_events e
  where e.provider = apply_payment_event.provider and e.provider_event_id = apply_payment_event.provider_event_id;
  if found then
    return jsonb_build_object('outcome', prior.outcome, 'replay', true, 'order_code', o.code, 'order_status', o.status,
                              'payment_status', p.status);
  end if;

  if apply_payment_event.type = 'succeeded' then
    -- Money arrived: what the provider says it received is recorded first (amount and
    -- currency of the verified event, the attempt's when the event does not say), so an
    -- unapplied receipt is posted and refunded at what was actually received.
    -- (An earlier version posted the attempt's amount even when the event's differed.)
    if apply_payment_event.amount_minor is not null and apply_payment_event.amount_minor < 0 then
      raise exception 'Received amount % must not be negative', apply_payment_event.amount_minor using errcode = 'P0001';
    end if;
    if apply_payment_event.currency is not null
       and not exists (select from core.currencies c where c.code = upper(apply_payment_event.currency)) then
      raise exception 'Currency "%" of the payment event is not a known currency', left(apply_payment_event.currency, 10)
        using errcode = 'P0001';
    end if;
    if p.status in ('succeeded', 'refund_required', 'refunded') then
      outcome := 'unchanged'; -- another success event for money already accounted for
    elsif apply_payment_event.amount_minor is not null and (apply_payment_event.amount_minor <> p.amount_minor
       or upper(coalesce(apply_payment_event.currency, p.currency)) is distinct from p.currency) then
      update core.payments set status = 'refund_required',
        failure_reason = format('Received %s %s but the attempt was for %s', apply_payment_event.amount_minor,
                                upper(coalesce(apply_payment_event.currency, p.currency)), core.money_text(p.amount_minor, p.currency)),
        received_minor = apply_payment_event.amount_minor,
        received_currency = upper(coalesce(apply_payment_event.currency, p.currency)), updated_at = now()
      where id = p.id returning * into p;
      outcome := 'refund_required';
    else
      update core.payments set status = 'succeeded', succeeded_at = now(), failure_reason = null, updated_at = now(),
        received_minor = p.amount_minor, received_currency = p.currency
      where id = p.id returning * into p;
      if o.status = 'paid' then
        if o.payment_provider = p.provider and o.payment_reference = p.intent_id then
          outcome := 'unchanged';
        else -- a second successful attempt: the order is paid already, give this money back
          update core.payments set status = 'refund_required', failure_reason = 'Order was already paid by another payment',
            updated_at = now() where id = p.id returning * into p;
          outcome := 'refund_required';
        end if;
      elsif o.status = 'pending_payment' and o.expires_at > now() then
        o := core.pay_order(o, p.provider, p.intent_id);
        outcome := 'paid';
      elsif o.status in ('pending_payment', 'expired') and core.reallocate_order(o) then
        select * into o from core.orders where id = o.id;
        o := core.pay_order(o, p.provider, p.intent_id);
        outcome := 'paid_late';
      else
        if o.status = 'pending_payment' then -- lapsed and its places are gone: record the expiry
          update core.orders set status = 'expired' where id = o.id returning * into o;
          perform core.release_order(o);
        end if;
        update core.payments set status = 'refund_required',
          failure_reason = format('Payment arrived after order %s had %s and its places were taken', o.code,
                                  case when o.status = 'expired' then 'expired' else replace(o.status, '_', ' ') end),
          updated_at = now()
        where id = p.id returning * into p;
        outcome := 'refund_required';
      end if;
    end if;
    if outcome = 'refund_required' then
      perform core.enqueue(p.org_id, 'payments__refund', jsonb_build_object('payment_id', p.id, 'order_id', o.id,
        'order_code', o.code, 'provider', p.provider, 'intent_id', p.intent_id,
        'amount_minor', coalesce(p.received_minor, p.amount_minor), 'currency', coalesce(p.received_currency, p.currency),
        'reason', p.failure_reason));
    end if;
  else -- failed / cancelled: only a pending attempt changes
    if p.status = 'pending' then
      update core.payments set status = apply_payment_event.type,
        failure_reason = left(coalesce(apply_payment_event.reason, case when apply_payment_event.type = 'failed'
                                       then 'The payment was declined' else 'The payment was abandoned' end), 300),
        updated_at = now()
      where id = p.id returning * into p;
      outcome := apply_payment_event.type;
    else
      outcome := 'unchanged';
    end if;
  end if;

  insert into core.payment_events (org_id, payment_id, provider, provider_event_id, type, amount_minor, currency, payload, outcome)
  values (p.org_id, p.id, apply_payment_event.provider, apply_payment_event.provider_event_id, apply_payment_event.type,
          apply_payment_event.amount_minor, apply_payment_event.currency, coalesce(apply_payment_event.payload, '{}'), outcome)
  returning id into ev_id;
  return jsonb_build_object('outcome', outcome, 'replay', false, 'order_code', o.code, 'order_status', o.status,
                            'payment_status', p.status);
end
$$;
comment on function api.apply_payment_event(text, text, text, text, bigint, text, text, jsonb) is 'Payment service: applies a verified provider event (type succeeded / failed / cancelled) to the attempt with this intent, once per (provider, provider_event_id); a replay returns the first outcome with replay true and changes nothing. Outcomes: paid, paid_late (order lapsed, places taken again), refund_required (order paid by another attempt, places gone, or amount differs; a payments__refund message is queued), failed, cancelled, unchanged (e.g. failed after succeeded). Returns {outcome, replay, order_code, order_status, payment_status}. Errors: P0001, PT403 not the payment service, PT404 unknown intent.';

create function api.log_webhook_rejection(provider text, reason text, signature_header text default null,
                                          body_excerpt text default null)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_payment_service();
  insert into core.webhook_rejections (provider, reason, signature_header, body_excerpt)
  values (left(coalesce(log_webhook_rejection.provider, '?'), 40), left(coalesce(log_webhook_rejection.reason, '?'), 300),
          left(log_webhook_rejection.signature_header, 300), left(log_webhook_rejection.body_excerpt, 2000));
end
$$;
comment on function api.log_webhook_rejection(text, text, text, text) is 'Payment service: records a webhook refused before it was applied (bad signature, stale timestamp, unknown payment). Errors: PT403 not the payment service.';

create function api.store_order_link(order_id uuid, sealed text)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_payment_service();
  if store_order_link.sealed is null or length(store_order_link.sealed) not between 20 and 2000 then
    raise exception 'A sealed link of 20 to 2000 characters is required' using errcode = 'P0001';
  end if;
  insert into core.order_links (order_id, org_id, sealed)
  select o.id, o.org_id, store_order_link.sealed from core.orders o where o.id = store_order_link.order_id
  on conflict on constraint order_links_pkey do nothing;
  if not found and not exists (select from core.orders o where o.id = store_order_link.order_id) then
    raise exception 'Order % not found', store_order_link.order_id using errcode = 'PT404';
  end if;
end
$$;
comment on function api.store_order_link(uuid, text) is 'Payment service: keeps the buyer''s order link sealed with the server key, for the confirmation email (first write wins). Errors: P0001, PT403, PT404.';

-- ---------------------------------------------------------------------------------------
-- api: the buyer (code + access token prove the order is theirs)

create function api.choose_pay_at_box_office(code text, access_token text)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_by_access(choose_pay_at_box_office.code, choose_pay_at_box_office.access_token, true);
  e core.events;
  deadline timestamptz;
begin
  if o.status <> 'pending_payment' or o.expires_at <= now() then
    raise exception 'Order % is % and takes no payment', o.code,
      case when o.status = 'pending_payment' then 'expired' else replace(o.status, '_', ' ') end using errcode = 'PT409';
  end if;
  if exists (select from core.payments p where p.order_id = o.id and p.provider = 'cash') then
    return core.order_json(o); -- chosen before: nothing changes
  end if;
  select * into e from core.events where id = o.event_id;
  deadline := core.box_office_deadline(e);
  if deadline is null then
    raise exception 'The event starts too soon to pay at the box office; pay by card or mobile money' using errcode = 'PT422';
  end if;
  deadline := greatest(deadline, o.expires_at);
  update core.orders set expires_at = deadline where id = o.id returning * into o;
  if o.hold_id is not null then
    perform core.set_hold_expiry(o.hold_id, deadline);
  end if;
  insert into core.payments (org_id, order_id, provider, method, intent_id, amount_minor, currency)
  values (o.org_id, o.id, 'cash', 'cash', 'cash:' || o.code, o.total_minor, o.currency);
  return core.order_json(o);
end
$$;
comment on function api.choose_pay_at_box_office(text, text) is 'The buyer chooses to pay cash at the box office: the order stays pending until core.box_office_deadline (48 h, at the latest 2 h before the event) and keeps its places; an organiser marks it paid (api.mark_order_paid). Idempotent. Returns the order. Errors: P0001 malformed code, PT404 unknown code or wrong token, PT409 not pending, PT422 event too soon.';

create function api.payment_status(code text, access_token text)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_by_access(payment_status.code, payment_status.access_token, false);
  p core.payments;
begin
  select * into p from core.payments x where x.order_id = o.id order by x.created_at desc, x.id limit 1;
  return jsonb_build_object(
    'code', o.code, 'code_display', left(o.code, 4) || '-' || right(o.code, 4),
    'order_status', case when o.status = 'pending_payment' and o.expires_at <= now() then 'expired' else o.status end,
    'expires_at', o.expires_at, 'total_minor', o.total_minor, 'currency', o.currency,
    'event', (select jsonb_build_object('name', e.name, 'slug', e.slug, 'starts_at', e.starts_at) from core.events e where e.id = o.event_id),
    'payment', case when p.id is null then null else jsonb_build_object('provider', p.provider, 'method', p.method,
      'intent_id', p.intent_id, 'status', p.status, 'failure_reason', p.failure_reason, 'created_at', p.created_at) end,
    'refund_required', exists (select from core.payments x where x.order_id = o.id and x.status = 'refund_required'),
    'pay_at_box_office', p.provider = 'cash' and o.status = 'pending_payment');
end
$$;
comment on function api.payment_status(text, text) is 'The buyer''s view of an order''s payment, by code and access token: order_status (pending_payment / paid / expired / …), the latest attempt (provider, method, status pending / succeeded / failed / cancelled / refund_required, failure_reason), whether money is to be refunded, and whether it is to be paid at the box office by expires_at. Errors: P0001 malformed code, PT404 unknown code or wrong token.';

grant execute on function core.require_payment_service(), core.order_by_access(text, text, boolean),
  core.box_office_deadline(core.events) to anon, buyer, staff;
grant execute on function api.record_payment_attempt(uuid, text, text, bigint, text, text),
  api.apply_payment_event(text, text, text, text, bigint, text, text, jsonb),
  api.log_webhook_rejection(text, text, text, text), api.store_order_link(uuid, text) to staff;
grant execute on function api.choose_pay_at_box_office(text, text), api.payment_status(text, text) to anon, buyer, staff;
