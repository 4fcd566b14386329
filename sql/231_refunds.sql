-- Refunds, full and partial (per ticket or by amount), through the payment provider.
--
-- * core.refunds: one row per refund request. Created by api.request_refund (staff with the
--   refund permission), and from the refund messages other features already queue:
--   orders__refund (api.cancel_order / api.refund_order) and payments__refund (money that
--   arrived for an order that could not take it, sql/151; the buyer is told at once by
--   payments__send_unapplied_notice and again by refunds__send_email when it is made). Each
--   request queues one refunds__submit message; the refund worker calls the provider's refund
--   and reports back with api.confirm_refund, which posts the ledger once (source refund:<id>).
-- * Refunded tickets stop admitting at once (status refunded); their places go back on sale
--   or stay sold per the event's refund_inventory column ('release' or 'keep'), which managers
--   set with api.set_event_refund_inventory.
-- * A chargeback reported by a provider is posted with api.record_chargeback.

alter table core.events add column refund_inventory text not null default 'release'
  check (refund_inventory in ('release', 'keep'));
comment on column core.events.refund_inventory is 'What a refund does with the refunded tickets'' places: release (back on sale) or keep (stay sold).';

create table core.refunds (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete restrict,
  order_id uuid not null references core.orders (id) on delete restrict,
  payment_id uuid references core.payments (id) on delete restrict,
  kind text not null default 'order' check (kind in ('order', 'unapplied')),
  provider text not null,
  intent_id text,
  amount_minor bigint not null check (amount_minor > 0),
  currency text not null references core.currencies (code) on delete restrict,
  ticket_ids uuid[] not null default '{}',
  reason text not null,
  status text not null default 'requested' check (status in ('requested', 'succeeded', 'failed')),
  provider_refund_id text,
  failure_reason text,
  source_key text not null unique,
  requested_by uuid,
  created_at timestamptz not null default now(),
  completed_at timestamptz
);
create index refunds_order_idx on core.refunds (order_id);
create index refunds_org_idx on core.refunds (org_id, created_at);
comment on table core.refunds is 'Refund requests: requested -> succeeded (ledger posted) / failed. source_key makes each request once.';
select core.enable_tenant_rls('core.refunds');
revoke insert, update, delete on core.refunds from staff;

-- What has been (or is being) refunded of an order: requested and succeeded refunds.
create function core.order_refunded_minor(oid uuid) returns bigint
language sql stable
as $$ select coalesce(sum(amount_minor), 0)::bigint from core.refunds where order_id = oid and kind = 'order' and status <> 'failed' $$;

create function core.create_refund(o core.orders, amount bigint, reason text, tickets uuid[], source_key text,
                                   kind text default 'order', payment core.payments default null) returns core.refunds
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.refunds;
begin
  insert into core.refunds (org_id, order_id, payment_id, kind, provider, intent_id, amount_minor, currency, ticket_ids,
                            reason, source_key, requested_by)
  values (o.org_id, o.id, coalesce(payment.id, (select p.id from core.payments p where p.provider = o.payment_provider
                                                  and p.intent_id = o.payment_reference)),
          kind, coalesce(payment.provider, o.payment_provider, 'cash'), coalesce(payment.intent_id, o.payment_reference),
          amount, coalesce(payment.currency, o.currency), coalesce(tickets, '{}'), coalesce(reason, 'Refund'), source_key,
          auth.user_id())
  on conflict on constraint refunds_source_key_key do nothing
  returning * into r;
  if r.id is not null then
    perform core.enqueue(o.org_id, 'refunds__submit', jsonb_build_object('refund_id', r.id, 'order_id', o.id,
      'provider', r.provider, 'intent_id', r.intent_id, 'amount_minor', r.amount_minor, 'currency', r.currency));
    perform core.audit(o.org_id, 'order.refund_recorded', 'order', o.id::text, jsonb_build_object('refund_id', r.id,
      'code', o.code, 'amount_minor', amount, 'currency', r.currency, 'kind', kind, 'tickets', coalesce(tickets, '{}')));
  else
    select * into r from core.refunds x where x.source_key = create_refund.source_key;
  end if;
  return r;
end
$$;

-- Bridge: the refund messages queued before this feature (cancel_order, refund_order,
-- apply_payment_event) become refund requests in the same transaction.
create function core.tg_outbox__record_refund() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
  p core.payments;
  amount bigint;
begin
  select * into o from core.orders where id = (new.payload ->> 'order_id')::uuid;
  if not found then
    return null;
  end if;
  if new.topic = 'payments__refund' then
    select * into p from core.payments where id = (new.payload ->> 'payment_id')::uuid;
    -- what goes back is what the provider received (sql/151 records it), in its currency
    p.amount_minor := coalesce(p.received_minor, p.amount_minor);
    p.currency := coalesce(p.received_currency, p.currency);
    if not found or p.amount_minor = 0 then
      return null;
    end if;
    if exists (select from core.refunds x where x.source_key = 'payment_unapplied:' || p.id) then
      return null; -- this payment's refund was recorded before (and the buyer told)
    end if;
    perform core.create_refund(o, p.amount_minor, coalesce(p.failure_reason, 'Payment could not be applied'), null,
                               'payment_unapplied:' || p.id, 'unapplied', p);
    -- the buyer is told at once that this money was not applied and is on its way back (a
    -- second email, refunds__send_email, follows when the provider confirms the refund)
    perform core.enqueue(o.org_id, 'payments__send_unapplied_notice', jsonb_build_object('order_id', o.id,
      'code', o.code, 'email', o.buyer_email, 'phone', o.buyer_phone, 'payment_id', p.id,
      'amount_minor', p.amount_minor, 'currency', p.currency, 'order_status', o.status,
      'event_name', (select e.name from core.events e where e.id = o.event_id)));
  else
    if o.total_minor = 0 then
      return null;
    end if;
    amount := least(coalesce((new.payload ->> 'amount_minor')::bigint, o.total_minor), o.total_minor - core.order_refunded_minor(o.id));
    if amount > 0 then
      perform core.create_refund(o, amount, new.payload ->> 'reason',
        case when coalesce((new.payload ->> 'partial')::boolean, false) then null
             else (select array_agg(t.id) from core.tickets t where t.order_id = o.id) end,
        'outbox:' || new.id);
    end if;
  end if;
  return null;
end
$$;
create trigger "50_record_refund" after insert on core.outbox
  for each row when (new.topic in ('orders__refund', 'payments__refund'))
  execute function core.tg_outbox__record_refund();

-- ---------------------------------------------------------------------------------------
-- api

create function api.request_refund(order_id uuid, reason text, amount_minor bigint default null,
                                   ticket_ids uuid[] default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_for_action(request_refund.order_id, 'refund');
  e core.events;
  chosen uuid[];
  n_valid int;
  amount bigint;
  left_minor bigint;
  all_weight bigint;
  chosen_weight bigint;
  r core.refunds;
  t record;
  q record;
begin
  if request_refund.reason is null or length(trim(request_refund.reason)) not between 3 and 500 then
    raise exception 'Give a reason for the refund (3 to 500 characters)' using errcode = 'P0001';
  end if;
  if request_refund.amount_minor is not null and request_refund.ticket_ids is not null then
    raise exception 'Refund either an amount or tickets, not both' using errcode = 'P0001';
  end if;
  if request_refund.ticket_ids is not null and cardinality(request_refund.ticket_ids) = 0 then
    raise exception 'Choose at least one ticket to refund' using errcode = 'P0001';
  end if;
  if o.status <> 'paid' then
    raise exception 'Order % is %; only paid orders can be refunded', o.code, replace(o.status, '_', ' ') using errcode = 'PT409';
  end if;
  if o.total_minor = 0 then
    raise exception 'Order % was free; there is nothing to refund', o.code using errcode = 'PT409';
  end if;
  select * into e from core.events where id = o.event_id;
  left_minor := o.total_minor - core.order_refunded_minor(o.id);
  if request_refund.ticket_ids is not null then
    select array_agg(x.id), count(*) into chosen, n_valid from core.tickets x
    where x.order_id = o.id and x.id = any(request_refund.ticket_ids) and x.status = 'valid';
    if n_valid <> (select count(distinct x) from unnest(request_refund.ticket_ids) x) then
      raise exception 'Some of the tickets are not valid tickets of order %', o.code using errcode = 'PT409';
    end if;
    select sum(i.price_minor + i.fee_minor) into all_weight from core.order_items i where i.order_id = o.id;
    select sum(i.price_minor + i.fee_minor) into chosen_weight
    from core.tickets x join core.order_items i on i.id = x.order_item_id where x.id = any(chosen);
    if not exists (select from core.tickets x where x.order_id = o.id and x.status = 'valid' and x.id <> all(chosen)) then
      amount := left_minor; -- the last tickets take what is left (no rounding remainder)
    else
      amount := least(left_minor, case when all_weight > 0 then (o.total_minor * chosen_weight) / all_weight else 0 end);
    end if;
  elsif request_refund.amount_minor is null then
    amount := left_minor;
    select array_agg(x.id) into chosen from core.tickets x where x.order_id = o.id and x.status = 'valid';
  else
    amount := request_refund.amount_minor;
    if amount < 1 or amount > left_minor then
      raise exception 'Refund amount % must be between 1 and %, what is left to refund of order %', amount, left_minor, o.code
        using errcode = 'P0001';
    end if;
  end if;
  if amount <= 0 then
    raise exception 'Order % has nothing left to refund', o.code using errcode = 'PT409';
  end if;
  -- tickets stop admitting now; places per the event's policy
  if chosen is not null then
    for t in select tk.*, i.event_section_id from core.tickets tk join core.order_items i on i.id = tk.order_item_id
             where tk.id = any(chosen) loop
      update core.tickets set status = 'refunded', cancelled_at = now() where id = t.id;
      if e.refund_inventory = 'release' then
        update core.event_seats set state = 'open', hold_id = null, held_until = '-infinity', order_id = null
        where id = coalesce(t.seat_id, (select s.id from core.event_seats s where s.order_id = o.id and s.state = 'sold'
                                          and s.event_section_id = t.event_section_id and t.seat_id is null limit 1));
        for q in select qt.quota_id from core.quota_ticket_types qt where qt.ticket_type_id = t.ticket_type_id loop
          update core.quota_units set state = 'open', hold_id = null, held_until = '-infinity', order_id = null
          where id = (select u.id from core.quota_units u where u.quota_id = q.quota_id and u.order_id = o.id
                        and u.state = 'sold' limit 1);
        end loop;
      end if;
    end loop;
  end if;
  if amount = left_minor then
    update core.orders set status = 'refund_pending', cancelled_at = now(), cancel_reason = trim(request_refund.reason)
    where id = o.id returning * into o;
  end if;
  r := core.create_refund(o, amount, trim(request_refund.reason), chosen, 'request:' || gen_random_uuid());
  return to_jsonb(r);
end
$$;
comment on function api.request_refund(uuid, text, bigint, uuid[]) is 'Refunds a paid order: everything left (no amount, no tickets), an amount, or chosen tickets (their share of the total). Tickets refunded stop admitting at once; their places are released or kept per the event''s refund_inventory. A full refund makes the order refund_pending. Queues refunds__submit for the provider; the ledger is posted when the provider confirms (api.confirm_refund). Returns the refund. Roles with refund. Errors: P0001 reason/amount, PT403, PT404, PT409 not paid / tickets not valid / nothing left.';

create function api.set_event_refund_inventory(event_id uuid, policy text)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events := core.event_for_manager(set_event_refund_inventory.event_id);
begin
  if set_event_refund_inventory.policy is null or set_event_refund_inventory.policy not in ('release', 'keep') then
    raise exception 'Refund policy "%" must be release (refunded places go back on sale) or keep (they stay sold)',
      left(coalesce(set_event_refund_inventory.policy, ''), 20) using errcode = 'P0001';
  end if;
  if e.refund_inventory <> set_event_refund_inventory.policy then
    update core.events set refund_inventory = set_event_refund_inventory.policy where id = e.id;
    perform core.audit(e.org_id, 'event.refund_inventory_changed', 'event', e.id::text,
      jsonb_build_object('from', e.refund_inventory, 'to', set_event_refund_inventory.policy, 'name', e.name));
  end if;
  return jsonb_build_object('event_id', e.id, 'refund_inventory', set_event_refund_inventory.policy);
end
$$;
comment on function api.set_event_refund_inventory(uuid, text) is 'Sets what refunds do with an event''s refunded places: release (back on sale, the default) or keep (they stay sold). Managers of the event''s org. Returns {event_id, refund_inventory}. Errors: P0001 policy, PT403, PT404.';

-- Decides a requested refund (the provider's answer, or finance recording a refund made by
-- hand, sql/292): the checks of who may are the callers'.
-- The refund `refund_id`, locked for its decision, or PT404; with own_org_only, only a refund
-- of the caller's org (none without one).
create function core.locked_refund(refund_id uuid, own_org_only boolean default false) returns core.refunds
language plpgsql volatile
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.refunds;
begin
  select * into r from core.refunds x
  where x.id = locked_refund.refund_id and (not own_org_only or x.org_id = auth.org_id())
  for update;
  if not found then
    raise exception 'Refund % not found', coalesce(locked_refund.refund_id::text, 'null') using errcode = 'PT404';
  end if;
  return r;
end
$$;

create function core.decide_refund(refund_id uuid, status text, provider_refund_id text default null,
                                   reason text default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.refunds;
  o core.orders;
begin
  if decide_refund.status is null or decide_refund.status not in ('succeeded', 'failed') then
    raise exception 'Refund status "%" must be succeeded or failed', decide_refund.status using errcode = 'P0001';
  end if;
  r := core.locked_refund(decide_refund.refund_id);
  select * into o from core.orders where id = r.order_id for update;
  if r.status <> 'requested' then
    return to_jsonb(r) || jsonb_build_object('replay', true); -- once decided, a refund stays decided
  end if;
  if decide_refund.status = 'failed' then
    update core.refunds set status = 'failed', failure_reason = left(coalesce(decide_refund.reason, 'Refused by the provider'), 300),
      provider_refund_id = decide_refund.provider_refund_id, completed_at = now()
    where id = r.id returning * into r;
    return to_jsonb(r) || jsonb_build_object('replay', false);
  end if;
  update core.refunds set status = 'succeeded', provider_refund_id = decide_refund.provider_refund_id, completed_at = now()
  where id = r.id returning * into r;
  if r.kind = 'unapplied' then
    perform core.post_ledger(r.org_id, 'refund', 'refund:' || r.id, r.currency, jsonb_build_array(
        jsonb_build_object('account', core.ledger_account(r.org_id, 'unapplied_receipts', r.currency), 'amount', r.amount_minor),
        jsonb_build_object('account', core.ledger_account(r.org_id, 'provider_clearing', r.currency, r.provider), 'amount', -r.amount_minor)),
      format('Unapplied payment %s given back', r.intent_id), o.id, o.event_id, r.payment_id);
    update core.payments set status = 'refunded', updated_at = now() where id = r.payment_id;
    perform core.enqueue(o.org_id, 'refunds__send_email', jsonb_build_object('order_id', o.id, 'code', o.code,
      'email', o.buyer_email, 'phone', o.buyer_phone, 'amount_minor', r.amount_minor, 'currency', r.currency,
      'refund_id', r.id));
  else
    perform core.post_order_refund(o, r.amount_minor, 'refund:' || r.id, format('Refund of order %s: %s', o.code, r.reason));
    if o.status = 'refund_pending' and not exists (select from core.refunds x where x.order_id = o.id and x.kind = 'order'
                                                   and x.status = 'requested') then
      update core.orders set status = 'refunded' where id = o.id;
    end if;
    perform core.enqueue(o.org_id, 'refunds__send_email', jsonb_build_object('order_id', o.id, 'code', o.code,
      'email', o.buyer_email, 'amount_minor', r.amount_minor, 'currency', r.currency, 'refund_id', r.id));
    perform core.enqueue(o.org_id, 'webhooks__order_refunded', jsonb_build_object('id', 'order.refunded:' || r.id,
      'type', 'order.refunded', 'order_id', o.id, 'code', o.code, 'amount_minor', r.amount_minor, 'currency', r.currency));
  end if;
  return to_jsonb(r) || jsonb_build_object('replay', false);
end
$$;
comment on function core.decide_refund(uuid, text, text, text) is 'Decides a requested refund once: succeeded posts the ledger (source refund:<id>) and queues the emails and webhook, failed records why; a decided refund stays decided (replay true). No permission check: callers check.';

create function api.confirm_refund(refund_id uuid, status text, provider_refund_id text default null,
                                   reason text default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_payment_service();
  return core.decide_refund(confirm_refund.refund_id, confirm_refund.status, confirm_refund.provider_refund_id,
                            confirm_refund.reason);
end
$$;
comment on function api.confirm_refund(uuid, text, text, text) is 'Payment service: the provider''s answer to a refund. succeeded posts the ledger once (source refund:<id>), completes a full refund (order refunded) and queues the refund email and order.refunded webhook; failed records why. An unapplied payment''s refund (kind unapplied) posts unapplied receipts back to clearing, marks the payment refunded and queues the refund email. A decided refund never changes again (replay true). Errors: P0001, PT403, PT404.';

create function api.record_chargeback(provider text, intent_id text, amount_minor bigint, provider_event_id text)
returns bigint
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
begin
  perform core.require_payment_service();
  if record_chargeback.amount_minor is null or record_chargeback.amount_minor < 1 then
    raise exception 'Chargeback amount % must be at least 1', record_chargeback.amount_minor using errcode = 'P0001';
  end if;
  select * into o from core.orders x where x.payment_provider = record_chargeback.provider and x.payment_reference = record_chargeback.intent_id;
  if not found then
    raise exception 'Payment intent % of % not found', left(coalesce(record_chargeback.intent_id, 'null'), 60), record_chargeback.provider
      using errcode = 'PT404';
  end if;
  if record_chargeback.amount_minor > o.total_minor then
    raise exception 'Chargeback % is more than order % took (%)', record_chargeback.amount_minor, o.code, o.total_minor using errcode = 'P0001';
  end if;
  return core.post_chargeback(o, record_chargeback.amount_minor, 'chargeback:' || record_chargeback.provider || ':' || record_chargeback.provider_event_id);
end
$$;
comment on function api.record_chargeback(text, text, bigint, text) is 'Payment service: posts a chargeback once per (provider, provider_event_id). Returns the transaction id (null on replay). Errors: P0001, PT403, PT404.';

grant execute on function api.request_refund(uuid, text, bigint, uuid[]), api.set_event_refund_inventory(uuid, text) to staff;
grant execute on function api.confirm_refund(uuid, text, text, text), api.record_chargeback(text, text, bigint, text) to staff;
