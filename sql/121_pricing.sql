-- Pricing: what a hold costs, line by line, and why.
--
-- A quote is computed from the hold (never stored until an order is made from it):
--   1. every admission place of the hold (a seat or a standing unit) and every add-on unit
--      gets a ticket type (the hold line's type; a seat held without a type gets the event's
--      default type for its zone: the visible admission type priced there, first by sort and
--      creation) and a BASE price: the type's price in the place's price zone (add-ons: their
--      own price). A place's zone is its own (a seat priced apart from its section, set in
--      the layout designer by row or seat) or else its section's;
--   2. places with the same type, section and base price form a ticket line; the unit price
--      of the line then goes through these steps, each its own quote line with a reason:
--        a. date rule (early bird / late price): of the rules whose window contains now(),
--           the one ending first;
--        b. sold rule (price step by % sold of a quota, or of the whole event): of the rules
--           whose threshold is reached, the one with the highest threshold;
--        c. group discount: of the event's group discounts whose minimum quantity the order's
--           eligible tickets reach, the one with the highest minimum;
--        d. promo code: percent off, or a fixed amount off each eligible ticket (never below 0);
--   3. booking fees (per event): a fee per admission ticket that costs something, and a fee
--      per order when the tickets cost something;
--   4. tax (per org): exclusive (added on top) or inclusive (already in the prices, shown).
--   Complimentary quotes price everything at 0 with no fees and no tax.
--
-- ROUNDING (money is bigint minor units, percentages are numeric, never float):
--   * a percentage step is computed PER TICKET on the unit price as it stands after the
--     previous steps and rounded HALF-UP (half away from zero on the magnitude, numeric
--     round()) to a whole minor unit; the line amount is then unit x quantity, so every ticket
--     of a line costs exactly the same and refunds per ticket add up;
--   * tax is computed PER LINE (over the line amount: ticket line with its steps, each fee
--     line) and rounded half-up per line, then summed: exclusive tax = round(amount x r/100),
--     inclusive tax = round(amount x r/(100 + r)).

create table core.org_taxes (
  org_id uuid primary key references core.orgs (id) on delete cascade,
  name text not null default 'VAT' check (length(trim(name)) between 1 and 40),
  rate_percent numeric(6, 3) not null check (rate_percent between 0 and 100),
  inclusive boolean not null default true,
  updated_at timestamptz not null default now()
);
comment on table core.org_taxes is 'Sales tax of an org: rate in percent (15.000 = 15 %), inclusive (in the prices) or exclusive (added on top).';

create table core.event_fees (
  event_id uuid primary key references core.events (id) on delete cascade,
  org_id uuid not null references core.orgs (id) on delete cascade,
  name text not null default 'Booking fee' check (length(trim(name)) between 1 and 40),
  per_ticket_minor bigint not null default 0 check (per_ticket_minor between 0 and 100000000),
  per_order_minor bigint not null default 0 check (per_order_minor between 0 and 100000000),
  updated_at timestamptz not null default now()
);
create index event_fees_org_idx on core.event_fees (org_id);

create table core.pricing_rules (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  name text not null check (length(trim(name)) between 1 and 80),
  ticket_type_id uuid references core.ticket_types (id) on delete cascade, -- null: every type
  quota_id uuid references core.quotas (id) on delete cascade, -- sold rules: % of this quota (null: of the event)
  sold_percent numeric(5, 2) check (sold_percent between 0 and 100), -- set: a sold rule
  starts_at timestamptz, -- date rules: the window (either end may be open)
  ends_at timestamptz,
  adjust_percent numeric(7, 3) not null check (adjust_percent between -100 and 1000 and adjust_percent <> 0),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  check ((sold_percent is not null) <> (starts_at is not null or ends_at is not null)),
  check (ends_at is null or starts_at is null or ends_at > starts_at)
);
create index pricing_rules_event_idx on core.pricing_rules (event_id);
create index pricing_rules_org_idx on core.pricing_rules (org_id);
comment on table core.pricing_rules is 'Dynamic prices: a date rule (early bird: adjust_percent -20 until ends_at) or a sold rule (+20 % once sold_percent 90 of a quota or the event is sold).';

create table core.group_discounts (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete cascade,
  ticket_type_id uuid references core.ticket_types (id) on delete cascade, -- null: every admission type
  min_quantity int not null check (min_quantity between 2 and 1000),
  percent numeric(5, 2) not null check (percent > 0 and percent <= 100),
  created_at timestamptz not null default now()
);
create index group_discounts_event_idx on core.group_discounts (event_id);
create index group_discounts_org_idx on core.group_discounts (org_id);

create table core.promo_codes (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid references core.events (id) on delete cascade, -- null: every event of the org
  code text not null check (code ~ '^[A-Z0-9_-]{3,40}$'),
  kind text not null check (kind in ('percent', 'fixed')),
  percent numeric(5, 2) check (percent > 0 and percent <= 100),
  amount_minor bigint check (amount_minor between 1 and 100000000000), -- fixed: off each eligible ticket
  ticket_type_ids uuid[], -- null: applies to every admission type
  unlocks uuid[] not null default '{}', -- hidden ticket types this code unlocks
  max_uses int check (max_uses between 1 and 10000000),
  max_uses_per_buyer int check (max_uses_per_buyer between 1 and 1000),
  valid_from timestamptz,
  valid_until timestamptz,
  min_quantity int not null default 1 check (min_quantity between 1 and 1000),
  active boolean not null default true,
  used int not null default 0 check (used >= 0),
  created_at timestamptz not null default now(),
  check ((kind = 'percent') = (percent is not null) and (kind = 'fixed') = (amount_minor is not null)),
  check (max_uses is null or used <= max_uses),
  check (valid_until is null or valid_from is null or valid_until > valid_from)
);
create unique index promo_codes_event_code_key on core.promo_codes (event_id, code) where event_id is not null;
create unique index promo_codes_org_code_key on core.promo_codes (org_id, code) where event_id is null;
create index promo_codes_org_idx on core.promo_codes (org_id);
comment on column core.promo_codes.used is 'Uses by orders that are pending payment or paid; a use is given back when the order expires or is cancelled. max_uses is enforced by a conditional UPDATE on this row (check constraint as a backstop).';

-- One row per order that uses a code (while it counts: released_at null).
create table core.promo_redemptions (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete cascade,
  promo_code_id uuid not null references core.promo_codes (id) on delete cascade,
  order_id uuid not null, -- foreign key added with core.orders (122)
  buyer_key text not null,
  created_at timestamptz not null default now(),
  released_at timestamptz
);
create index promo_redemptions_code_idx on core.promo_redemptions (promo_code_id, buyer_key) where released_at is null;
create index promo_redemptions_org_idx on core.promo_redemptions (org_id);

select core.enable_tenant_rls('core.org_taxes');
select core.enable_tenant_rls('core.event_fees');
select core.enable_tenant_rls('core.pricing_rules');
select core.enable_tenant_rls('core.group_discounts');
select core.enable_tenant_rls('core.promo_codes');
select core.enable_tenant_rls('core.promo_redemptions');
-- Promoters may create their org's promo codes too.
create policy promoter_insert on core.promo_codes for insert to staff
  with check (org_id = (select auth.org_id()) and (select auth.role()) = 'promoter');

-- ---------------------------------------------------------------------------------------
-- Helpers

-- amount x percent / 100, rounded half-up (half away from zero) to a whole minor unit.
create function core.percent_of(amount bigint, pct numeric) returns bigint
language sql immutable
as $$ select round(amount::numeric * pct / 100)::bigint $$;
comment on function core.percent_of(bigint, numeric) is 'amount x pct / 100 rounded half-up (numeric round: 0.5 away from zero) to whole minor units.';

-- Money for messages: 12345 USD -> "USD 123.45".
create function core.money_text(amount bigint, currency text) returns text
language sql stable
as $$
  select currency || ' ' || case when coalesce(c.minor_units, 2) = 0 then amount::text
    else to_char(amount::numeric / (10 ^ coalesce(c.minor_units, 2)), 'FM999999999999990.' || repeat('0', coalesce(c.minor_units, 2))) end
  from (select 1) one left join core.currencies c on c.code = currency
$$;

create function core.pct_text(p numeric) returns text
language sql immutable
as $$ select case when p > 0 then '+' else '−' end || trim(to_char(abs(p), 'FM9999990.###'), '.') || ' %' $$;

-- The visible admission type a place of this zone held without a type is sold as.
create function core.default_zone_ticket_type(zone uuid) returns uuid
language sql stable
as $$
  select tt.id from core.ticket_type_prices p
  join core.ticket_types tt on tt.id = p.ticket_type_id
  where p.event_price_zone_id = zone and tt.active and not tt.hidden and tt.kind = 'admission'
  order by tt.sort, tt.created_at, tt.name
  limit 1
$$;

-- The same for a section's own zone.
create function core.default_ticket_type(section uuid) returns uuid
language sql stable
as $$
  select tt.id from core.event_sections s
  join core.ticket_type_prices p on p.event_price_zone_id = s.price_zone_id
  join core.ticket_types tt on tt.id = p.ticket_type_id
  where s.id = section and tt.active and not tt.hidden and tt.kind = 'admission'
  order by tt.sort, tt.created_at, tt.name
  limit 1
$$;

create function core.normalize_promo(code text) returns text
language sql immutable
as $$ select nullif(upper(trim(code)), '') $$;

-- The promo code `code` for event e, checked (except limits per buyer and overall, which
-- create_order enforces under a row lock). Raises with the message the buyer sees.
create function core.promo_for_event(e core.events, code text) returns core.promo_codes
language plpgsql stable
as $$
declare
  p core.promo_codes;
  c text := core.normalize_promo(code);
begin
  select * into p from core.promo_codes pc
  where pc.code = c and pc.org_id = e.org_id and (pc.event_id = e.id or pc.event_id is null)
  order by pc.event_id nulls last limit 1;
  if not found or not p.active then
    raise exception 'Promo code % is not valid for this event', coalesce(c, '""') using errcode = 'PT422';
  end if;
  if p.valid_from is not null and now() < p.valid_from then
    raise exception 'Promo code % can be used from %', c, to_char(p.valid_from, 'YYYY-MM-DD HH24:MI') using errcode = 'PT422';
  end if;
  if p.valid_until is not null and now() >= p.valid_until then
    raise exception 'Promo code % expired on %', c, to_char(p.valid_until, 'YYYY-MM-DD HH24:MI') using errcode = 'PT422';
  end if;
  if p.max_uses is not null and p.used >= p.max_uses then
    raise exception 'Promo code % has been used up', c using errcode = 'PT409';
  end if;
  return p;
end
$$;

-- Hidden ticket types are unlocked by their own unlock code (part 1) or by an active promo
-- code of the event that lists them in `unlocks`. Replaces 105's version (same checks plus
-- the promo code).
create or replace function core.ticket_type_for_hold(e core.events, tt_id uuid, unlock_code text) returns core.ticket_types
language plpgsql stable
as $$
declare
  tt core.ticket_types;
begin
  select * into tt from core.ticket_types where id = tt_id and event_id = e.id and active;
  if not found or (tt.hidden and not (
        (unlock_code is not null and lower(unlock_code) = lower(tt.unlock_code))
        or exists (select from core.promo_codes pc
                   where pc.code = core.normalize_promo(unlock_code) and pc.org_id = e.org_id
                     and (pc.event_id = e.id or pc.event_id is null) and pc.active and tt.id = any(pc.unlocks)
                     and (pc.valid_from is null or now() >= pc.valid_from)
                     and (pc.valid_until is null or now() < pc.valid_until)))) then
    raise exception 'Ticket type % not found for this event', coalesce(tt_id::text, 'null') using errcode = 'PT404';
  end if;
  if now() < coalesce(tt.sales_start, e.sales_start) then
    raise exception 'Ticket type % goes on sale at %', tt.name, coalesce(tt.sales_start, e.sales_start) using errcode = 'PT422';
  end if;
  if now() >= coalesce(tt.sales_end, e.sales_end) then
    raise exception 'Ticket type % is no longer on sale', tt.name using errcode = 'PT422';
  end if;
  return tt;
end
$$;

-- Percent sold of a quota, or of the whole event (sold places / all places).
create function core.sold_percent(ev uuid, quota uuid) returns numeric
language sql stable
as $$
  select case when quota is not null then
           (select case when q.capacity = 0 then 100
                        else 100.0 * (select count(*) from core.quota_units u where u.quota_id = q.id and u.state = 'sold') / q.capacity end
            from core.quotas q where q.id = quota)
         else
           (select case when count(*) = 0 then 0 else 100.0 * count(*) filter (where es.state = 'sold') / count(*) end
            from core.event_seats es where es.event_id = ev and es.state <> 'blocked')
         end
$$;

-- ---------------------------------------------------------------------------------------
-- The price engine

-- Prices hold h. promo: a code or null; complimentary: everything at 0.
-- Returns {currency, lines: [{kind, description, quantity, unit_minor, amount_minor, reason,
-- ticket_type_id, section_id}], units: [{kind, ticket_type_id, section_id, seat_id, label,
-- price_minor, fee_minor, description}], subtotal_minor, discount_minor, fees_minor,
-- tax_minor, total_minor, tax: {name, rate_percent, inclusive} | null, promo: {...} | null}.
-- subtotal = ticket lines at base price + price rules; discount = group + promo (<= 0);
-- total = subtotal + discount + fees + exclusive tax.
create function core.price_hold(h core.holds, promo text, complimentary boolean) returns jsonb
language plpgsql stable
as $$
declare
  e core.events;
  fee core.event_fees;
  tax core.org_taxes;
  p core.promo_codes;
  places int;
  expected int;
  units jsonb := '[]';
  lines jsonb := '[]';
  g record;
  r core.pricing_rules;
  gd core.group_discounts;
  unit bigint;
  delta bigint;
  sold numeric;
  line_total bigint;
  taxable jsonb := '[]'; -- amounts to tax, one per line
  subtotal bigint := 0;
  discount bigint := 0;
  fees bigint := 0;
  tax_minor bigint := 0;
  paid_admissions int := 0;
  promo_hits int := 0;
  promo_qty int := 0;
  eligible_qty int;
  v jsonb;
  label text;
begin
  select * into e from core.events where id = h.event_id;
  if promo is not null and not complimentary then
    p := core.promo_for_event(e, promo);
  end if;

  -- 1. the units: admissions (held places, matched to the hold's lines) and add-ons
  select coalesce(sum(quantity), 0) into expected from core.hold_items where hold_id = h.id and kind <> 'addon';
  -- Each place is priced in its own zone: the seat's, else its section's.
  with items as (
    select i.id, i.kind, i.event_section_id, i.quantity, i.ticket_type_id,
           sum(i.quantity) over (partition by i.event_section_id order by i.id) - i.quantity as start_n
    from core.hold_items i where i.hold_id = h.id and i.kind <> 'addon'
  ), pl as (
    select es.id, es.event_section_id, es.row_label, es.seat_number,
           coalesce(es.price_zone_id, sec.price_zone_id) as zone_id,
           row_number() over (partition by es.event_section_id order by es.row_index, es.seat_index, es.id) as rn
    from core.event_seats es join core.event_sections sec on sec.id = es.event_section_id
    where es.hold_id = h.id and ((es.state = 'open' and es.held_until > now()) or (es.state = 'sold' and es.order_id is not null))
  ), u as (
    select 'admission' as kind, coalesce(it.ticket_type_id, core.default_zone_ticket_type(pl.zone_id)) as tt_id,
           pl.event_section_id as section_id, pl.zone_id, pl.id as seat_id,
           case when pl.row_label is not null then pl.row_label || pl.seat_number end as label, pl.rn, it.id as item
    from pl join items it on it.event_section_id = pl.event_section_id and pl.rn > it.start_n and pl.rn <= it.start_n + it.quantity
    union all
    select 'addon', i.ticket_type_id, null::uuid, null::uuid, null::bigint, null, g2, i.id
    from core.hold_items i, generate_series(1, i.quantity) g2 where i.hold_id = h.id and i.kind = 'addon'
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'kind', u.kind, 'ticket_type_id', u.tt_id, 'ticket_type', tt.name, 'section_id', u.section_id,
           'section', s.name, 'zone_id', u.zone_id, 'zone', z.name, 'seat_id', u.seat_id, 'label', u.label,
           'base_minor', case when u.kind = 'addon' then tt.price_minor else pr.price_minor end)
         order by u.kind, u.section_id, u.rn), '[]'),
         count(*) filter (where u.kind = 'admission')
    into units, places
  from u
  left join core.ticket_types tt on tt.id = u.tt_id
  left join core.event_sections s on s.id = u.section_id
  left join core.event_price_zones z on z.id = u.zone_id
  left join core.ticket_type_prices pr on pr.ticket_type_id = u.tt_id and pr.event_price_zone_id = u.zone_id;

  if places <> expected then
    raise exception 'Your hold expired; start again' using errcode = 'PT410';
  end if;
  if jsonb_array_length(units) = 0 then
    raise exception 'This hold is empty: choose tickets first' using errcode = 'PT422';
  end if;
  select v2 into v from jsonb_array_elements(units) v2 where v2 ->> 'ticket_type_id' is null or v2 ->> 'base_minor' is null limit 1;
  if v is not null and v ->> 'label' is not null and v ->> 'ticket_type_id' is not null then
    raise exception 'Ticket type % is not sold in zone % (seat % in %)', v ->> 'ticket_type', coalesce(v ->> 'zone', 'none'),
      v ->> 'label', v ->> 'section' using errcode = 'PT422';
  elsif v is not null then
    raise exception 'Section % has no ticket type on sale for its zone', coalesce(v ->> 'section', v ->> 'ticket_type', '?')
      using errcode = 'PT422';
  end if;

  select * into fee from core.event_fees where event_id = e.id;
  select * into tax from core.org_taxes where org_id = e.org_id;

  if p.id is not null then
    select count(*) into promo_qty from jsonb_array_elements(units) v2
    where v2 ->> 'kind' = 'admission' and (p.ticket_type_ids is null or (v2 ->> 'ticket_type_id')::uuid = any(p.ticket_type_ids));
    if promo_qty = 0 then
      raise exception 'Promo code % does not apply to any ticket in this order', p.code using errcode = 'PT422';
    end if;
    if promo_qty < p.min_quantity then
      raise exception 'Promo code % needs at least % eligible tickets in the order (this order has %)', p.code, p.min_quantity, promo_qty
        using errcode = 'PT422';
    end if;
  end if;

  -- 2. ticket lines and their price steps
  for g in
    select x.kind, (x.ticket_type_id)::uuid as tt_id, x.ticket_type, (x.section_id)::uuid as section_id, x.section, x.zone,
           (x.base_minor)::bigint as base, count(*)::int as qty
    from jsonb_to_recordset(units) as x(kind text, ticket_type_id text, ticket_type text, section_id text, section text,
                                        zone text, base_minor bigint)
    group by 1, 2, 3, 4, 5, 6, 7 order by 1, 5, 3, 6
  loop
    -- Places priced in a zone other than their section's say so ("Adult, Stand (Silver)").
    label := g.ticket_type || case when g.section is not null then ', ' || g.section else '' end
             || case when g.kind = 'admission' and g.zone is distinct from
                       (select z.name from core.event_sections s join core.event_price_zones z on z.id = s.price_zone_id
                        where s.id = g.section_id)
                     then ' (' || coalesce(g.zone, 'no zone') || ')' else '' end;
    if complimentary then
      unit := 0;
      lines := lines || jsonb_build_object('kind', 'ticket', 'description', label, 'ticket_type_id', g.tt_id,
        'section_id', g.section_id, 'quantity', g.qty, 'unit_minor', 0, 'amount_minor', 0,
        'reason', format('Complimentary: issued free by the organiser (list price %s)', core.money_text(g.base, e.currency)));
    else
      unit := g.base;
      line_total := unit * g.qty;
      lines := lines || jsonb_build_object('kind', 'ticket', 'description', label, 'ticket_type_id', g.tt_id,
        'section_id', g.section_id, 'quantity', g.qty, 'unit_minor', unit, 'amount_minor', unit * g.qty,
        'reason', case when g.kind = 'addon' then format('Price of add-on %s', g.ticket_type)
                       else format('Price of %s in zone %s', g.ticket_type, coalesce(g.zone, 'none')) end);
      subtotal := subtotal + unit * g.qty;

      if g.kind = 'admission' then
        -- a. date rule
        select * into r from core.pricing_rules pr
        where pr.event_id = e.id and pr.active and pr.sold_percent is null
          and (pr.ticket_type_id is null or pr.ticket_type_id = g.tt_id)
          and (pr.starts_at is null or now() >= pr.starts_at) and (pr.ends_at is null or now() < pr.ends_at)
        order by pr.ends_at nulls last, pr.ticket_type_id nulls last, pr.created_at limit 1;
        if found then
          delta := core.percent_of(unit, r.adjust_percent);
          if unit + delta < 0 then delta := -unit; end if;
          unit := unit + delta;
          subtotal := subtotal + delta * g.qty;
          lines := lines || jsonb_build_object('kind', 'price_rule', 'description', r.name, 'ticket_type_id', g.tt_id,
            'section_id', g.section_id, 'quantity', g.qty, 'unit_minor', delta, 'amount_minor', delta * g.qty,
            'reason', format('%s %s %s', r.name, core.pct_text(r.adjust_percent),
              case when r.ends_at is not null then 'until ' || to_char(r.ends_at, 'YYYY-MM-DD HH24:MI')
                   else 'from ' || to_char(r.starts_at, 'YYYY-MM-DD HH24:MI') end));
        end if;
        -- b. sold rule: the highest threshold reached
        for r in select * from core.pricing_rules pr
                 where pr.event_id = e.id and pr.active and pr.sold_percent is not null
                   and (pr.ticket_type_id is null or pr.ticket_type_id = g.tt_id)
                 order by pr.sold_percent desc, pr.ticket_type_id nulls last, pr.created_at loop
          sold := core.sold_percent(e.id, r.quota_id);
          if sold >= r.sold_percent then
            delta := core.percent_of(unit, r.adjust_percent);
            if unit + delta < 0 then delta := -unit; end if;
            unit := unit + delta;
            subtotal := subtotal + delta * g.qty;
            lines := lines || jsonb_build_object('kind', 'price_rule', 'description', r.name, 'ticket_type_id', g.tt_id,
              'section_id', g.section_id, 'quantity', g.qty, 'unit_minor', delta, 'amount_minor', delta * g.qty,
              'reason', format('%s %s because %s %% of %s is sold (rule from %s %%)', r.name, core.pct_text(r.adjust_percent),
                round(sold, 1), coalesce((select '"' || q.name || '"' from core.quotas q where q.id = r.quota_id), 'the event'),
                r.sold_percent));
            exit;
          end if;
        end loop;
        -- c. group discount
        select gd2.* into gd from core.group_discounts gd2
        where gd2.event_id = e.id and (gd2.ticket_type_id is null or gd2.ticket_type_id = g.tt_id)
          and gd2.min_quantity <= (select count(*) from jsonb_array_elements(units) v2
                                   where v2 ->> 'kind' = 'admission'
                                     and (gd2.ticket_type_id is null or (v2 ->> 'ticket_type_id')::uuid = gd2.ticket_type_id))
        order by gd2.min_quantity desc, gd2.percent desc limit 1;
        if found and unit > 0 then
          delta := -core.percent_of(unit, gd.percent);
          unit := unit + delta;
          discount := discount + delta * g.qty;
          lines := lines || jsonb_build_object('kind', 'discount', 'description', 'Group discount', 'ticket_type_id', g.tt_id,
            'section_id', g.section_id, 'quantity', g.qty, 'unit_minor', delta, 'amount_minor', delta * g.qty,
            'reason', format('Group discount %s for %s or more tickets%s', core.pct_text(-gd.percent), gd.min_quantity,
              case when gd.ticket_type_id is not null then ' of type ' || g.ticket_type else '' end));
        end if;
        -- d. promo code
        if p.id is not null and unit > 0 and (p.ticket_type_ids is null or g.tt_id = any(p.ticket_type_ids)) then
          delta := case when p.kind = 'percent' then -core.percent_of(unit, p.percent) else -least(p.amount_minor, unit) end;
          unit := unit + delta;
          discount := discount + delta * g.qty;
          promo_hits := promo_hits + g.qty;
          lines := lines || jsonb_build_object('kind', 'discount', 'description', 'Promo code ' || p.code, 'ticket_type_id', g.tt_id,
            'section_id', g.section_id, 'quantity', g.qty, 'unit_minor', delta, 'amount_minor', delta * g.qty,
            'reason', case when p.kind = 'percent' then format('Promo code %s: %s off each %s ticket', p.code, core.pct_text(-p.percent), g.ticket_type)
                           else format('Promo code %s: %s off each %s ticket', p.code, core.money_text(-delta, e.currency), g.ticket_type) end);
        end if;
        if unit > 0 then paid_admissions := paid_admissions + g.qty; end if;
      end if;
    end if;
    taxable := taxable || to_jsonb(unit * g.qty);
    units := (select jsonb_agg(case when (x ->> 'kind') = g.kind and (x ->> 'ticket_type_id')::uuid = g.tt_id
                                      and (x ->> 'section_id')::uuid is not distinct from g.section_id
                                      and (x ->> 'zone') is not distinct from g.zone
                                      and (x ->> 'base_minor')::bigint = g.base
                                    then x || jsonb_build_object('price_minor', unit,
                                                                 'description', label)
                                    else x end)
              from jsonb_array_elements(units) x);
  end loop;

  -- 3. fees
  if not complimentary and fee.event_id is not null then
    if fee.per_ticket_minor > 0 and paid_admissions > 0 then
      fees := fees + fee.per_ticket_minor * paid_admissions;
      taxable := taxable || to_jsonb(fee.per_ticket_minor * paid_admissions);
      lines := lines || jsonb_build_object('kind', 'fee', 'description', fee.name, 'quantity', paid_admissions,
        'unit_minor', fee.per_ticket_minor, 'amount_minor', fee.per_ticket_minor * paid_admissions,
        'reason', format('%s of %s per ticket for this event', fee.name, core.money_text(fee.per_ticket_minor, e.currency)));
    end if;
    if fee.per_order_minor > 0 and subtotal + discount > 0 then
      fees := fees + fee.per_order_minor;
      taxable := taxable || to_jsonb(fee.per_order_minor);
      lines := lines || jsonb_build_object('kind', 'fee', 'description', fee.name || ' (order)', 'quantity', 1,
        'unit_minor', fee.per_order_minor, 'amount_minor', fee.per_order_minor,
        'reason', format('%s of %s per order for this event', fee.name, core.money_text(fee.per_order_minor, e.currency)));
    end if;
  end if;
  units := (select jsonb_agg(x || jsonb_build_object('fee_minor',
              case when x ->> 'kind' = 'admission' and (x ->> 'price_minor')::bigint > 0 and not complimentary
                   then coalesce(fee.per_ticket_minor, 0) else 0 end))
            from jsonb_array_elements(units) x);

  -- 4. tax, per line, half-up
  if not complimentary and tax.org_id is not null and tax.rate_percent > 0 then
    select coalesce(sum(case when tax.inclusive then round(a::numeric * tax.rate_percent / (100 + tax.rate_percent))
                             else round(a::numeric * tax.rate_percent / 100) end), 0)::bigint
      into tax_minor from jsonb_array_elements_text(taxable) a;
    lines := lines || jsonb_build_object('kind', case when tax.inclusive then 'tax_included' else 'tax' end,
      'description', format('%s %s %%', tax.name, trim(to_char(tax.rate_percent, 'FM990.###'), '.')),
      'quantity', 1, 'unit_minor', tax_minor, 'amount_minor', case when tax.inclusive then 0 else tax_minor end,
      'reason', case when tax.inclusive
        then format('%s of %s %% included in the prices (%s), computed per line and rounded half-up', tax.name,
                    trim(to_char(tax.rate_percent, 'FM990.###'), '.'), core.money_text(tax_minor, e.currency))
        else format('%s of %s %% added to the prices, computed per line and rounded half-up', tax.name,
                    trim(to_char(tax.rate_percent, 'FM990.###'), '.')) end);
  end if;

  return jsonb_build_object(
    'currency', e.currency, 'event_id', e.id, 'hold_token', h.token, 'complimentary', complimentary,
    'lines', lines, 'units', units,
    'subtotal_minor', subtotal, 'discount_minor', discount, 'fees_minor', fees,
    'tax_minor', tax_minor, 'tax_inclusive', coalesce(tax.inclusive, true),
    'total_minor', subtotal + discount + fees + case when coalesce(tax.inclusive, true) then 0 else tax_minor end,
    'tax', case when tax.org_id is not null then jsonb_build_object('name', tax.name, 'rate_percent', tax.rate_percent, 'inclusive', tax.inclusive) end,
    'promo', case when p.id is not null then jsonb_build_object('id', p.id, 'code', p.code, 'tickets', promo_hits) end);
end
$$;
comment on function core.price_hold(core.holds, text, boolean) is 'The price engine: quotes a hold line by line with reasons (see the head of 121_pricing.sql for the steps and rounding).';

-- ---------------------------------------------------------------------------------------
-- api: the quote

create function api.quote_hold(hold_token text, promo_code text default null)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds;
  q jsonb;
begin
  if quote_hold.promo_code is not null and core.normalize_promo(quote_hold.promo_code) !~ '^[A-Z0-9_-]{1,40}$' then
    raise exception 'Promo code "%" is not a valid code', left(quote_hold.promo_code, 40) using errcode = 'P0001';
  end if;
  if quote_hold.hold_token is null or quote_hold.hold_token !~ '^h_[0-9a-f]{48}$' then
    raise exception 'Hold "%" not found', left(coalesce(quote_hold.hold_token, 'null'), 12) using errcode = 'PT404';
  end if;
  select * into h from core.holds where token = quote_hold.hold_token;
  if not found then
    raise exception 'Hold "%" not found', left(quote_hold.hold_token, 12) using errcode = 'PT404';
  end if;
  if h.expires_at <= now() then
    raise exception 'Hold has expired (at %); start again', h.expires_at using errcode = 'PT410';
  end if;
  q := core.price_hold(h, core.normalize_promo(quote_hold.promo_code), false);
  return q - 'units' || jsonb_build_object('expires_at', h.expires_at,
    'tickets', (select jsonb_agg(u - 'base_minor') from jsonb_array_elements(q -> 'units') u));
end
$$;
comment on function api.quote_hold(text, text) is 'Prices the hold with this token: lines (kind ticket / price_rule / discount / fee / tax / tax_included) each with quantity, unit_minor, amount_minor and a reason; tickets (one per place or add-on with its price_minor and fee_minor); subtotal_minor, discount_minor, fees_minor, tax_minor, total_minor (integer minor units of currency). Percent steps are rounded half-up per ticket, tax half-up per line. Errors: P0001 malformed code, PT404 unknown hold, PT410 hold expired, PT422 promo code not valid here / too few tickets for it, PT409 promo code used up.';

-- ---------------------------------------------------------------------------------------
-- api: pricing administration (security invoker: RLS binds them to the caller's org)

create function api.set_org_tax(rate_percent numeric, inclusive boolean default true, name text default 'VAT')
returns jsonb
language plpgsql volatile
as $$
declare
  org uuid := auth.org_id();
  t core.org_taxes;
begin
  if org is null then
    raise exception 'Sign in as a member of an organisation to set its tax' using errcode = 'PT403';
  end if;
  perform core.require_manager(org);
  if set_org_tax.rate_percent is null or set_org_tax.rate_percent not between 0 and 100
     or set_org_tax.rate_percent <> round(set_org_tax.rate_percent, 3) then
    raise exception 'Tax rate % must be a percentage between 0 and 100 with at most 3 decimals', set_org_tax.rate_percent using errcode = 'P0001';
  end if;
  if set_org_tax.inclusive is null then
    raise exception 'Say whether prices include the tax (inclusive true or false)' using errcode = 'P0001';
  end if;
  if set_org_tax.name is null or length(trim(set_org_tax.name)) not between 1 and 40 then
    raise exception 'Tax name "%" must be 1 to 40 characters', set_org_tax.name using errcode = 'P0001';
  end if;
  insert into core.org_taxes (org_id, name, rate_percent, inclusive)
  values (org, trim(set_org_tax.name), set_org_tax.rate_percent, set_org_tax.inclusive)
  on conflict (org_id) do update set name = excluded.name, rate_percent = excluded.rate_percent,
    inclusive = excluded.inclusive, updated_at = now()
  returning * into t;
  return to_jsonb(t);
end
$$;
comment on function api.set_org_tax(numeric, boolean, text) is 'Sets the caller''s org sales tax: rate in percent (15 = 15 %), inclusive (prices contain it) or exclusive (added on top). Managers only. Returns the tax. Errors: PT403, P0001.';

create function api.set_event_fees(event_id uuid, per_ticket_minor bigint default 0, per_order_minor bigint default 0,
                                   name text default 'Booking fee')
returns jsonb
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(set_event_fees.event_id);
  f core.event_fees;
begin
  if set_event_fees.per_ticket_minor is null or set_event_fees.per_ticket_minor not between 0 and 100000000 then
    raise exception 'Fee per ticket % must be between 0 and 100000000 minor units', set_event_fees.per_ticket_minor using errcode = 'P0001';
  end if;
  if set_event_fees.per_order_minor is null or set_event_fees.per_order_minor not between 0 and 100000000 then
    raise exception 'Fee per order % must be between 0 and 100000000 minor units', set_event_fees.per_order_minor using errcode = 'P0001';
  end if;
  if set_event_fees.name is null or length(trim(set_event_fees.name)) not between 1 and 40 then
    raise exception 'Fee name "%" must be 1 to 40 characters', set_event_fees.name using errcode = 'P0001';
  end if;
  insert into core.event_fees (event_id, org_id, name, per_ticket_minor, per_order_minor)
  values (e.id, e.org_id, trim(set_event_fees.name), set_event_fees.per_ticket_minor, set_event_fees.per_order_minor)
  on conflict on constraint event_fees_pkey do update set name = excluded.name, per_ticket_minor = excluded.per_ticket_minor,
    per_order_minor = excluded.per_order_minor, updated_at = now()
  returning * into f;
  return to_jsonb(f);
end
$$;
comment on function api.set_event_fees(uuid, bigint, bigint, text) is 'Sets an event''s booking fees in minor units: per paid admission ticket and per paid order. Managers only. Returns the fees. Errors: PT404, PT403, P0001.';

create function api.create_pricing_rule(
  event_id uuid,
  name text,
  adjust_percent numeric,
  sold_percent numeric default null,
  starts_at timestamptz default null,
  ends_at timestamptz default null,
  ticket_type_id uuid default null,
  quota_id uuid default null
)
returns uuid
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(create_pricing_rule.event_id);
  rid uuid;
begin
  if create_pricing_rule.name is null or length(trim(create_pricing_rule.name)) not between 1 and 80 then
    raise exception 'Rule name "%" must be 1 to 80 characters', create_pricing_rule.name using errcode = 'P0001';
  end if;
  if create_pricing_rule.adjust_percent is null or create_pricing_rule.adjust_percent not between -100 and 1000
     or create_pricing_rule.adjust_percent = 0 then
    raise exception 'Adjustment % must be a non-zero percentage between -100 and 1000', create_pricing_rule.adjust_percent
      using errcode = 'P0001';
  end if;
  if (create_pricing_rule.sold_percent is null) = (create_pricing_rule.starts_at is null and create_pricing_rule.ends_at is null) then
    raise exception 'A rule is either a sold rule (sold_percent) or a date rule (starts_at and/or ends_at), not both or neither'
      using errcode = 'P0001';
  end if;
  if create_pricing_rule.sold_percent is not null and create_pricing_rule.sold_percent not between 0 and 100 then
    raise exception 'Sold percentage % must be between 0 and 100', create_pricing_rule.sold_percent using errcode = 'P0001';
  end if;
  if create_pricing_rule.ends_at <= create_pricing_rule.starts_at then
    raise exception 'The rule must end after it starts (% is not after %)', create_pricing_rule.ends_at, create_pricing_rule.starts_at
      using errcode = 'P0001';
  end if;
  if create_pricing_rule.ticket_type_id is not null
     and not exists (select from core.ticket_types tt where tt.id = create_pricing_rule.ticket_type_id and tt.event_id = e.id) then
    raise exception 'Ticket type % not found in this event', create_pricing_rule.ticket_type_id using errcode = 'PT404';
  end if;
  if create_pricing_rule.quota_id is not null then
    if create_pricing_rule.sold_percent is null then
      raise exception 'A quota only makes sense for a sold rule' using errcode = 'P0001';
    end if;
    if not exists (select from core.quotas q where q.id = create_pricing_rule.quota_id and q.event_id = e.id) then
      raise exception 'Quota % not found in this event', create_pricing_rule.quota_id using errcode = 'PT404';
    end if;
  end if;
  insert into core.pricing_rules (org_id, event_id, name, ticket_type_id, quota_id, sold_percent, starts_at, ends_at, adjust_percent)
  values (e.org_id, e.id, trim(create_pricing_rule.name), create_pricing_rule.ticket_type_id, create_pricing_rule.quota_id,
          create_pricing_rule.sold_percent, create_pricing_rule.starts_at, create_pricing_rule.ends_at, create_pricing_rule.adjust_percent)
  returning id into rid;
  return rid;
end
$$;
comment on function api.create_pricing_rule(uuid, text, numeric, numeric, timestamptz, timestamptz, uuid, uuid) is 'Adds a dynamic price rule to an event: a date rule (starts_at/ends_at; e.g. early bird adjust_percent -20 until ends_at) or a sold rule (sold_percent of quota_id, or of the event; e.g. +20 when 90 sold), for one ticket type or all. Managers only. Returns its id. Errors: PT404, PT403, P0001.';

create function api.create_group_discount(event_id uuid, min_quantity int, percent numeric, ticket_type_id uuid default null)
returns uuid
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(create_group_discount.event_id);
  gid uuid;
begin
  if create_group_discount.min_quantity is null or create_group_discount.min_quantity not between 2 and 1000 then
    raise exception 'Minimum quantity % must be between 2 and 1000', create_group_discount.min_quantity using errcode = 'P0001';
  end if;
  if create_group_discount.percent is null or create_group_discount.percent <= 0 or create_group_discount.percent > 100
     or create_group_discount.percent <> round(create_group_discount.percent, 2) then
    raise exception 'Discount % must be a percentage above 0 and at most 100 with at most 2 decimals', create_group_discount.percent
      using errcode = 'P0001';
  end if;
  if create_group_discount.ticket_type_id is not null
     and not exists (select from core.ticket_types tt where tt.id = create_group_discount.ticket_type_id and tt.event_id = e.id) then
    raise exception 'Ticket type % not found in this event', create_group_discount.ticket_type_id using errcode = 'PT404';
  end if;
  insert into core.group_discounts (org_id, event_id, ticket_type_id, min_quantity, percent)
  values (e.org_id, e.id, create_group_discount.ticket_type_id, create_group_discount.min_quantity, create_group_discount.percent)
  returning id into gid;
  return gid;
end
$$;
comment on function api.create_group_discount(uuid, int, numeric, uuid) is 'Adds a group discount: percent off each ticket (of one type, or all) when the order has at least min_quantity of them; the highest reached minimum applies. Managers only. Returns its id. Errors: PT404, PT403, P0001.';

create function api.create_promo_code(
  code text,
  kind text,
  percent numeric default null,
  amount_minor bigint default null,
  event_id uuid default null,
  ticket_type_ids uuid[] default null,
  unlocks uuid[] default '{}',
  max_uses int default null,
  max_uses_per_buyer int default null,
  valid_from timestamptz default null,
  valid_until timestamptz default null,
  min_quantity int default 1
)
returns uuid
language plpgsql volatile
as $$
declare
  org uuid := auth.org_id();
  e core.events;
  c text := core.normalize_promo(create_promo_code.code);
  bad uuid;
  pid uuid;
begin
  if create_promo_code.event_id is not null then
    select * into e from core.events where id = create_promo_code.event_id;
    if not found then
      raise exception 'Event % not found', create_promo_code.event_id using errcode = 'PT404';
    end if;
    org := e.org_id;
  end if;
  if org is null then
    raise exception 'Sign in as a member of an organisation to create promo codes' using errcode = 'PT403';
  end if;
  if not (core.can_write_org(org) or (auth.role() = 'promoter' and auth.org_id() = org)) then
    perform core.require_manager(org);
  end if;
  if c is null or c !~ '^[A-Z0-9_-]{3,40}$' then
    raise exception 'Promo code "%" must be 3 to 40 letters, digits, _ or -', create_promo_code.code using errcode = 'P0001';
  end if;
  if create_promo_code.kind is null or create_promo_code.kind not in ('percent', 'fixed') then
    raise exception 'Kind "%" must be percent or fixed', create_promo_code.kind using errcode = 'P0001';
  end if;
  if create_promo_code.kind = 'percent' and (create_promo_code.percent is null or create_promo_code.percent <= 0
       or create_promo_code.percent > 100 or create_promo_code.percent <> round(create_promo_code.percent, 2)
       or create_promo_code.amount_minor is not null) then
    raise exception 'A percent code needs percent above 0 and at most 100 (not %) and no amount_minor', create_promo_code.percent
      using errcode = 'P0001';
  end if;
  if create_promo_code.kind = 'fixed' and (create_promo_code.amount_minor is null or create_promo_code.amount_minor not between 1 and 100000000000
       or create_promo_code.percent is not null) then
    raise exception 'A fixed code needs amount_minor of at least 1 (not %) and no percent', create_promo_code.amount_minor
      using errcode = 'P0001';
  end if;
  if create_promo_code.max_uses is not null and create_promo_code.max_uses not between 1 and 10000000 then
    raise exception 'max_uses % must be between 1 and 10000000', create_promo_code.max_uses using errcode = 'P0001';
  end if;
  if create_promo_code.max_uses_per_buyer is not null and create_promo_code.max_uses_per_buyer not between 1 and 1000 then
    raise exception 'max_uses_per_buyer % must be between 1 and 1000', create_promo_code.max_uses_per_buyer using errcode = 'P0001';
  end if;
  if create_promo_code.min_quantity is null or create_promo_code.min_quantity not between 1 and 1000 then
    raise exception 'min_quantity % must be between 1 and 1000', create_promo_code.min_quantity using errcode = 'P0001';
  end if;
  if create_promo_code.valid_until <= create_promo_code.valid_from then
    raise exception 'The code must end after it starts (% is not after %)', create_promo_code.valid_until, create_promo_code.valid_from
      using errcode = 'P0001';
  end if;
  select t into bad from unnest(coalesce(create_promo_code.ticket_type_ids, '{}') || coalesce(create_promo_code.unlocks, '{}')) t
  where not exists (select from core.ticket_types tt where tt.id = t and tt.org_id = org
                    and (create_promo_code.event_id is null or tt.event_id = create_promo_code.event_id)) limit 1;
  if bad is not null then
    raise exception 'Ticket type % not found', bad using errcode = 'PT404';
  end if;
  insert into core.promo_codes (org_id, event_id, code, kind, percent, amount_minor, ticket_type_ids, unlocks, max_uses,
                                max_uses_per_buyer, valid_from, valid_until, min_quantity)
  values (org, create_promo_code.event_id, c, create_promo_code.kind, create_promo_code.percent, create_promo_code.amount_minor,
          create_promo_code.ticket_type_ids, coalesce(create_promo_code.unlocks, '{}'), create_promo_code.max_uses,
          create_promo_code.max_uses_per_buyer, create_promo_code.valid_from, create_promo_code.valid_until, create_promo_code.min_quantity)
  returning id into pid;
  return pid;
exception when unique_violation then
  raise exception 'Promo code % already exists %', c, case when create_promo_code.event_id is null then 'in this organisation' else 'for this event' end
    using errcode = '23505';
end
$$;
comment on function api.create_promo_code(text, text, numeric, bigint, uuid, uuid[], uuid[], int, int, timestamptz, timestamptz, int) is 'Creates a promo code (stored upper-case) for one event or, with event_id null, every event of the caller''s org: kind percent (percent off each eligible ticket) or fixed (amount_minor off each eligible ticket); limits overall and per buyer (email), validity window, minimum eligible tickets, the ticket types it applies to (null: all) and hidden types it unlocks. Managers and promoters. Returns its id. Errors: PT404, PT403, P0001, 23505 code taken.';

create function api.set_promo_code_active(promo_code_id uuid, active boolean)
returns boolean
language plpgsql volatile
as $$
declare
  p core.promo_codes;
begin
  select * into p from core.promo_codes where id = set_promo_code_active.promo_code_id;
  if not found then
    raise exception 'Promo code % not found', set_promo_code_active.promo_code_id using errcode = 'PT404';
  end if;
  perform core.require_manager(p.org_id);
  if set_promo_code_active.active is null then
    raise exception 'active must be true or false' using errcode = 'P0001';
  end if;
  update core.promo_codes set active = set_promo_code_active.active where id = p.id;
  return set_promo_code_active.active;
end
$$;
comment on function api.set_promo_code_active(uuid, boolean) is 'Switches a promo code on or off. Managers only. Errors: PT404, PT403, P0001.';

-- audit of pricing changes
create function core.tg_pricing__audit() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
begin
  perform core.audit((r ->> 'org_id')::uuid, tg_argv[0] || case tg_op when 'INSERT' then '.created' when 'DELETE' then '.deleted' else '.changed' end,
                     tg_argv[0], coalesce(r ->> 'id', r ->> 'event_id', r ->> 'org_id'),
                     case when tg_op = 'UPDATE' then jsonb_build_object('from', to_jsonb(old), 'to', to_jsonb(new)) else r end - 'used');
  return null;
end
$$;
create trigger "90_audit" after insert or delete or update of name, rate_percent, inclusive on core.org_taxes
  for each row execute function core.tg_pricing__audit('tax');
create trigger "90_audit" after insert or update or delete on core.event_fees
  for each row execute function core.tg_pricing__audit('event_fee');
create trigger "90_audit" after insert or update or delete on core.pricing_rules
  for each row execute function core.tg_pricing__audit('pricing_rule');
create trigger "90_audit" after insert or update or delete on core.group_discounts
  for each row execute function core.tg_pricing__audit('group_discount');
create trigger "90_audit" after insert or delete or update of kind, percent, amount_minor, ticket_type_ids, unlocks, max_uses,
  max_uses_per_buyer, valid_from, valid_until, min_quantity, active on core.promo_codes
  for each row execute function core.tg_pricing__audit('promo_code');

grant execute on function core.percent_of(bigint, numeric), core.money_text(bigint, text), core.pct_text(numeric),
  core.normalize_promo(text) to staff, anon, buyer;
grant execute on function api.quote_hold(text, text) to anon, buyer, staff;
grant execute on function api.set_org_tax(numeric, boolean, text), api.set_event_fees(uuid, bigint, bigint, text),
  api.create_pricing_rule(uuid, text, numeric, numeric, timestamptz, timestamptz, uuid, uuid),
  api.create_group_discount(uuid, int, numeric, uuid),
  api.create_promo_code(text, text, numeric, bigint, uuid, uuid[], uuid[], int, int, timestamptz, timestamptz, int),
  api.set_promo_code_active(uuid, boolean)
  to staff;
