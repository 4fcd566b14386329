-- Double-entry ledger (DESIGN invariant 5: the ledger balances; money in it equals payments
-- minus refunds).
--
-- * core.ledger_accounts: one per (org, kind, currency[, provider][, agent]). Kinds:
--     provider_clearing  (asset)     money a provider holds for us, per provider and currency
--     cash_drawer        (asset)     cash taken at the box office, per agent (null = unassigned)
--     bank               (asset)     what the provider paid out to the organiser's bank
--     organiser_revenue  (income)    ticket revenue of the organiser
--     platform_fees      (income)    booking fees charged to the buyer
--     taxes_payable      (liability) tax collected on the order's quote
--     refunds            (contra)    revenue given back
--     unapplied_receipts (liability) money that arrived for an order that could not take it
--     provider_fees      (expense)   the provider's processing fees (from settlements)
--     chargebacks        (expense)   disputes lost
-- * core.ledger_transactions: one balanced money movement, unique by source_key (so every
--   posting function is idempotent: a replayed webhook, a second trigger firing or a re-run
--   match posts nothing the second time).
-- * core.ledger_entries: signed amounts in minor units, debit > 0, credit < 0. An entry's
--   currency is its account's (composite foreign key); a DEFERRABLE constraint trigger checks
--   at commit that every transaction sums to zero per currency. Entries and transactions are
--   append-only: corrections are reversing transactions (core.reverse_ledger_transaction).
-- * core.fx_rates: daily rates for reporting in an org's default currency only; the ledger
--   never converts.

create table core.ledger_accounts (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete restrict,
  kind text not null check (kind in ('provider_clearing', 'cash_drawer', 'bank', 'organiser_revenue', 'platform_fees',
                                     'taxes_payable', 'refunds', 'unapplied_receipts', 'provider_fees', 'chargebacks')),
  currency text not null references core.currencies (code) on delete restrict,
  provider text check (provider ~ '^[a-z0-9_]{2,40}$'),
  agent_user_id uuid references core.users (id) on delete restrict,
  created_at timestamptz not null default now(),
  check ((kind = 'provider_clearing') = (provider is not null) or kind = 'provider_fees' or kind = 'chargebacks'),
  check (agent_user_id is null or kind = 'cash_drawer'),
  unique (id, org_id, currency)
);
create unique index ledger_accounts_key on core.ledger_accounts
  (org_id, kind, currency, coalesce(provider, ''), coalesce(agent_user_id, '00000000-0000-0000-0000-000000000000'));
comment on table core.ledger_accounts is 'Ledger accounts per org, kind and currency (provider clearing per provider, cash drawers per box-office agent).';

create table core.ledger_transactions (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete restrict,
  kind text not null check (kind in ('payment', 'refund', 'chargeback', 'provider_fee', 'payout', 'unapplied_receipt',
                                     'reversal', 'adjustment')),
  source_key text not null unique check (length(source_key) between 3 and 200),
  order_id uuid references core.orders (id) on delete restrict,
  event_id uuid references core.events (id) on delete restrict,
  payment_id uuid references core.payments (id) on delete restrict,
  reverses_id bigint references core.ledger_transactions (id) on delete restrict,
  description text not null,
  occurred_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index ledger_transactions_org_idx on core.ledger_transactions (org_id, occurred_at);
create index ledger_transactions_order_idx on core.ledger_transactions (order_id);
create index ledger_transactions_event_idx on core.ledger_transactions (event_id);
comment on table core.ledger_transactions is 'One balanced money movement; source_key makes each posting happen once.';

create table core.ledger_entries (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  transaction_id bigint not null references core.ledger_transactions (id) on delete restrict,
  account_id bigint not null,
  currency text not null,
  amount_minor bigint not null check (amount_minor <> 0),
  foreign key (account_id, org_id, currency) references core.ledger_accounts (id, org_id, currency) on delete restrict
);
create index ledger_entries_tx_idx on core.ledger_entries (transaction_id);
create index ledger_entries_account_idx on core.ledger_entries (account_id);
create index ledger_entries_org_idx on core.ledger_entries (org_id);
comment on table core.ledger_entries is 'Signed entries (debit > 0, credit < 0) in minor units of the account''s currency. Append-only.';

create table core.fx_rates (
  rate_date date not null,
  from_currency text not null references core.currencies (code) on delete restrict,
  to_currency text not null references core.currencies (code) on delete restrict,
  rate numeric not null check (rate > 0),
  primary key (rate_date, from_currency, to_currency),
  check (from_currency <> to_currency)
);
comment on table core.fx_rates is 'Daily FX rates (1 from = rate to), for reporting in an org''s default currency only. The ledger never converts.';
grant select on core.fx_rates to staff, analyst;

select core.enable_tenant_rls('core.ledger_accounts');
select core.enable_tenant_rls('core.ledger_transactions');
select core.enable_tenant_rls('core.ledger_entries');
-- finance data is read through api functions that check view_finance, never directly
revoke select, insert, update, delete on core.ledger_accounts, core.ledger_transactions, core.ledger_entries from staff;

-- ---------------------------------------------------------------------------------------
-- Integrity: balanced at commit, append-only, entries' org = transaction's org

-- A deferred constraint trigger runs at COMMIT as whatever role the request switched to (a
-- buyer paying, the payment service, a box-office agent), and those may not read ledger rows:
-- it reads them as the engine does.
-- It fires once per entry, but a transaction needs checking once: only the trigger of the
-- transaction's last entry (highest id) does the work, in one grouped query. That is safe:
-- every entry is in the table by commit, ids only grow, and an entry added later to an old
-- transaction is that transaction's last. (An earlier version ran three queries per entry; on
-- the paid-order path that was most of the ledger's cost.)
create function core.tg_ledger_entries__balanced() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  n bigint;
  mixed boolean;
  bad_currency text;
  bad_sum bigint;
begin
  if exists (select from core.ledger_entries e where e.transaction_id = new.transaction_id and e.id > new.id) then
    return null; -- a later entry of the same transaction checks it
  end if;
  select sum(g.n), bool_or(g.mixed), min(g.currency) filter (where g.s <> 0), min(g.s) filter (where g.s <> 0)
  into n, mixed, bad_currency, bad_sum
  from (select e.currency, sum(e.amount_minor) as s, count(*) as n, bool_or(e.org_id <> t.org_id) as mixed
        from core.ledger_entries e join core.ledger_transactions t on t.id = e.transaction_id
        where e.transaction_id = new.transaction_id group by e.currency) g;
  if n < 2 then
    raise exception 'Ledger transaction % has % entry; it needs at least two', new.transaction_id, n using errcode = '23514';
  end if;
  if bad_currency is not null then
    raise exception 'Ledger transaction % is unbalanced in %: debits and credits differ by %', new.transaction_id,
      bad_currency, bad_sum using errcode = '23514';
  end if;
  if mixed then
    raise exception 'Ledger transaction % mixes organisations', new.transaction_id using errcode = '23514';
  end if;
  return null;
end
$$;
create constraint trigger "10_balanced" after insert on core.ledger_entries
  deferrable initially deferred for each row execute function core.tg_ledger_entries__balanced();

create function core.tg_ledger__append_only() returns trigger
language plpgsql
as $$
begin
  raise exception 'Ledger rows are append-only (% on %); post a reversing transaction instead', tg_op, tg_table_name
    using errcode = '55000';
end
$$;
create trigger "10_append_only" before update or delete on core.ledger_entries
  for each row execute function core.tg_ledger__append_only();
create trigger "11_append_only" before truncate on core.ledger_entries
  for each statement execute function core.tg_ledger__append_only();
create trigger "10_append_only" before update or delete on core.ledger_transactions
  for each row execute function core.tg_ledger__append_only();
create trigger "11_append_only" before truncate on core.ledger_transactions
  for each statement execute function core.tg_ledger__append_only();

-- ---------------------------------------------------------------------------------------
-- Posting helpers

create function core.ledger_account(org uuid, kind text, currency text, provider text default null,
                                    agent uuid default null) returns bigint
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  aid bigint;
begin
  select id into aid from core.ledger_accounts a
  where a.org_id = org and a.kind = ledger_account.kind and a.currency = ledger_account.currency
    and coalesce(a.provider, '') = coalesce(ledger_account.provider, '')
    and coalesce(a.agent_user_id, '00000000-0000-0000-0000-000000000000') = coalesce(agent, '00000000-0000-0000-0000-000000000000');
  if aid is null then
    insert into core.ledger_accounts (org_id, kind, currency, provider, agent_user_id)
    values (org, ledger_account.kind, ledger_account.currency, ledger_account.provider, agent)
    on conflict do nothing returning id into aid;
    if aid is null then
      return core.ledger_account(org, kind, currency, provider, agent);
    end if;
  end if;
  return aid;
end
$$;
comment on function core.ledger_account(uuid, text, text, text, uuid) is 'The id of the org''s account of this kind and currency (per provider / agent), created on first use.';

-- The ids of several of the org's accounts in this currency, in the order asked: kinds[i] with
-- providers[i] and agents[i] (null: none), creating missing ones. One indexed query when they
-- all exist: the paid-order path needs four at a time (receipt, revenue, fees, tax).
create function core.ledger_accounts_of(org uuid, currency text, kinds text[], providers text[] default null,
                                        agents uuid[] default null) returns bigint[]
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  ids bigint[];
begin
  select array_agg(a.id order by k.ord) into ids
  from unnest(kinds, providers, agents) with ordinality k(kind, provider, agent, ord)
  join core.ledger_accounts a on a.org_id = org and a.kind = k.kind and a.currency = ledger_accounts_of.currency
    and coalesce(a.provider, '') = coalesce(k.provider, '')
    and coalesce(a.agent_user_id, '00000000-0000-0000-0000-000000000000') = coalesce(k.agent, '00000000-0000-0000-0000-000000000000');
  if coalesce(cardinality(ids), 0) <> cardinality(kinds) then
    select array_agg(core.ledger_account(org, k.kind, ledger_accounts_of.currency, k.provider, k.agent) order by k.ord) into ids
    from unnest(kinds, providers, agents) with ordinality k(kind, provider, agent, ord);
  end if;
  return ids;
end
$$;
comment on function core.ledger_accounts_of(uuid, text, text[], text[], uuid[]) is 'The ids of the org''s accounts kinds[i] (per providers[i], agents[i]) in this currency, in order, created on first use; one query when all exist.';

-- Posts one transaction from parallel arrays of accounts and signed amounts in one insert;
-- zero amounts are skipped. Returns the transaction id, or null when source_key was posted
-- before (idempotent). The balance is checked at commit by the constraint trigger.
create function core.post_ledger_rows(org uuid, kind text, source_key text, currency text, accounts bigint[],
                                      amounts bigint[], description text, order_id uuid default null,
                                      event_id uuid default null, payment_id uuid default null,
                                      reverses_id bigint default null, occurred_at timestamptz default now())
returns bigint
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  tid bigint;
begin
  insert into core.ledger_transactions (org_id, kind, source_key, order_id, event_id, payment_id, reverses_id, description, occurred_at)
  values (org, post_ledger_rows.kind, post_ledger_rows.source_key, post_ledger_rows.order_id, post_ledger_rows.event_id,
          post_ledger_rows.payment_id, post_ledger_rows.reverses_id, post_ledger_rows.description, post_ledger_rows.occurred_at)
  on conflict on constraint ledger_transactions_source_key_key do nothing
  returning id into tid;
  if tid is null then
    return null;
  end if;
  insert into core.ledger_entries (org_id, transaction_id, account_id, currency, amount_minor)
  select org, tid, u.account, post_ledger_rows.currency, u.amount
  from unnest(accounts, amounts) u(account, amount) where u.amount <> 0;
  return tid;
end
$$;
comment on function core.post_ledger_rows(uuid, text, text, text, bigint[], bigint[], text, uuid, uuid, uuid, bigint, timestamptz) is 'Posts one balanced transaction (checked at commit) once per source_key from arrays of accounts and signed amounts; returns its id or null when already posted.';

-- Posts one transaction: entries is a jsonb array of {account (id), amount (signed minor)};
-- zero amounts are skipped. Returns the transaction id, or null when source_key was posted
-- before (idempotent).
create function core.post_ledger(org uuid, kind text, source_key text, currency text, entries jsonb,
                                 description text, order_id uuid default null, event_id uuid default null,
                                 payment_id uuid default null, reverses_id bigint default null,
                                 occurred_at timestamptz default now()) returns bigint
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  select core.post_ledger_rows(org, kind, source_key, currency,
    array(select (e ->> 'account')::bigint from jsonb_array_elements(entries) with ordinality x(e, i) order by i),
    array(select (e ->> 'amount')::bigint from jsonb_array_elements(entries) with ordinality x(e, i) order by i),
    description, order_id, event_id, payment_id, reverses_id, occurred_at)
$$;
comment on function core.post_ledger(uuid, text, text, text, jsonb, text, uuid, uuid, uuid, bigint, timestamptz) is 'Posts one balanced transaction (checked at commit) once per source_key; returns its id or null when already posted.';

create function core.reverse_ledger_transaction(tid bigint, reason text) returns bigint
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  t core.ledger_transactions;
  rid bigint;
begin
  select * into t from core.ledger_transactions where id = tid;
  if not found then
    raise exception 'Ledger transaction % not found', tid using errcode = 'PT404';
  end if;
  insert into core.ledger_transactions (org_id, kind, source_key, order_id, event_id, payment_id, reverses_id, description)
  values (t.org_id, 'reversal', 'reversal:' || t.id, t.order_id, t.event_id, t.payment_id, t.id,
          'Reversal of ' || t.description || ': ' || coalesce(reason, ''))
  on conflict on constraint ledger_transactions_source_key_key do nothing returning id into rid;
  if rid is null then
    return null;
  end if;
  insert into core.ledger_entries (org_id, transaction_id, account_id, currency, amount_minor)
  select org_id, rid, account_id, currency, -amount_minor from core.ledger_entries where transaction_id = t.id;
  return rid;
end
$$;
comment on function core.reverse_ledger_transaction(bigint, text) is 'Posts the mirror image of a transaction (once); the only way to correct the ledger.';

-- The account the buyer's money sits in: a provider's clearing account, or for cash at the
-- box office the drawer of the agent who took it.
create function core.receipt_account(org uuid, currency text, provider text, agent uuid) returns bigint
language sql volatile
as $$
  select case when provider in ('cash', 'box_office')
    then core.ledger_account(org, 'cash_drawer', currency, null, agent)
    else core.ledger_account(org, 'provider_clearing', currency, provider) end
$$;

-- Payment captured: gross -> receipt account; revenue, booking fees and tax per the quote.
create function core.post_order_paid(o core.orders) returns bigint
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  agent uuid;
begin
  if o.status <> 'paid' or o.total_minor = 0 then
    return null; -- complimentary orders move no money
  end if;
  if o.payment_provider in ('cash', 'box_office') then
    agent := auth.user_id();
    if agent is not null and not exists (select from core.users where id = agent) then
      agent := null;
    end if;
  end if;
  -- the hot path of a sale: the four accounts in one lookup, the entries in one insert
  return core.post_ledger_rows(o.org_id, 'payment', 'order_paid:' || o.id, o.currency,
    core.ledger_accounts_of(o.org_id, o.currency,
      array[case when o.payment_provider in ('cash', 'box_office') then 'cash_drawer' else 'provider_clearing' end,
            'organiser_revenue', 'platform_fees', 'taxes_payable'],
      array[case when o.payment_provider in ('cash', 'box_office') then null else o.payment_provider end, null, null, null],
      array[agent, null, null, null]::uuid[]),
    array[o.total_minor, -(o.total_minor - o.fees_minor - o.tax_minor), -o.fees_minor, -o.tax_minor],
    format('Order %s paid through %s', o.code, o.payment_provider), o.id, o.event_id,
    (select p.id from core.payments p where p.provider = o.payment_provider and p.intent_id = o.payment_reference),
    null, coalesce(o.paid_at, now()));
end
$$;
comment on function core.post_order_paid(core.orders) is 'Posts a paid order once (source order_paid:<id>): Dr receipt account total; Cr revenue, platform fees, taxes payable per the quote.';

create function core.tg_orders__post_paid() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.post_order_paid(new);
  return null;
end
$$;
create trigger "50_post_paid" after update of status on core.orders
  for each row when (new.status = 'paid' and old.status is distinct from 'paid')
  execute function core.tg_orders__post_paid();
create trigger "50_post_paid_insert" after insert on core.orders
  for each row when (new.status = 'paid') execute function core.tg_orders__post_paid();

-- Money that arrived for an order that could not take it (payments.status refund_required):
-- it is in the provider's clearing account and owed back to the buyer. Posted at what the
-- provider says it received (payments.received_minor / received_currency, from its verified
-- event), not at the attempt's amount: when the two differ, the ledger must hold what the
-- provider holds. (An earlier version posted new.amount_minor, the attempt's.)
create function core.tg_payments__post_unapplied() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
  a bigint := coalesce(new.received_minor, new.amount_minor);
  cur text := coalesce(new.received_currency, new.currency);
begin
  if a <= 0 then
    return null;
  end if;
  select * into o from core.orders where id = new.order_id;
  perform core.post_ledger(new.org_id, 'unapplied_receipt', 'payment_unapplied:' || new.id, cur, jsonb_build_array(
      jsonb_build_object('account', core.ledger_account(new.org_id, 'provider_clearing', cur, new.provider), 'amount', a),
      jsonb_build_object('account', core.ledger_account(new.org_id, 'unapplied_receipts', cur), 'amount', -a)),
    format('Payment %s for order %s received (%s) but not applied: %s', new.intent_id, o.code, core.money_text(a, cur),
           coalesce(new.failure_reason, '')),
    o.id, o.event_id, new.id);
  return null;
end
$$;
create trigger "50_post_unapplied" after update of status on core.payments
  for each row when (new.status = 'refund_required' and old.status is distinct from 'refund_required')
  execute function core.tg_payments__post_unapplied();

-- Refund of a paid order (amount a): fee and tax given back in proportion to the order's
-- quote, the rest against revenue (refunds contra account); credit the receipt account.
create function core.post_order_refund(o core.orders, a bigint, source_key text, description text,
                                       occurred_at timestamptz default now()) returns bigint
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  fee_part bigint := case when o.total_minor > 0 then (a * o.fees_minor) / o.total_minor else 0 end;
  tax_part bigint := case when o.total_minor > 0 then (a * o.tax_minor) / o.total_minor else 0 end;
  receipt bigint;
begin
  select e.account_id into receipt from core.ledger_entries e join core.ledger_transactions t on t.id = e.transaction_id
  where t.source_key = 'order_paid:' || o.id and e.amount_minor > 0 limit 1;
  receipt := coalesce(receipt, core.receipt_account(o.org_id, o.currency, o.payment_provider, null));
  return core.post_ledger(o.org_id, 'refund', source_key, o.currency, jsonb_build_array(
      jsonb_build_object('account', core.ledger_account(o.org_id, 'refunds', o.currency), 'amount', a - fee_part - tax_part),
      jsonb_build_object('account', core.ledger_account(o.org_id, 'platform_fees', o.currency), 'amount', fee_part),
      jsonb_build_object('account', core.ledger_account(o.org_id, 'taxes_payable', o.currency), 'amount', tax_part),
      jsonb_build_object('account', receipt, 'amount', -a)),
    description, o.id, o.event_id, null, null, occurred_at);
end
$$;

create function core.post_chargeback(o core.orders, a bigint, source_key text) returns bigint
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  select core.post_ledger(o.org_id, 'chargeback', source_key, o.currency, jsonb_build_array(
      jsonb_build_object('account', core.ledger_account(o.org_id, 'chargebacks', o.currency, o.payment_provider), 'amount', a),
      jsonb_build_object('account', core.ledger_account(o.org_id, 'provider_clearing', o.currency, o.payment_provider), 'amount', -a)),
    format('Chargeback on order %s', o.code), o.id, o.event_id)
$$;

create function core.post_provider_fee(org uuid, provider text, currency text, a bigint, source_key text,
                                       order_id uuid default null, event_id uuid default null) returns bigint
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  select core.post_ledger(org, 'provider_fee', source_key, currency, jsonb_build_array(
      jsonb_build_object('account', core.ledger_account(org, 'provider_fees', currency, provider), 'amount', a),
      jsonb_build_object('account', core.ledger_account(org, 'provider_clearing', currency, provider), 'amount', -a)),
    format('%s processing fee', provider), order_id, event_id)
$$;

create function core.post_payout(org uuid, provider text, currency text, a bigint, source_key text) returns bigint
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  select core.post_ledger(org, 'payout', source_key, currency, jsonb_build_array(
      jsonb_build_object('account', core.ledger_account(org, 'bank', currency), 'amount', a),
      jsonb_build_object('account', core.ledger_account(org, 'provider_clearing', currency, provider), 'amount', -a)),
    format('%s payout to the organiser''s bank', provider))
$$;

