-- Which payment providers a buyer may choose at checkout.
--
-- * core.payment_provider_methods: what each provider can take (a method in a list of
--   currencies): Paynow for USD and ZiG (ZWG) on its own page; Paystack and Flutterwave cards
--   and mobile money in the currencies they document; M-Pesa STK push for KES; Stripe cards.
--   The sandbox takes anything (currencies null).
-- * core.org_payment_providers: which providers an org has turned on (api.set_payment_provider,
--   manage_integrations). The sandbox is on unless an org turns it off; every other provider
--   is off until turned on.
-- * api.checkout_payment_options(hold_token, configured): the choices for a hold, in order: the
--   providers on for the event's org that take its currency, among those the server has
--   secrets for (`configured`, from lib/payments/adapters.ts: a provider without secrets is
--   never offered), then cash at the box office when the event is far enough away
--   (core.box_office_deadline). The checkout page shows exactly this list and accepts only a
--   choice in it.

create table core.payment_provider_methods (
  provider text not null check (provider ~ '^[a-z0-9_]{2,40}$'),
  method text not null check (method in ('card', 'mobile_money', 'bank_transfer')),
  label text not null,
  note text not null,
  currencies text[], -- null: any currency
  sort int not null,
  primary key (provider, method)
);
comment on table core.payment_provider_methods is 'What each payment provider takes: a method in the listed currencies (null: any). Reference data.';
grant select on core.payment_provider_methods to anon, buyer, staff;

insert into core.payment_provider_methods (provider, method, label, note, currencies, sort) values
  ('paynow', 'mobile_money', 'Paynow', 'EcoCash, OneMoney, InnBucks, ZimSwitch or Visa/Mastercard on Paynow''s page',
   array['USD', 'ZWG'], 10),
  ('mpesa', 'mobile_money', 'M-Pesa', 'We send a payment prompt to your phone (Lipa na M-Pesa)', array['KES'], 20),
  ('paystack', 'card', 'Card (Paystack)', 'Visa, Mastercard, Verve on Paystack''s page', array['NGN', 'GHS', 'ZAR', 'KES', 'USD'], 30),
  ('paystack', 'mobile_money', 'Mobile money (Paystack)', 'MTN MoMo, Vodafone Cash, AirtelTigo, M-Pesa on Paystack''s page',
   array['GHS', 'KES'], 31),
  ('flutterwave', 'card', 'Card (Flutterwave)', 'Visa, Mastercard, Verve on Flutterwave''s page',
   array['NGN', 'GHS', 'KES', 'ZAR', 'TZS', 'UGX', 'ZMW', 'USD', 'EUR', 'GBP'], 40),
  ('flutterwave', 'mobile_money', 'Mobile money (Flutterwave)', 'MTN, Airtel, M-Pesa, Tigo on Flutterwave''s page',
   array['GHS', 'KES', 'TZS', 'UGX', 'ZMW'], 41),
  ('stripe', 'card', 'Card (Stripe)', 'Visa, Mastercard, American Express on Stripe''s page',
   array['USD', 'EUR', 'GBP', 'ZAR', 'KES', 'NGN', 'BWP', 'ZMW', 'NAD', 'MZN', 'GHS', 'TZS', 'UGX'], 50),
  ('sandbox', 'card', 'Card', 'Visa, Mastercard (sandbox)', null, 90),
  ('sandbox', 'mobile_money', 'Mobile money', 'EcoCash, M-Pesa, MTN MoMo (sandbox)', null, 91);

create table core.org_payment_providers (
  org_id uuid not null references core.orgs (id) on delete cascade,
  provider text not null check (provider ~ '^[a-z0-9_]{2,40}$'),
  enabled boolean not null,
  updated_by uuid,
  updated_at timestamptz not null default now(),
  primary key (org_id, provider)
);
comment on table core.org_payment_providers is 'Payment providers an org turned on or off (the sandbox is on without a row; the others are off).';
select core.enable_tenant_rls('core.org_payment_providers');
revoke insert, update, delete on core.org_payment_providers from staff;

create function core.provider_enabled(org uuid, provider text) returns boolean
language sql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  select coalesce((select p.enabled from core.org_payment_providers p where p.org_id = org and p.provider = provider_enabled.provider),
                  provider_enabled.provider = 'sandbox')
$$;
comment on function core.provider_enabled(uuid, text) is 'Whether the org takes payments through this provider (the sandbox unless turned off; others once turned on).';

create function api.set_payment_provider(provider text, enabled boolean) returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('manage_integrations');
  if auth.org_id() is null then
    raise exception 'Sign in to an organisation first' using errcode = 'PT403';
  end if;
  if not exists (select from core.payment_provider_methods m where m.provider = set_payment_provider.provider) then
    raise exception 'Payment provider "%" is not one of %', left(coalesce(set_payment_provider.provider, ''), 40),
      (select string_agg(distinct m.provider, ', ' order by m.provider) from core.payment_provider_methods m)
      using errcode = 'P0001';
  end if;
  if set_payment_provider.enabled is null then
    raise exception 'Say whether the provider is enabled (true or false)' using errcode = 'P0001';
  end if;
  insert into core.org_payment_providers (org_id, provider, enabled, updated_by)
  values (auth.org_id(), set_payment_provider.provider, set_payment_provider.enabled, auth.user_id())
  on conflict on constraint org_payment_providers_pkey do update set enabled = excluded.enabled, updated_by = excluded.updated_by, updated_at = now();
  perform core.audit(auth.org_id(), 'payment_provider.' || case when set_payment_provider.enabled then 'enabled' else 'disabled' end,
                     'payment_provider', set_payment_provider.provider, '{}');
  return jsonb_build_object('provider', set_payment_provider.provider, 'enabled', set_payment_provider.enabled);
end
$$;
comment on function api.set_payment_provider(text, boolean) is 'Turns a payment provider on or off for the caller''s org (its secrets are the server''s). Returns {provider, enabled}. Needs manage_integrations. Errors: P0001 unknown provider, PT403.';

create function api.checkout_payment_options(hold_token text, configured text[] default '{}')
returns table (choice text, provider text, method text, label text, note text)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds;
  e core.events;
begin
  select * into h from core.holds x where x.token = checkout_payment_options.hold_token;
  if not found then
    raise exception 'Hold not found' using errcode = 'PT404';
  end if;
  select * into e from core.events x where x.id = h.event_id;
  return query
  select x.choice, x.provider, x.method, x.label, x.note
  from (
    select case when m.provider = 'sandbox' then m.method else m.provider || ':' || m.method end as choice,
           m.provider, m.method, m.label, m.note, m.sort
    from core.payment_provider_methods m
    where (m.currencies is null or e.currency = any(m.currencies))
      and m.provider = any(coalesce(checkout_payment_options.configured, '{}') || array['sandbox'])
      and core.provider_enabled(e.org_id, m.provider)
    union all
    select 'cash', 'cash', 'cash', 'Pay at the box office', 'Cash; your places are kept until the deadline shown next', 1000
    where core.box_office_deadline(e) is not null
  ) x
  order by x.sort;
end
$$;
comment on function api.checkout_payment_options(text, text[]) is 'The payment choices for a hold: providers the event''s org turned on that take the event''s currency and that the server has secrets for (configured; the sandbox needs none), then cash at the box office while the event is far enough away. Rows {choice (form value: card / mobile_money for the sandbox, provider:method otherwise, cash), provider, method, label, note}. Errors: PT404 unknown hold.';

create function api.order_payment_options(code text, access_token text, configured text[] default '{}')
returns table (choice text, provider text, method text, label text, note text)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_by_access(order_payment_options.code, order_payment_options.access_token, false);
  e core.events;
begin
  select * into e from core.events x where x.id = o.event_id;
  return query
  select case when m.provider = 'sandbox' then m.method else m.provider || ':' || m.method end,
         m.provider, m.method, m.label, m.note
  from core.payment_provider_methods m
  where (m.currencies is null or o.currency = any(m.currencies))
    and m.provider = any(coalesce(order_payment_options.configured, '{}') || array['sandbox'])
    and core.provider_enabled(o.org_id, m.provider)
    -- M-Pesa's STK push takes whole shillings: not for a total with cents
    and not (m.provider = 'mpesa' and o.total_minor % 100 <> 0)
  order by m.sort;
end
$$;
comment on function api.order_payment_options(text, text, text[]) is 'The provider choices for retrying the payment of a pending order (code + access token), as api.checkout_payment_options without cash, and without M-Pesa for a total with cents (its STK push takes whole shillings). Errors: P0001 malformed code, PT404.';

grant execute on function core.provider_enabled(uuid, text) to anon, buyer, staff;
grant execute on function api.checkout_payment_options(text, text[]), api.order_payment_options(text, text, text[])
  to anon, buyer, staff;
grant execute on function api.set_payment_provider(text, boolean) to staff;
