-- Finance reports from the ledger: per event and period (gross, platform fees, taxes, refunds,
-- provider fees, chargebacks, net payout), trial balance (sums to zero per org and currency),
-- for finance in /admin (api, view_finance) and for analysts (analytics.*, all orgs).
--
-- Amounts are read off the accounts, so every report agrees with the ledger:
--   gross          = debits to receipt accounts (clearing, cash drawers) by payment transactions
--   platform_fees  = net credit of platform_fees        taxes = net credit of taxes_payable
--   refunds        = everything given back to buyers (credits to receipt accounts by refunds)
--   revenue        = organiser_revenue credit - refunds contra account
--   net_payout     = revenue - provider fees - chargebacks (what the organiser is owed)

create view analytics.ledger_lines as
  select t.org_id, t.event_id, t.order_id, t.kind as transaction_kind, t.occurred_at, t.source_key, a.kind as account_kind,
         a.provider, a.agent_user_id, e.currency, e.amount_minor
  from core.ledger_entries e
  join core.ledger_transactions t on t.id = e.transaction_id
  join core.ledger_accounts a on a.id = e.account_id;
comment on view analytics.ledger_lines is 'Every ledger entry with its transaction and account (debit > 0, credit < 0).';

create view analytics.event_finance as
  select l.org_id, l.event_id, ev.name as event_name, l.currency, date_trunc('month', l.occurred_at)::date as period,
    coalesce(sum(l.amount_minor) filter (where l.transaction_kind = 'payment' and l.account_kind in ('provider_clearing', 'cash_drawer')), 0)::bigint as gross_minor,
    coalesce(-sum(l.amount_minor) filter (where l.account_kind = 'platform_fees'), 0)::bigint as platform_fees_minor,
    coalesce(-sum(l.amount_minor) filter (where l.account_kind = 'taxes_payable'), 0)::bigint as taxes_minor,
    coalesce(-sum(l.amount_minor) filter (where l.transaction_kind = 'refund' and l.account_kind in ('provider_clearing', 'cash_drawer')), 0)::bigint as refunds_minor,
    coalesce(-sum(l.amount_minor) filter (where l.account_kind in ('organiser_revenue', 'refunds')), 0)::bigint as revenue_minor,
    coalesce(sum(l.amount_minor) filter (where l.account_kind = 'provider_fees'), 0)::bigint as provider_fees_minor,
    coalesce(sum(l.amount_minor) filter (where l.account_kind = 'chargebacks'), 0)::bigint as chargebacks_minor,
    coalesce(-sum(l.amount_minor) filter (where l.account_kind in ('organiser_revenue', 'refunds', 'provider_fees', 'chargebacks')), 0)::bigint
      as net_payout_minor
  from analytics.ledger_lines l left join core.events ev on ev.id = l.event_id
  group by 1, 2, 3, 4, 5;
comment on view analytics.event_finance is 'Per org, event, currency and month: gross, platform fees, taxes, refunds, revenue, provider fees, chargebacks, net payout (minor units).';

create view analytics.trial_balance as
  select a.org_id, a.currency, a.kind, a.provider, a.agent_user_id, a.id as account_id,
         coalesce(sum(e.amount_minor), 0)::bigint as balance_minor
  from core.ledger_accounts a left join core.ledger_entries e on e.account_id = a.id
  group by a.id;
comment on view analytics.trial_balance is 'Balance of every account (debit > 0); per org and currency the balances sum to zero.';

create view analytics.event_finance_reporting as
  select f.*, o.default_currency as reporting_currency,
    case when f.currency = o.default_currency then 1::numeric else r.rate end as fx_rate,
    round(f.net_payout_minor * case when f.currency = o.default_currency then 1 else r.rate end)::bigint as net_payout_reporting_minor,
    round(f.gross_minor * case when f.currency = o.default_currency then 1 else r.rate end)::bigint as gross_reporting_minor
  from analytics.event_finance f join core.orgs o on o.id = f.org_id
  left join lateral (select x.rate from core.fx_rates x where x.from_currency = f.currency and x.to_currency = o.default_currency
                     and x.rate_date <= (f.period + interval '1 month' - interval '1 day')::date
                     order by x.rate_date desc limit 1) r on true;
comment on view analytics.event_finance_reporting is 'event_finance converted to the org''s default currency at the latest rate of the period (null when no rate). Reporting only.';

grant select on analytics.ledger_lines, analytics.event_finance, analytics.trial_balance, analytics.event_finance_reporting to analyst;

-- ---------------------------------------------------------------------------------------
-- api for finance staff (view_finance), bound to the caller's org

create function api.finance_summary(period_from date default null, period_to date default null, only_event_id uuid default null)
returns table (event_id uuid, event_name text, currency text, gross_minor bigint, platform_fees_minor bigint,
               taxes_minor bigint, refunds_minor bigint, revenue_minor bigint, provider_fees_minor bigint,
               chargebacks_minor bigint, net_payout_minor bigint)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('view_finance');
  if finance_summary.period_from is not null and finance_summary.period_to is not null
     and finance_summary.period_to < finance_summary.period_from then
    raise exception 'The period ends (%) before it starts (%)', finance_summary.period_to, finance_summary.period_from
      using errcode = 'P0001';
  end if;
  return query
  select l.event_id, max(ev.name), l.currency,
    coalesce(sum(l.amount_minor) filter (where l.transaction_kind = 'payment' and l.account_kind in ('provider_clearing', 'cash_drawer')), 0)::bigint,
    coalesce(-sum(l.amount_minor) filter (where l.account_kind = 'platform_fees'), 0)::bigint,
    coalesce(-sum(l.amount_minor) filter (where l.account_kind = 'taxes_payable'), 0)::bigint,
    coalesce(-sum(l.amount_minor) filter (where l.transaction_kind = 'refund' and l.account_kind in ('provider_clearing', 'cash_drawer')), 0)::bigint,
    coalesce(-sum(l.amount_minor) filter (where l.account_kind in ('organiser_revenue', 'refunds')), 0)::bigint,
    coalesce(sum(l.amount_minor) filter (where l.account_kind = 'provider_fees'), 0)::bigint,
    coalesce(sum(l.amount_minor) filter (where l.account_kind = 'chargebacks'), 0)::bigint,
    coalesce(-sum(l.amount_minor) filter (where l.account_kind in ('organiser_revenue', 'refunds', 'provider_fees', 'chargebacks')), 0)::bigint
  from analytics.ledger_lines l left join core.events ev on ev.id = l.event_id
  where l.org_id = auth.org_id()
    and (finance_summary.only_event_id is null or l.event_id = finance_summary.only_event_id)
    and (finance_summary.period_from is null or l.occurred_at >= finance_summary.period_from)
    and (finance_summary.period_to is null or l.occurred_at < finance_summary.period_to + 1)
  group by l.event_id, l.currency
  order by 2 nulls last, 3;
end
$$;
comment on function api.finance_summary(date, date, uuid) is 'Finance: per event and currency of the caller''s org in the period (or one event): gross, platform fees, taxes, refunds, revenue, provider fees, chargebacks, net payout (minor units). Roles with view_finance. Errors: P0001 period, PT403.';

create function api.trial_balance()
returns table (currency text, kind text, provider text, agent_user_id uuid, balance_minor bigint)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('view_finance');
  return query
  select t.currency, t.kind, t.provider, t.agent_user_id, t.balance_minor from analytics.trial_balance t
  where t.org_id = auth.org_id() order by 1, 2, 3;
end
$$;
comment on function api.trial_balance() is 'Finance: balances of the caller''s org''s ledger accounts (debit > 0); they sum to zero per currency. Roles with view_finance. Errors: PT403.';

create function api.order_ledger(order_id uuid)
returns table (transaction_id bigint, kind text, occurred_at timestamptz, description text, account_kind text,
               provider text, currency text, amount_minor bigint)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
begin
  select * into o from core.orders x where x.id = order_ledger.order_id;
  if not found or not core.can_read_org(o.org_id) then
    raise exception 'Order % not found', coalesce(order_ledger.order_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_permission('view_finance');
  return query
  select t.id, t.kind, t.occurred_at, t.description, a.kind, a.provider, e.currency, e.amount_minor
  from core.ledger_transactions t join core.ledger_entries e on e.transaction_id = t.id join core.ledger_accounts a on a.id = e.account_id
  where t.order_id = o.id order by t.id, e.id;
end
$$;
comment on function api.order_ledger(uuid) is 'Finance: every ledger entry of an order. Roles with view_finance. Errors: PT403, PT404.';

-- FX rates are platform data (one table for every org), kept by platform admins, and used only
-- by analytics.event_finance_reporting.
create function api.set_fx_rate(rate_date date, from_currency text, to_currency text, rate numeric)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  f text := upper(trim(set_fx_rate.from_currency));
  t text := upper(trim(set_fx_rate.to_currency));
  x core.fx_rates;
begin
  if not auth.is_platform_admin() then
    raise exception 'Only platform admins keep FX rates (role %)', auth.role() using errcode = 'PT403';
  end if;
  if set_fx_rate.rate_date is null or set_fx_rate.rate_date > current_date + 1 then
    raise exception 'Rate date % must be given and not in the future', set_fx_rate.rate_date using errcode = 'P0001';
  end if;
  if not exists (select from core.currencies c where c.code = f) or not exists (select from core.currencies c where c.code = t) then
    raise exception 'Currencies "%" and "%" must both be known currencies', left(coalesce(set_fx_rate.from_currency, ''), 10),
      left(coalesce(set_fx_rate.to_currency, ''), 10) using errcode = 'P0001';
  end if;
  if f = t then
    raise exception 'An FX rate converts between two different currencies, not % to itself', f using errcode = 'P0001';
  end if;
  if set_fx_rate.rate is null or set_fx_rate.rate <= 0 or set_fx_rate.rate > 1e9 then
    raise exception 'Rate % must be a positive number (1 % = rate %)', set_fx_rate.rate, f, t using errcode = 'P0001';
  end if;
  insert into core.fx_rates (rate_date, from_currency, to_currency, rate)
  values (set_fx_rate.rate_date, f, t, set_fx_rate.rate)
  on conflict on constraint fx_rates_pkey do update set rate = excluded.rate
  returning * into x;
  return to_jsonb(x);
end
$$;
comment on function api.set_fx_rate(date, text, text, numeric) is 'Platform admins: sets the FX rate of a day (1 from_currency = rate to_currency), replacing that day''s rate. For reporting only (analytics.event_finance_reporting); the ledger never converts. Returns the rate. Errors: P0001 date, currency or rate, PT403.';

grant execute on function api.finance_summary(date, date, uuid), api.trial_balance(), api.order_ledger(uuid),
  api.set_fx_rate(date, text, text, numeric) to staff;
