-- Fixes to 122_orders.sql (already applied elsewhere, so changes go here):
-- * api.create_order: the variable buyer_key collided with core.promo_redemptions.buyer_key
--   in the per-buyer count of a promo code (found by tests/engine/orders_concurrency_test.ts);
--   the variable is bkey now.

create or replace function api.create_order(
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
