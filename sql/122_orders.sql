-- Orders and tickets.
--
-- An order is made from an unexpired hold and priced by the quote (core.price_hold). It is
-- pending_payment until the payment side marks it paid (with the provider's reference), or
-- it expires (payment deadline passed) or is cancelled.
--
-- WHO HOLDS THE INVENTORY WHILE PAYMENT IS PENDING: the hold does. Making the order moves the
-- hold's expiry (and that of every place and quota unit it claimed) to the order's payment
-- deadline (core.set_hold_expiry), so availability, best-available and lazy expiry keep
-- working on one mechanism (held_until) and no second kind of claim exists. Triggers keep
-- the hold frozen while its order is pending: no new lines, no release, no shortening. On
-- paid, part 1's core.convert_hold_to_sold turns every place and quota unit into sold
-- inventory for the order (all or nothing) and one ticket per order item is issued. If the
-- deadline passes, the places are free again at once (lazy expiry); the order is shown and
-- treated as expired, and the orders__expire job records it.
--
-- Tickets: one per admission place (and per add-on unit), with a stable id (uuid) and an
-- unguessable secret (18 random bytes = 144 bits, base64url). A ticket is VALID iff its
-- order is paid and the ticket itself is valid (not cancelled or refunded): core.ticket_is_valid.
--
-- Order codes: 7 random characters from an alphabet without 0/O/1/I/L (31 characters,
-- 31^7 = 2.75e10 codes) and one check character (weighted sum mod 31, which catches every
-- single wrong character and every swap of two neighbours), e.g. "K7RM-2XQP" when printed.

create table core.orders (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete restrict,
  hold_id uuid references core.holds (id) on delete set null,
  code text not null unique check (code ~ '^[2-9A-HJKMNP-Z]{8}$'),
  access_token_hash bytea not null,
  status text not null default 'pending_payment'
    check (status in ('pending_payment', 'paid', 'expired', 'cancelled', 'refund_pending', 'refunded')),
  channel text not null check (channel in ('web', 'box_office', 'agent', 'reseller', 'complimentary')),
  buyer_email text check (buyer_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  buyer_phone text check (buyer_phone ~ '^\+?[0-9]{7,15}$'),
  buyer_name text check (length(buyer_name) between 1 and 120),
  buyer_user_id uuid,
  promo_code_id uuid references core.promo_codes (id) on delete set null,
  currency text not null references core.currencies (code) on delete restrict,
  subtotal_minor bigint not null,
  discount_minor bigint not null,
  fees_minor bigint not null,
  tax_minor bigint not null,
  tax_inclusive boolean not null,
  total_minor bigint not null check (total_minor >= 0),
  lines jsonb not null,
  payment_provider text,
  payment_reference text,
  paid_at timestamptz,
  expires_at timestamptz not null,
  cancelled_at timestamptz,
  cancel_reason text,
  created_by uuid,
  created_at timestamptz not null default now(),
  check (buyer_email is not null or buyer_phone is not null or channel in ('box_office', 'complimentary')),
  check ((status = 'paid') <= (payment_reference is not null))
);
create unique index orders_payment_key on core.orders (payment_provider, payment_reference) where payment_reference is not null;
create unique index orders_hold_active_key on core.orders (hold_id) where status in ('pending_payment', 'paid');
create index orders_event_idx on core.orders (event_id, status);
create index orders_org_idx on core.orders (org_id, created_at desc);
create index orders_pending_idx on core.orders (expires_at) where status = 'pending_payment';
create index orders_buyer_idx on core.orders (buyer_user_id) where buyer_user_id is not null;
comment on table core.orders is 'Orders: pending_payment -> paid -> refund_pending/refunded, or expired/cancelled. Money in minor units of currency.';

create table core.order_items (
  id bigint generated always as identity primary key,
  order_id uuid not null references core.orders (id) on delete cascade,
  org_id uuid not null references core.orgs (id) on delete cascade,
  kind text not null check (kind in ('admission', 'addon')),
  ticket_type_id uuid not null references core.ticket_types (id) on delete restrict,
  event_section_id uuid references core.event_sections (id) on delete restrict,
  seat_id bigint, -- the event_seats row (a seat or a standing admission unit)
  label text,     -- "C12" for seats
  description text not null,
  attendee_name text check (length(attendee_name) between 1 and 120),
  price_minor bigint not null check (price_minor >= 0),
  fee_minor bigint not null default 0 check (fee_minor >= 0)
);
create index order_items_order_idx on core.order_items (order_id);
create index order_items_org_idx on core.order_items (org_id);
create unique index order_items_seat_key on core.order_items (seat_id, order_id) where seat_id is not null;

create table core.tickets (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  event_id uuid not null references core.events (id) on delete restrict,
  order_id uuid not null references core.orders (id) on delete restrict,
  order_item_id bigint not null unique references core.order_items (id) on delete restrict,
  ticket_type_id uuid not null references core.ticket_types (id) on delete restrict,
  seat_id bigint,
  attendee_name text,
  secret text not null unique check (length(secret) >= 22),
  status text not null default 'valid' check (status in ('valid', 'cancelled', 'refunded')),
  issued_at timestamptz not null default now(),
  cancelled_at timestamptz
);
create index tickets_order_idx on core.tickets (order_id);
create index tickets_event_idx on core.tickets (event_id);
create index tickets_org_idx on core.tickets (org_id);
comment on table core.tickets is 'One per admission (and add-on unit) of a paid order. Valid iff the order is paid and status = valid.';

alter table core.promo_redemptions add constraint promo_redemptions_order_fkey
  foreign key (order_id) references core.orders (id) on delete cascade;
create index promo_redemptions_order_idx on core.promo_redemptions (order_id);

select core.enable_tenant_rls('core.orders');
select core.enable_tenant_rls('core.order_items');
select core.enable_tenant_rls('core.tickets');
-- Secrets and token hashes are not for staff eyes through plain selects.
revoke select on core.orders, core.tickets from staff;
grant select (id, org_id, event_id, hold_id, code, status, channel, buyer_email, buyer_phone, buyer_name, buyer_user_id,
              promo_code_id, currency, subtotal_minor, discount_minor, fees_minor, tax_minor, tax_inclusive, total_minor,
              lines, payment_provider, payment_reference, paid_at, expires_at, cancelled_at, cancel_reason, created_by, created_at)
  on core.orders to staff;
grant select (id, org_id, event_id, order_id, order_item_id, ticket_type_id, seat_id, attendee_name, status, issued_at, cancelled_at)
  on core.tickets to staff;

-- ---------------------------------------------------------------------------------------
-- Codes, secrets, validity

create function core.order_code_alphabet() returns text language sql immutable
as $$ select '23456789ABCDEFGHJKMNPQRSTUVWXYZ' $$;

create function core.order_code_check(body text) returns text
language sql immutable
as $$
  select substr(core.order_code_alphabet(),
                (sum(i * (strpos(core.order_code_alphabet(), substr(body, i, 1)) - 1)) % 31)::int + 1, 1)
  from generate_series(1, length(body)) i
$$;
comment on function core.order_code_check(text) is 'Check character of an order code body: sum of position x value, mod 31 (catches one wrong character and one swap of neighbours).';

create function core.new_order_code() returns text
language plpgsql volatile
as $$
declare
  a text := core.order_code_alphabet();
  body text := '';
  b int;
begin
  while length(body) < 7 loop
    b := get_byte(public.gen_random_bytes(1), 0);
    if b < 248 then -- 248 = 8 x 31: no bias
      body := body || substr(a, b % 31 + 1, 1);
    end if;
  end loop;
  return body || core.order_code_check(body);
end
$$;

-- "k7rm-2xqp " -> "K7RM2XQP"; null when it is not a well-formed code with the right check.
create function core.normalize_order_code(code text) returns text
language sql immutable
as $$
  select case when c ~ '^[2-9A-HJKMNP-Z]{8}$' and right(c, 1) = core.order_code_check(left(c, 7)) then c end
  from (select upper(regexp_replace(coalesce(code, ''), '[\s-]', '', 'g')) as c) x
$$;

create function core.new_ticket_secret() returns text
language sql volatile
as $$ select translate(encode(public.gen_random_bytes(18), 'base64'), '+/', '-_') $$;
comment on function core.new_ticket_secret() is '144 random bits as 24 base64url characters.';

create function core.ticket_is_valid(t core.tickets) returns boolean
language sql stable
as $$ select t.status = 'valid' and exists (select from core.orders o where o.id = t.order_id and o.status = 'paid') $$;
comment on function core.ticket_is_valid(core.tickets) is 'THE validity rule: a ticket admits iff its order is paid and it is not cancelled or refunded.';

create function core.payment_minutes() returns int language sql immutable as $$ select 15 $$;
comment on function core.payment_minutes() is 'Minutes a buyer has to pay after making an order (the hold is kept that long).';

-- The order as its buyer (and the payment side) sees it. Tickets with secrets only once paid.
create function core.order_json(o core.orders) returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'id', o.id, 'code', o.code, 'code_display', left(o.code, 4) || '-' || right(o.code, 4),
    'status', case when o.status = 'pending_payment' and o.expires_at <= now() then 'expired' else o.status end,
    'channel', o.channel, 'event_id', o.event_id,
    'event', (select jsonb_build_object('name', e.name, 'slug', e.slug, 'starts_at', e.starts_at, 'status', e.status)
              from core.events e where e.id = o.event_id),
    'buyer_email', o.buyer_email, 'buyer_phone', o.buyer_phone, 'buyer_name', o.buyer_name,
    'currency', o.currency, 'subtotal_minor', o.subtotal_minor, 'discount_minor', o.discount_minor,
    'fees_minor', o.fees_minor, 'tax_minor', o.tax_minor, 'tax_inclusive', o.tax_inclusive, 'total_minor', o.total_minor,
    'lines', o.lines, 'expires_at', o.expires_at, 'paid_at', o.paid_at, 'payment_reference', o.payment_reference,
    'cancelled_at', o.cancelled_at, 'created_at', o.created_at,
    'items', (select coalesce(jsonb_agg(jsonb_build_object('id', i.id, 'kind', i.kind, 'ticket_type_id', i.ticket_type_id,
                'description', i.description, 'label', i.label, 'seat_id', i.seat_id, 'attendee_name', i.attendee_name,
                'price_minor', i.price_minor, 'fee_minor', i.fee_minor) order by i.id), '[]')
              from core.order_items i where i.order_id = o.id),
    'tickets', (select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'order_item_id', t.order_item_id,
                'ticket_type_id', t.ticket_type_id, 'seat_id', t.seat_id, 'attendee_name', t.attendee_name,
                'secret', case when o.status = 'paid' then t.secret end, 'status', t.status,
                'valid', t.status = 'valid' and o.status = 'paid', 'issued_at', t.issued_at) order by t.order_item_id), '[]')
              from core.tickets t where t.order_id = o.id))
$$;

-- ---------------------------------------------------------------------------------------
-- Keeping the hold frozen while its order is pending

create function core.tg_hold_items__frozen() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  if exists (select from core.orders o where o.hold_id = new.hold_id and o.status in ('pending_payment', 'paid')) then
    raise exception 'This hold has already become an order' using errcode = 'PT409';
  end if;
  return new;
end
$$;
create trigger "10_frozen" before insert on core.hold_items
  for each row execute function core.tg_hold_items__frozen();

create function core.tg_holds__frozen() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
begin
  select * into o from core.orders where hold_id = old.id and status = 'pending_payment' and expires_at > now();
  if not found then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  if tg_op = 'DELETE' then
    if exists (select from core.events e where e.id = old.event_id and e.status in ('cancelled', 'ended')) then
      return old;
    end if;
    raise exception 'This hold belongs to order % awaiting payment; cancel the order instead', o.code using errcode = 'PT409';
  end if;
  if new.expires_at < o.expires_at then
    raise exception 'This hold belongs to order % and is kept until its payment deadline', o.code using errcode = 'PT409';
  end if;
  return new;
end
$$;
create trigger "10_frozen" before update of expires_at or delete on core.holds
  for each row execute function core.tg_holds__frozen();

-- ---------------------------------------------------------------------------------------
-- Internal steps

-- The order for the payment side / staff, locked. Another org's order looks unknown.
create function core.order_for_staff(oid uuid, lock boolean) returns core.orders
language plpgsql volatile
as $$
declare
  o core.orders;
begin
  if lock then
    select * into o from core.orders where id = oid for update;
  else
    select * into o from core.orders where id = oid;
  end if;
  if not found or not core.can_read_org(o.org_id) then
    raise exception 'Order % not found', coalesce(oid::text, 'null') using errcode = 'PT404';
  end if;
  if not (auth.is_platform_admin() or auth.role() in ('org_owner', 'event_manager', 'box_office_agent', 'finance')) then
    raise exception 'Your role % may not change orders', auth.role() using errcode = 'PT403';
  end if;
  return o;
end
$$;

-- Gives back what an unpaid order holds: its hold's places and quota units, its promo use.
create function core.release_order(o core.orders) returns void
language plpgsql volatile
as $$
begin
  if o.hold_id is not null then
    perform core.release_hold(o.hold_id);
  end if;
  update core.promo_codes pc set used = pc.used - 1
  from core.promo_redemptions r
  where r.order_id = o.id and r.released_at is null and pc.id = r.promo_code_id;
  update core.promo_redemptions set released_at = now() where order_id = o.id and released_at is null;
end
$$;

-- Pays order o (locked, pending, not expired): sells its places, issues its tickets.
create function core.pay_order(o core.orders, provider text, reference text) returns core.orders
language plpgsql volatile
as $$
declare
  sold int;
  expected int;
begin
  if o.hold_id is null then
    raise exception 'The places of order % were released; it can no longer be paid', o.code using errcode = 'PT410';
  end if;
  select count(*) into expected from core.order_items where order_id = o.id and kind = 'admission';
  sold := core.convert_hold_to_sold(o.hold_id, o.id);
  if sold <> expected then
    raise exception 'Order % holds % places but % were sold; nothing was charged', o.code, expected, sold using errcode = 'PT409';
  end if;
  insert into core.tickets (org_id, event_id, order_id, order_item_id, ticket_type_id, seat_id, attendee_name, secret)
  select o.org_id, o.event_id, o.id, i.id, i.ticket_type_id, i.seat_id, i.attendee_name, core.new_ticket_secret()
  from core.order_items i where i.order_id = o.id order by i.id;
  update core.orders set status = 'paid', paid_at = now(), payment_provider = provider, payment_reference = reference
  where id = o.id returning * into o;
  return o;
end
$$;

-- ---------------------------------------------------------------------------------------
-- api: buyers

create function api.create_order(
  hold_token text,
  buyer_email text default null,
  buyer_phone text default null,
  buyer_name text default null,
  attendees jsonb default null,
  promo_code text default null,
  channel text default null
)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds;
  e core.events;
  ch text;
  email text := nullif(lower(trim(create_order.buyer_email)), '');
  phone text := nullif(regexp_replace(coalesce(create_order.buyer_phone, ''), '[\s().-]', '', 'g'), '');
  bname text := nullif(trim(create_order.buyer_name), '');
  q jsonb;
  names text[];
  n_adm int;
  a jsonb;
  o core.orders;
  token text := 'o_' || translate(encode(public.gen_random_bytes(24), 'base64'), '+/', '-_');
  p core.promo_codes;
  bkey text;
  used_by_buyer int;
  tries int := 0;
begin
  -- arguments first
  if email is not null and email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'Email "%" is not a valid address', left(create_order.buyer_email, 80) using errcode = 'P0001';
  end if;
  if phone is not null and phone !~ '^\+?[0-9]{7,15}$' then
    raise exception 'Phone number "%" must be 7 to 15 digits, optionally starting with +', left(create_order.buyer_phone, 40)
      using errcode = 'P0001';
  end if;
  if bname is not null and length(bname) > 120 then
    raise exception 'Buyer name must be at most 120 characters' using errcode = 'P0001';
  end if;
  if create_order.attendees is not null and jsonb_typeof(create_order.attendees) <> 'array' then
    raise exception 'attendees must be a list of names, one per ticket, like ["Tendai Moyo", "Ama Mensah"]' using errcode = 'P0001';
  end if;
  if create_order.promo_code is not null and core.normalize_promo(create_order.promo_code) !~ '^[A-Z0-9_-]{1,40}$' then
    raise exception 'Promo code "%" is not a valid code', left(create_order.promo_code, 40) using errcode = 'P0001';
  end if;
  if create_order.channel is not null and create_order.channel not in ('web', 'box_office', 'agent', 'reseller', 'complimentary') then
    raise exception 'Channel "%" must be web, box_office, agent, reseller or complimentary', create_order.channel using errcode = 'P0001';
  end if;

  h := core.hold_by_token(create_order.hold_token, true);
  if exists (select from core.orders x where x.hold_id = h.id and x.status in ('pending_payment', 'paid')) or h.order_id is not null then
    raise exception 'This hold has already become order %',
      (select x.code from core.orders x where x.hold_id = h.id order by x.created_at desc limit 1) using errcode = 'PT409';
  end if;
  if h.expires_at <= now() then
    raise exception 'Hold has expired (at %); start again', h.expires_at using errcode = 'PT410';
  end if;
  select * into e from core.events where id = h.event_id;
  if e.status not in ('on_sale', 'sold_out') then
    raise exception 'Event "%" is not on sale (it is %)', e.name, e.status using errcode = 'PT422';
  end if;

  ch := coalesce(create_order.channel, h.channel);
  if ch = 'complimentary' then
    if not (auth.is_platform_admin() or (auth.org_id() = e.org_id and auth.role() in ('org_owner', 'event_manager'))) then
      raise exception 'Only the organiser (owner or event manager) can issue complimentary tickets' using errcode = 'PT403';
    end if;
  elsif ch <> h.channel or ch <> 'web' then
    if not (core.can_read_org(e.org_id)
            and auth.role() in ('platform_admin', 'org_owner', 'event_manager', 'box_office_agent', 'promoter')) then
      raise exception 'Only the organiser''s staff can sell through channel "%"', ch using errcode = 'PT403';
    end if;
  end if;
  if email is null and phone is null and ch not in ('box_office', 'complimentary') then
    raise exception 'Give the buyer''s email or phone number so the tickets can be sent' using errcode = 'P0001';
  end if;

  q := core.price_hold(h, core.normalize_promo(create_order.promo_code), ch = 'complimentary');
  n_adm := (select count(*) from jsonb_array_elements(q -> 'units') u where u ->> 'kind' = 'admission');
  if create_order.attendees is not null and jsonb_array_length(create_order.attendees) > 0 then
    if jsonb_array_length(create_order.attendees) <> n_adm then
      raise exception 'Give one attendee name per ticket: % names for % tickets', jsonb_array_length(create_order.attendees), n_adm
        using errcode = 'P0001';
    end if;
    for a in select * from jsonb_array_elements(create_order.attendees) loop
      if jsonb_typeof(a) = 'object' then a := a -> 'name'; end if;
      if a is null or jsonb_typeof(a) = 'null' then
        names := names || null::text;
      elsif jsonb_typeof(a) <> 'string' or length(trim(a #>> '{}')) not between 1 and 120 then
        raise exception 'Attendee name % must be text of 1 to 120 characters', left(a::text, 60) using errcode = 'P0001';
      else
        names := names || trim(a #>> '{}');
      end if;
    end loop;
  end if;

  loop
    begin
      insert into core.orders (org_id, event_id, hold_id, code, access_token_hash, channel, buyer_email, buyer_phone, buyer_name,
                               buyer_user_id, promo_code_id, currency, subtotal_minor, discount_minor, fees_minor, tax_minor,
                               tax_inclusive, total_minor, lines, expires_at, created_by)
      values (e.org_id, e.id, h.id, core.new_order_code(), public.digest(token, 'sha256'), ch, email, phone, bname,
              case when auth.role() = 'buyer' then auth.user_id() else h.user_id end,
              (q -> 'promo' ->> 'id')::uuid, e.currency, (q ->> 'subtotal_minor')::bigint, (q ->> 'discount_minor')::bigint,
              (q ->> 'fees_minor')::bigint, (q ->> 'tax_minor')::bigint, (q ->> 'tax_inclusive')::boolean,
              (q ->> 'total_minor')::bigint, q -> 'lines',
              greatest(h.expires_at, now() + make_interval(mins => core.payment_minutes())),
              case when auth.role() <> 'buyer' then auth.user_id() end)
      returning * into o;
      exit;
    exception when unique_violation then
      tries := tries + 1;
      if tries > 5 then raise; end if; -- a code collision five times in a row: something else is wrong
    end;
  end loop;

  -- promo use: a conditional update on the code's row (the row lock serializes uses of one
  -- code, so the per-buyer count below is exact); other codes and other orders never wait.
  if q -> 'promo' is not null and jsonb_typeof(q -> 'promo') = 'object' then
    update core.promo_codes pc set used = pc.used + 1
    where pc.id = (q -> 'promo' ->> 'id')::uuid and (pc.max_uses is null or pc.used < pc.max_uses)
    returning * into p;
    if not found then
      raise exception 'Promo code % has been used up', q -> 'promo' ->> 'code' using errcode = 'PT409';
    end if;
    bkey := coalesce(email, phone, h.user_id::text, h.session_id, o.id::text);
    if p.max_uses_per_buyer is not null then
      select count(*) into used_by_buyer from core.promo_redemptions r
      where r.promo_code_id = p.id and r.buyer_key = bkey and r.released_at is null;
      if used_by_buyer >= p.max_uses_per_buyer then
        raise exception 'You have already used promo code % (at most % per buyer)', p.code, p.max_uses_per_buyer using errcode = 'PT409';
      end if;
    end if;
    insert into core.promo_redemptions (org_id, promo_code_id, order_id, buyer_key) values (o.org_id, p.id, o.id, bkey);
  end if;

  insert into core.order_items (order_id, org_id, kind, ticket_type_id, event_section_id, seat_id, label, description,
                                attendee_name, price_minor, fee_minor)
  select o.id, o.org_id, u ->> 'kind', (u ->> 'ticket_type_id')::uuid, (u ->> 'section_id')::uuid, (u ->> 'seat_id')::bigint,
         u ->> 'label', coalesce(u ->> 'description', u ->> 'ticket_type'),
         case when u ->> 'kind' = 'admission' then names[(row_number() over (partition by u ->> 'kind' order by ord))::int] end,
         (u ->> 'price_minor')::bigint, (u ->> 'fee_minor')::bigint
  from jsonb_array_elements(q -> 'units') with ordinality as x(u, ord)
  order by ord;

  perform core.set_hold_expiry(h.id, o.expires_at);

  if ch = 'complimentary' then
    o := core.pay_order(o, 'complimentary', 'comp:' || o.code);
  end if;
  return core.order_json(o) || jsonb_build_object('access_token', token);
end
$$;
comment on function api.create_order(text, text, text, text, jsonb, text, text) is 'Makes an order (pending_payment) from an unexpired hold, priced by its quote: buyer email and/or phone, optional buyer name, attendee names (one per admission, in the quote''s ticket order), promo code, channel (default the hold''s; complimentary = price 0 and paid at once, organiser only). The hold is kept until the payment deadline (expires_at). Returns the order with code and access_token (shown once: the buyer''s key to the order). Errors: P0001 bad input, PT404 unknown hold, PT409 hold already an order / promo code used up or used by this buyer, PT410 hold expired, PT403 channel, PT422 promo code not valid / event not on sale.';

create function api.get_order(code text, access_token text)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  c text := core.normalize_order_code(get_order.code);
  o core.orders;
begin
  if c is null then
    raise exception 'Order code "%" is not a valid code; check it and try again', left(coalesce(get_order.code, ''), 20)
      using errcode = 'P0001';
  end if;
  select * into o from core.orders where orders.code = c;
  if not found or get_order.access_token is null
     or o.access_token_hash <> public.digest(get_order.access_token, 'sha256') then
    raise exception 'Order % not found', c using errcode = 'PT404';
  end if;
  return core.order_json(o);
end
$$;
comment on function api.get_order(text, text) is 'The buyer''s order by its code (any case, dashes allowed) and access token: status, lines, items, and once paid its tickets with their secrets. Errors: P0001 malformed code (or wrong check character), PT404 unknown code or wrong token.';

-- ---------------------------------------------------------------------------------------
-- api: the payment side and staff

create function api.mark_order_paid(order_id uuid, payment_reference text, provider text default 'sandbox',
                                    amount_minor bigint default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
  ref text := trim(mark_order_paid.payment_reference);
  prov text := lower(trim(mark_order_paid.provider));
begin
  if ref is null or length(ref) not between 3 and 200 then
    raise exception 'Payment reference "%" must be 3 to 200 characters', left(coalesce(mark_order_paid.payment_reference, ''), 40)
      using errcode = 'P0001';
  end if;
  if prov is null or prov !~ '^[a-z0-9_]{2,40}$' then
    raise exception 'Provider "%" must be 2 to 40 lowercase letters, digits or _', left(coalesce(mark_order_paid.provider, ''), 40)
      using errcode = 'P0001';
  end if;
  o := core.order_for_staff(mark_order_paid.order_id, true);
  if o.status = 'paid' then
    if o.payment_reference = ref and o.payment_provider = prov then
      return core.order_json(o); -- the same payment reported again changes nothing
    end if;
    raise exception 'Order % is already paid with another payment (%)', o.code, o.payment_reference using errcode = 'PT409';
  end if;
  if o.status <> 'pending_payment' then
    raise exception 'Order % is % and cannot be paid', o.code, replace(o.status, '_', ' ') using errcode = 'PT409';
  end if;
  if o.expires_at <= now() then
    raise exception 'Order % expired at %; its places may have been sold again', o.code, o.expires_at using errcode = 'PT410';
  end if;
  if mark_order_paid.amount_minor is not null and mark_order_paid.amount_minor <> o.total_minor then
    raise exception 'Payment of % does not match the order total %', core.money_text(mark_order_paid.amount_minor, o.currency),
      core.money_text(o.total_minor, o.currency) using errcode = 'PT422';
  end if;
  if exists (select from core.orders x where x.payment_provider = prov and x.payment_reference = ref and x.id <> o.id) then
    raise exception 'Payment reference % of % already paid another order', ref, prov using errcode = 'PT409';
  end if;
  o := core.pay_order(o, prov, ref);
  return core.order_json(o);
end
$$;
comment on function api.mark_order_paid(uuid, text, text, bigint) is 'Payment side: marks a pending order paid with the provider''s payment reference; its places become sold and one ticket per admission (and add-on) is issued. Idempotent: the same reference again returns the same order and changes nothing; another reference on a paid order is PT409. amount_minor, when given, must equal the total. Roles: platform_admin (payment service), org_owner, event_manager, box_office_agent, finance. Errors: P0001, PT403, PT404, PT409 already paid otherwise / not payable / reference used, PT410 deadline passed, PT422 amount differs.';

create function api.expire_order(order_id uuid)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_for_staff(expire_order.order_id, true);
begin
  if o.status = 'expired' then
    return core.order_json(o);
  end if;
  if o.status <> 'pending_payment' then
    raise exception 'Order % is % and cannot expire', o.code, replace(o.status, '_', ' ') using errcode = 'PT409';
  end if;
  update core.orders set status = 'expired' where id = o.id returning * into o;
  perform core.release_order(o);
  return core.order_json(o);
end
$$;
comment on function api.expire_order(uuid) is 'Payment side: a pending order''s payment failed or timed out; it becomes expired and its places and promo use are released at once. Idempotent for an expired order. Errors: PT403, PT404, PT409 not pending.';

create function api.cancel_order(order_id uuid, reason text default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_for_staff(cancel_order.order_id, true);
begin
  if cancel_order.reason is not null and length(cancel_order.reason) > 500 then
    raise exception 'Reason must be at most 500 characters' using errcode = 'P0001';
  end if;
  if o.status in ('cancelled', 'refund_pending', 'refunded') then
    return core.order_json(o);
  end if;
  if o.status = 'expired' then
    raise exception 'Order % has expired; there is nothing to cancel', o.code using errcode = 'PT409';
  end if;
  if auth.role() = 'box_office_agent' and o.status = 'paid' then
    raise exception 'Only a manager or finance can cancel a paid order' using errcode = 'PT403';
  end if;
  if o.status = 'pending_payment' then
    update core.orders set status = 'cancelled', cancelled_at = now(), cancel_reason = cancel_order.reason
    where id = o.id returning * into o;
    perform core.release_order(o);
  else -- paid: tickets stop admitting, places go back on sale, the money is to be refunded
    update core.tickets set status = 'cancelled', cancelled_at = now() where tickets.order_id = o.id and status = 'valid';
    update core.event_seats set state = 'open', hold_id = null, held_until = '-infinity', order_id = null
    where event_seats.order_id = o.id and state = 'sold';
    update core.quota_units set state = 'open', hold_id = null, held_until = '-infinity', order_id = null
    where quota_units.order_id = o.id and state = 'sold';
    update core.orders set status = 'refund_pending', cancelled_at = now(), cancel_reason = cancel_order.reason
    where id = o.id returning * into o;
    perform core.enqueue(o.org_id, 'orders__refund', jsonb_build_object('order_id', o.id, 'code', o.code,
      'amount_minor', o.total_minor, 'currency', o.currency, 'reason', cancel_order.reason));
  end if;
  return core.order_json(o);
end
$$;
comment on function api.cancel_order(uuid, text) is 'Cancels an order. Pending: cancelled, places and promo use released. Paid: tickets cancelled (they no longer admit), places back on sale, order refund_pending and a refund queued (orders__refund). Idempotent for cancelled orders. Errors: P0001, PT403 (box office agents cannot cancel paid orders), PT404, PT409 expired.';

create function api.get_order_for_staff(order_id uuid)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
begin
  select * into o from core.orders where id = get_order_for_staff.order_id;
  if not found or not core.can_read_org(o.org_id) then
    raise exception 'Order % not found', coalesce(get_order_for_staff.order_id::text, 'null') using errcode = 'PT404';
  end if;
  return core.order_json(o) - 'tickets' || jsonb_build_object('tickets',
    (select coalesce(jsonb_agg(t - 'secret'), '[]') from jsonb_array_elements(core.order_json(o) -> 'tickets') t));
end
$$;
comment on function api.get_order_for_staff(uuid) is 'An order of the caller''s org, for staff (ticket secrets left out). Errors: PT404 unknown or another org''s order.';

-- ---------------------------------------------------------------------------------------
-- Expiry job and event cancellation

create function core.expire_orders() returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
  n int := 0;
begin
  for o in select * from core.orders where status = 'pending_payment' and expires_at <= now()
           order by expires_at limit 5000 for update skip locked loop
    update core.orders set status = 'expired' where id = o.id returning * into o;
    perform core.release_order(o);
    n := n + 1;
  end loop;
  return n;
end
$$;
comment on function core.expire_orders() is 'Job orders__expire (every minute): pending orders past their payment deadline become expired and give back their places and promo uses. Correctness does not depend on it (the hold expired at the same moment).';
select core.schedule_job('orders__expire', '* * * * *', 'select core.expire_orders()');

-- Part 1's status machine calls this in the transaction that cancels an event (after its
-- holds are released): pending orders are cancelled, paid orders are marked for refund and
-- their tickets stop admitting; each buyer is told through the outbox.
create or replace function core.on_event_cancelled(ev uuid) returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
begin
  if not exists (select from core.events e where e.id = ev and e.status = 'cancelled' and core.can_write_org(e.org_id)) then
    raise exception 'Event % not found', ev using errcode = 'PT404';
  end if;
  for o in select * from core.orders where event_id = ev and status in ('pending_payment', 'paid') order by id for update loop
    if o.status = 'pending_payment' then
      update core.orders set status = 'cancelled', cancelled_at = now(), cancel_reason = 'Event cancelled' where id = o.id returning * into o;
      perform core.release_order(o);
    else
      update core.tickets set status = 'cancelled', cancelled_at = now() where order_id = o.id and status = 'valid';
      update core.orders set status = 'refund_pending', cancelled_at = now(), cancel_reason = 'Event cancelled'
      where id = o.id returning * into o;
      perform core.enqueue(o.org_id, 'orders__refund', jsonb_build_object('order_id', o.id, 'code', o.code,
        'amount_minor', o.total_minor, 'currency', o.currency, 'reason', 'Event cancelled'));
    end if;
    perform core.enqueue(o.org_id, 'orders__send_event_cancelled', jsonb_build_object('order_id', o.id, 'code', o.code,
      'email', o.buyer_email, 'phone', o.buyer_phone));
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Audit and outbox triggers

create function core.tg_orders__audit() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    perform core.audit(new.org_id, case when new.channel = 'complimentary' then 'order.complimentary_created' else 'order.created' end,
      'order', new.id::text, jsonb_build_object('code', new.code, 'event_id', new.event_id, 'channel', new.channel,
        'total_minor', new.total_minor, 'currency', new.currency, 'promo_code_id', new.promo_code_id));
  else
    perform core.audit(new.org_id, 'order.' || new.status, 'order', new.id::text,
      jsonb_build_object('code', new.code, 'from', old.status, 'to', new.status, 'total_minor', new.total_minor,
        'payment_provider', new.payment_provider, 'payment_reference', new.payment_reference, 'reason', new.cancel_reason));
    if new.status = 'paid' then
      perform core.enqueue(new.org_id, 'orders__send_confirmation', jsonb_build_object('order_id', new.id, 'code', new.code,
        'email', new.buyer_email, 'phone', new.buyer_phone, 'event_id', new.event_id));
    end if;
  end if;
  return null;
end
$$;
create trigger "90_audit" after insert on core.orders for each row execute function core.tg_orders__audit();
create trigger "90_audit_status" after update of status on core.orders
  for each row when (old.status is distinct from new.status) execute function core.tg_orders__audit();

create function core.tg_tickets__audit() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.audit(new.org_id, 'ticket.' || new.status, 'ticket', new.id::text,
    jsonb_build_object('order_id', new.order_id, 'from', old.status, 'to', new.status));
  return null;
end
$$;
create trigger "90_audit_status" after update of status on core.tickets
  for each row when (old.status is distinct from new.status) execute function core.tg_tickets__audit();

grant execute on function core.normalize_order_code(text), core.order_code_check(text), core.order_code_alphabet(),
  core.ticket_is_valid(core.tickets) to staff, anon, buyer, scanner;
grant execute on function api.create_order(text, text, text, text, jsonb, text, text), api.get_order(text, text)
  to anon, buyer, staff;
grant execute on function api.mark_order_paid(uuid, text, text, bigint), api.expire_order(uuid), api.cancel_order(uuid, text),
  api.get_order_for_staff(uuid) to staff;
