-- Settlement reconciliation: a provider's settlement/payout report, imported per org (each
-- organiser settles through its own provider subaccount: Paystack/Flutterwave subaccounts,
-- Stripe Connect accounts, its own Paynow integration), matched to our payments and refunds.
--
-- lib/payments/providers/settlement_csv.ts turns each provider's CSV into our normalized
-- lines ({type, reference, intent_id, gross_minor, fee_minor, net_minor, currency,
-- settled_at, payout_id}); api.import_settlement stores them once per file (sha256) and
-- matches them. Matching (also run daily by pg_cron, settlements__match, which tries the
-- unknown_payment exceptions again):
--   payment    -> the payment with that intent id (or order code, or for a Stripe Checkout
--                 Session the PaymentIntent its event named); gross and currency must equal
--                 the payment's; its fee is posted (Dr provider_fees, Cr clearing)
--   refund     -> the refund with that provider refund id (or the payment's intent)
--   chargeback -> posted against the order once per (provider, reference)
--   fee        -> a standalone provider fee
--   payout     -> Dr bank, Cr clearing
-- Exceptions for finance: unknown_payment, duplicate (the same payment settled twice),
-- amount_mismatch (gross or currency differ) and missing (a succeeded payment older than
-- three days that no settlement line covers; computed, not stored).

create table core.settlement_imports (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete restrict,
  provider text not null check (provider ~ '^[a-z0-9_]{2,40}$'),
  file_name text not null check (length(file_name) between 1 and 200),
  file_sha256 text not null check (file_sha256 ~ '^[0-9a-f]{64}$'),
  period_from date,
  period_to date,
  line_count int not null default 0,
  imported_by uuid,
  imported_at timestamptz not null default now(),
  unique (org_id, provider, file_sha256)
);
create index settlement_imports_org_idx on core.settlement_imports (org_id, imported_at);

create table core.settlement_lines (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete restrict,
  import_id uuid not null references core.settlement_imports (id) on delete restrict,
  provider text not null,
  line_no int not null,
  type text not null check (type in ('payment', 'refund', 'chargeback', 'fee', 'payout')),
  reference text not null check (length(reference) between 1 and 200),
  intent_id text,
  gross_minor bigint not null,
  fee_minor bigint not null default 0 check (fee_minor >= 0),
  net_minor bigint not null,
  currency text not null,
  settled_at timestamptz not null,
  payout_id text,
  status text not null default 'pending' check (status in ('pending', 'matched', 'exception')),
  exception text check (exception in ('unknown_payment', 'duplicate', 'amount_mismatch')),
  detail text,
  payment_id uuid references core.payments (id) on delete restrict,
  refund_id uuid references core.refunds (id) on delete restrict,
  matched_at timestamptz,
  unique (import_id, line_no),
  check ((status = 'exception') = (exception is not null))
);
create index settlement_lines_pending_idx on core.settlement_lines (org_id) where status = 'pending';
create index settlement_lines_payment_idx on core.settlement_lines (payment_id);
create index settlement_lines_org_idx on core.settlement_lines (org_id, settled_at);
-- the PaymentIntent a Stripe Checkout Session's event names, for matching settlement lines
create index payment_events_payment_intent_idx on core.payment_events
  (provider, (payload -> 'data' -> 'object' ->> 'payment_intent'))
  where payload -> 'data' -> 'object' ->> 'payment_intent' is not null;

select core.enable_tenant_rls('core.settlement_imports');
select core.enable_tenant_rls('core.settlement_lines');
revoke select, insert, update, delete on core.settlement_imports, core.settlement_lines from staff;

create function core.match_settlement_lines(org uuid default null, retry_unknown boolean default false) returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  l core.settlement_lines;
  p core.payments;
  r core.refunds;
  o core.orders;
  n int := 0;
  exc text;
  why text;
begin
  for l in select * from core.settlement_lines s
           where (s.status = 'pending' or (retry_unknown and s.exception = 'unknown_payment'))
             and (org is null or s.org_id = org)
           order by s.settled_at, s.id for update skip locked loop
    exc := null; why := null; p := null; r := null; o := null;
    if l.type in ('payment', 'chargeback') then
      select x.* into p from core.payments x
      where x.org_id = l.org_id and x.provider = l.provider and x.status in ('succeeded', 'refund_required', 'refunded')
        and (x.intent_id = l.intent_id or x.intent_id = l.reference
             or x.order_id = (select id from core.orders where code = core.normalize_order_code(l.reference))
             -- a Stripe Checkout Session (our intent id) settles under the PaymentIntent its
             -- verified checkout.session.completed event named
             or x.id = (select e.payment_id from core.payment_events e
                        where e.provider = l.provider and l.intent_id is not null
                          and e.payload -> 'data' -> 'object' ->> 'payment_intent' = l.intent_id
                        limit 1))
      order by (x.intent_id = coalesce(l.intent_id, l.reference)) desc limit 1;
      if p.id is null then
        exc := 'unknown_payment'; why := format('No %s payment matches %s', l.provider, coalesce(l.intent_id, l.reference));
      elsif l.type = 'payment' and exists (select from core.settlement_lines d where d.payment_id = p.id and d.type = 'payment'
                                           and d.status = 'matched' and d.id <> l.id) then
        exc := 'duplicate'; why := format('Payment %s was already settled', p.intent_id);
      -- compared with what the provider said it received (sql/151), the attempt's amount until then
      elsif l.type = 'payment' and (l.gross_minor <> coalesce(p.received_minor, p.amount_minor)
                                    or l.currency <> coalesce(p.received_currency, p.currency)) then
        exc := 'amount_mismatch';
        why := format('Settled %s %s but the payment was %s %s', l.gross_minor, l.currency,
                      coalesce(p.received_minor, p.amount_minor), coalesce(p.received_currency, p.currency));
      end if;
      if exc is null then
        select * into o from core.orders where id = p.order_id;
        if l.type = 'chargeback' then
          perform core.post_chargeback(o, abs(l.gross_minor), 'chargeback:' || l.provider || ':' || l.reference);
        end if;
        if l.fee_minor > 0 then
          perform core.post_provider_fee(l.org_id, l.provider, l.currency, l.fee_minor, 'settlement_fee:' || l.id, o.id, o.event_id);
        end if;
      end if;
    elsif l.type = 'refund' then
      select x.* into r from core.refunds x
      where x.org_id = l.org_id and x.provider = l.provider and x.status = 'succeeded'
        and (x.provider_refund_id = l.reference or x.intent_id = l.intent_id)
        and not exists (select from core.settlement_lines d where d.refund_id = x.id and d.status = 'matched')
      order by (x.provider_refund_id = l.reference) desc, x.created_at limit 1;
      if r.id is null then
        exc := 'unknown_payment'; why := format('No confirmed %s refund matches %s', l.provider, l.reference);
      elsif abs(l.gross_minor) <> r.amount_minor or l.currency <> r.currency then
        exc := 'amount_mismatch';
        why := format('Settled refund %s %s but we refunded %s %s', abs(l.gross_minor), l.currency, r.amount_minor, r.currency);
      elsif l.fee_minor > 0 then
        perform core.post_provider_fee(l.org_id, l.provider, l.currency, l.fee_minor, 'settlement_fee:' || l.id);
      end if;
    elsif l.type = 'fee' then
      perform core.post_provider_fee(l.org_id, l.provider, l.currency, abs(l.gross_minor) + l.fee_minor, 'settlement_fee:' || l.id);
    else -- payout
      perform core.post_payout(l.org_id, l.provider, l.currency, abs(l.gross_minor),
                               'settlement_payout:' || l.provider || ':' || coalesce(l.payout_id, l.reference));
    end if;
    update core.settlement_lines set status = case when exc is null then 'matched' else 'exception' end, exception = exc,
      detail = why, payment_id = p.id, refund_id = r.id, matched_at = now()
    where id = l.id;
    n := n + 1;
  end loop;
  return n;
end
$$;
comment on function core.match_settlement_lines(uuid, boolean) is 'Matches pending settlement lines (of one org, or all) to payments/refunds, posts fees, chargebacks and payouts once, marks exceptions; with retry_unknown also the unknown_payment exceptions again (their payment or refund may have been confirmed since). Returns how many lines it decided. Run daily by pg_cron (settlements__match).';

-- Daily: a report often lists a payment before its webhook arrived (or a refund before the
-- provider confirmed it); those lines were unknown_payment at import and are tried again.
select core.schedule_job('settlements__match', '15 3 * * *', 'select core.match_settlement_lines(null, true)');

create function api.import_settlement(provider text, file_name text, file_sha256 text, lines jsonb,
                                      period_from date default null, period_to date default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  org uuid := auth.org_id();
  imp core.settlement_imports;
  l jsonb;
  i int := 0;
  t text;
begin
  perform core.require_permission('view_finance');
  if org is null then
    raise exception 'Sign in to an organisation first' using errcode = 'PT403';
  end if;
  if import_settlement.provider is null or import_settlement.provider !~ '^[a-z0-9_]{2,40}$' then
    raise exception 'Provider "%" must be 2 to 40 lowercase letters, digits or _', left(coalesce(import_settlement.provider, ''), 40)
      using errcode = 'P0001';
  end if;
  if import_settlement.file_sha256 is null or import_settlement.file_sha256 !~ '^[0-9a-f]{64}$' then
    raise exception 'File hash "%" must be 64 lowercase hex characters', left(coalesce(import_settlement.file_sha256, ''), 70)
      using errcode = 'P0001';
  end if;
  if import_settlement.file_name is null or length(import_settlement.file_name) not between 1 and 200 then
    raise exception 'File name must be 1 to 200 characters' using errcode = 'P0001';
  end if;
  if jsonb_typeof(import_settlement.lines) is distinct from 'array' or jsonb_array_length(import_settlement.lines) > 100000 then
    raise exception 'Lines must be a list of at most 100000 settlement lines' using errcode = 'P0001';
  end if;
  select * into imp from core.settlement_imports x
  where x.org_id = org and x.provider = import_settlement.provider and x.file_sha256 = import_settlement.file_sha256;
  if found then
    return to_jsonb(imp) || jsonb_build_object('replay', true);
  end if;
  insert into core.settlement_imports (org_id, provider, file_name, file_sha256, period_from, period_to, line_count, imported_by)
  values (org, import_settlement.provider, import_settlement.file_name, import_settlement.file_sha256,
          import_settlement.period_from, import_settlement.period_to, jsonb_array_length(import_settlement.lines), auth.user_id())
  returning * into imp;
  for l in select value from jsonb_array_elements(import_settlement.lines) loop
    i := i + 1;
    t := l ->> 'type';
    if t is null or t not in ('payment', 'refund', 'chargeback', 'fee', 'payout') then
      raise exception 'Line %: type "%" must be payment, refund, chargeback, fee or payout', i, left(coalesce(t, ''), 20)
        using errcode = 'P0001';
    end if;
    if coalesce(l ->> 'reference', '') = '' or coalesce(l ->> 'gross_minor', '') !~ '^-?[0-9]{1,15}$'
       or coalesce(l ->> 'fee_minor', '0') !~ '^[0-9]{1,15}$' or coalesce(l ->> 'currency', '') !~ '^[A-Z]{3}$' then
      raise exception 'Line %: needs a reference, whole gross_minor and fee_minor and a 3-letter currency', i using errcode = 'P0001';
    end if;
    begin
      insert into core.settlement_lines (org_id, import_id, provider, line_no, type, reference, intent_id, gross_minor, fee_minor,
                                         net_minor, currency, settled_at, payout_id)
      values (org, imp.id, imp.provider, i, t, left(l ->> 'reference', 200), left(l ->> 'intent_id', 200),
              (l ->> 'gross_minor')::bigint, coalesce((l ->> 'fee_minor')::bigint, 0),
              coalesce((l ->> 'net_minor')::bigint, (l ->> 'gross_minor')::bigint - coalesce((l ->> 'fee_minor')::bigint, 0)),
              l ->> 'currency', coalesce((l ->> 'settled_at')::timestamptz, now()), left(l ->> 'payout_id', 200));
    exception when invalid_datetime_format or datetime_field_overflow then
      raise exception 'Line %: settled_at "%" is not a date and time', i, left(l ->> 'settled_at', 40) using errcode = 'P0001';
    end;
  end loop;
  perform core.match_settlement_lines(org);
  return to_jsonb(imp) || jsonb_build_object('replay', false,
    'matched', (select count(*) from core.settlement_lines where import_id = imp.id and status = 'matched'),
    'exceptions', (select count(*) from core.settlement_lines where import_id = imp.id and status = 'exception'));
end
$$;
comment on function api.import_settlement(text, text, text, jsonb, date, date) is 'Finance: imports a provider settlement report (normalized lines, see lib/payments/providers/settlement_csv.ts) once per file hash and matches it. Returns the import with matched and exceptions counts (replay true for a file imported before). Roles with view_finance. Errors: P0001 malformed line, PT403.';

create function api.reconciliation_exceptions(period_from date default null, period_to date default null)
returns table (kind text, provider text, reference text, line_id bigint, payment_id uuid, order_code text,
               expected_minor bigint, actual_minor bigint, currency text, at timestamptz, detail text)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('view_finance');
  return query
  select l.exception, l.provider, l.reference, l.id, l.payment_id, o.code, p.amount_minor, l.gross_minor, l.currency,
         l.settled_at, l.detail
  from core.settlement_lines l left join core.payments p on p.id = l.payment_id left join core.orders o on o.id = p.order_id
  where l.org_id = auth.org_id() and l.status = 'exception'
    and (reconciliation_exceptions.period_from is null or l.settled_at >= reconciliation_exceptions.period_from)
    and (reconciliation_exceptions.period_to is null or l.settled_at < reconciliation_exceptions.period_to + 1)
  union all
  select 'missing', p.provider, o.code, null, p.id, o.code, p.amount_minor, null, p.currency, p.succeeded_at,
         format('No %s settlement line covers payment %s (succeeded %s)', p.provider, p.intent_id, p.succeeded_at::date)
  from core.payments p join core.orders o on o.id = p.order_id
  where p.org_id = auth.org_id() and p.status in ('succeeded', 'refund_required', 'refunded') and p.amount_minor > 0
    and p.succeeded_at < now() - interval '3 days'
    and exists (select from core.settlement_imports i where i.org_id = p.org_id and i.provider = p.provider)
    and not exists (select from core.settlement_lines l where l.payment_id = p.id and l.type = 'payment' and l.status = 'matched')
    and (reconciliation_exceptions.period_from is null or p.succeeded_at >= reconciliation_exceptions.period_from)
    and (reconciliation_exceptions.period_to is null or p.succeeded_at < reconciliation_exceptions.period_to + 1)
  order by 10, 3;
end
$$;
comment on function api.reconciliation_exceptions(date, date) is 'Finance: settlement exceptions of the caller''s org in the period: unknown_payment, duplicate, amount_mismatch (lines) and missing (succeeded payments older than 3 days that no line covers, for providers with imports). Roles with view_finance. Errors: PT403.';

create function api.reconciliation_status(period_from date default null, period_to date default null)
returns table (provider text, currency text, lines bigint, matched bigint, pending bigint, exceptions bigint,
               missing bigint, settled_gross_minor bigint, fees_minor bigint, payouts_minor bigint, reconciled boolean)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('view_finance');
  return query
  with l as (
    select * from core.settlement_lines x where x.org_id = auth.org_id()
      and (reconciliation_status.period_from is null or x.settled_at >= reconciliation_status.period_from)
      and (reconciliation_status.period_to is null or x.settled_at < reconciliation_status.period_to + 1)
  ), m as (
    select e.provider, e.currency, count(*) as n from api.reconciliation_exceptions(reconciliation_status.period_from,
      reconciliation_status.period_to) e where e.kind = 'missing' group by 1, 2
  ), keys as (select distinct l.provider, l.currency from l union select m.provider, m.currency from m)
  select k.provider, k.currency,
    (select count(*) from l where l.provider = k.provider and l.currency = k.currency),
    (select count(*) from l where l.provider = k.provider and l.currency = k.currency and l.status = 'matched'),
    (select count(*) from l where l.provider = k.provider and l.currency = k.currency and l.status = 'pending'),
    (select count(*) from l where l.provider = k.provider and l.currency = k.currency and l.status = 'exception'),
    coalesce((select m.n from m where m.provider = k.provider and m.currency = k.currency), 0),
    (select coalesce(sum(l.gross_minor), 0)::bigint from l where l.provider = k.provider and l.currency = k.currency and l.type = 'payment' and l.status = 'matched'),
    (select coalesce(sum(l.fee_minor), 0)::bigint from l where l.provider = k.provider and l.currency = k.currency and l.status = 'matched'),
    (select coalesce(sum(abs(l.gross_minor)), 0)::bigint from l where l.provider = k.provider and l.currency = k.currency and l.type = 'payout'),
    not exists (select from l where l.provider = k.provider and l.currency = k.currency and l.status <> 'matched')
      and not exists (select from m where m.provider = k.provider and m.currency = k.currency)
  from keys k order by 1, 2;
end
$$;
comment on function api.reconciliation_status(date, date) is 'Finance: reconciliation per provider and currency of the caller''s org in the period: lines, matched, pending, exceptions, missing payments, settled gross, fees, payouts and whether everything reconciles. Roles with view_finance. Errors: PT403.';

-- Reconciliation status per org and period (calendar month of settlement, provider, currency)
-- as a view, for GET /rest/reconciliation_periods and PostgREST: the caller's org only, and
-- only for roles with view_finance (others read no rows). Same counts as
-- api.reconciliation_status; a payment is missing in the month it succeeded.
create view api.reconciliation_periods with (security_barrier = true) as
  with l as (
    select x.org_id, x.provider, x.currency, date_trunc('month', x.settled_at)::date as period, x.status, x.type,
           x.gross_minor, x.fee_minor
    from core.settlement_lines x
    where x.org_id = (select auth.org_id()) and (select core.may('view_finance'))
  ), m as (
    select p.org_id, p.provider, p.currency, date_trunc('month', p.succeeded_at)::date as period, count(*) as n
    from core.payments p
    where p.org_id = (select auth.org_id()) and (select core.may('view_finance'))
      and p.status in ('succeeded', 'refund_required', 'refunded') and p.amount_minor > 0
      and p.succeeded_at < now() - interval '3 days'
      and exists (select from core.settlement_imports i where i.org_id = p.org_id and i.provider = p.provider)
      and not exists (select from core.settlement_lines s where s.payment_id = p.id and s.type = 'payment' and s.status = 'matched')
    group by 1, 2, 3, 4
  ), g as (
    select l.org_id, l.provider, l.currency, l.period, count(*) as lines,
      count(*) filter (where l.status = 'matched') as matched,
      count(*) filter (where l.status = 'pending') as pending,
      count(*) filter (where l.status = 'exception') as exceptions,
      coalesce(sum(l.gross_minor) filter (where l.type = 'payment' and l.status = 'matched'), 0)::bigint as settled_gross_minor,
      coalesce(sum(l.fee_minor) filter (where l.status = 'matched'), 0)::bigint as fees_minor,
      coalesce(sum(abs(l.gross_minor)) filter (where l.type = 'payout'), 0)::bigint as payouts_minor
    from l group by 1, 2, 3, 4
  )
  select coalesce(g.org_id, m.org_id) as org_id, coalesce(g.period, m.period) as period_from,
    (coalesce(g.period, m.period) + interval '1 month' - interval '1 day')::date as period_to,
    coalesce(g.provider, m.provider) as provider, coalesce(g.currency, m.currency) as currency,
    coalesce(g.lines, 0) as lines, coalesce(g.matched, 0) as matched, coalesce(g.pending, 0) as pending,
    coalesce(g.exceptions, 0) as exceptions, coalesce(m.n, 0) as missing,
    coalesce(g.settled_gross_minor, 0) as settled_gross_minor, coalesce(g.fees_minor, 0) as fees_minor,
    coalesce(g.payouts_minor, 0) as payouts_minor,
    coalesce(g.lines = g.matched, true) and m.n is null as reconciled
  from g full join m on m.org_id = g.org_id and m.provider = g.provider and m.currency = g.currency and m.period = g.period;
comment on view api.reconciliation_periods is 'Finance: reconciliation status of the caller''s org per month (period_from..period_to), provider and currency: lines, matched, pending, exceptions, missing payments, settled gross, fees, payouts, reconciled. Empty for roles without view_finance.';
grant select on api.reconciliation_periods to staff;

grant execute on function api.import_settlement(text, text, text, jsonb, date, date),
  api.reconciliation_exceptions(date, date), api.reconciliation_status(date, date) to staff;
