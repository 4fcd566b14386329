-- Reads and a few actions for the admin's event pages. Reads are SECURITY INVOKER: RLS
-- limits them to the caller's org (platform admins: the org they act for is still chosen
-- by org_id, so the lists filter on it too).

create function api.admin_events(q text default null, status text default null)
returns table (id uuid, name text, slug text, status text, starts_at timestamptz, ends_at timestamptz,
               venue_name text, city text, currency text, series_id uuid, capacity bigint, sold bigint,
               revenue_minor bigint, orders bigint)
language sql stable
as $$
  select e.id, e.name, e.slug, e.status, e.starts_at, e.ends_at, v.name, e.city, e.currency, e.series_id,
    (select coalesce(sum(s.capacity), 0) from core.event_sections s where s.event_id = e.id),
    (select count(*) from core.tickets t join core.orders o on o.id = t.order_id
      join core.order_items i on i.id = t.order_item_id
      where t.event_id = e.id and o.status = 'paid' and t.status = 'valid' and i.kind = 'admission'),
    (select coalesce(sum(o.total_minor), 0) from core.orders o where o.event_id = e.id and o.status = 'paid'),
    (select count(*) from core.orders o where o.event_id = e.id and o.status in ('paid', 'pending_payment'))
  from core.events e join core.venues v on v.id = e.venue_id
  where e.org_id = auth.org_id()
    and (admin_events.q is null or e.search_text like '%' || lower(admin_events.q) || '%')
    and (admin_events.status is null or e.status = admin_events.status)
  order by e.starts_at desc
  limit 500
$$;
comment on function api.admin_events(text, text) is 'The caller''s org''s events (newest first, at most 500) with capacity, admission tickets sold (paid, valid), paid revenue in minor units and the number of paid or pending orders. Filters: q (name, performers, city, venue), status. Staff of the org.';

create function api.admin_event(event_id uuid)
returns jsonb
language plpgsql stable
as $$
declare
  e core.events;
begin
  select * into e from core.events where id = admin_event.event_id and org_id = auth.org_id();
  if not found then
    raise exception 'Event % not found', coalesce(admin_event.event_id::text, 'null') using errcode = 'PT404';
  end if;
  return to_jsonb(e) - 'search_text' || jsonb_build_object(
    'venue_name', (select v.name from core.venues v where v.id = e.venue_id),
    'zones', (select coalesce(jsonb_agg(jsonb_build_object('id', z.id, 'name', z.name, 'color', z.color) order by z.rank), '[]')
              from core.event_price_zones z where z.event_id = e.id),
    'sections', (select coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'kind', s.kind, 'capacity', s.capacity,
                   'zone', (select z.name from core.event_price_zones z where z.id = s.price_zone_id)) order by s.sort, s.name), '[]')
                 from core.event_sections s where s.event_id = e.id),
    'ticket_types', (select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name, 'kind', t.kind,
                       'price_minor', t.price_minor, 'hidden', t.hidden, 'active', t.active, 'max_per_order', t.max_per_order,
                       'prices', (select coalesce(jsonb_agg(jsonb_build_object('zone', z.name, 'price_minor', p.price_minor) order by z.rank), '[]')
                                  from core.ticket_type_prices p join core.event_price_zones z on z.id = p.event_price_zone_id
                                  where p.ticket_type_id = t.id),
                       'sold', (select count(*) from core.tickets k join core.orders o on o.id = k.order_id
                                where k.ticket_type_id = t.id and o.status = 'paid' and k.status = 'valid'))
                     order by t.sort, t.name), '[]')
                     from core.ticket_types t where t.event_id = e.id),
    'quotas', (select coalesce(jsonb_agg(jsonb_build_object('id', q.id, 'name', q.name, 'capacity', q.capacity,
                 'sold', (select count(*) from core.quota_units u where u.quota_id = q.id and u.state = 'sold'),
                 'ticket_types', (select coalesce(jsonb_agg(t.name order by t.name), '[]') from core.quota_ticket_types qt
                                  join core.ticket_types t on t.id = qt.ticket_type_id where qt.quota_id = q.id)) order by q.name), '[]')
               from core.quotas q where q.event_id = e.id),
    'fees', (select to_jsonb(f) - 'org_id' from core.event_fees f where f.event_id = e.id),
    'tax', (select to_jsonb(x) - 'org_id' from core.org_taxes x where x.org_id = e.org_id),
    'pricing_rules', (select coalesce(jsonb_agg(to_jsonb(r) - 'org_id' order by r.created_at), '[]')
                      from core.pricing_rules r where r.event_id = e.id),
    'group_discounts', (select coalesce(jsonb_agg(to_jsonb(g) - 'org_id' order by g.min_quantity), '[]')
                        from core.group_discounts g where g.event_id = e.id),
    'promo_codes', (select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'code', c.code, 'kind', c.kind, 'percent', c.percent,
                      'amount_minor', c.amount_minor, 'max_uses', c.max_uses, 'used', c.used, 'active', c.active,
                      'valid_until', c.valid_until, 'event_id', c.event_id,
                      'paid_orders', (select count(*) from core.orders o where o.promo_code_id = c.id and o.status = 'paid'),
                      'discount_minor', (select coalesce(sum(o.discount_minor), 0) from core.orders o
                                         where o.promo_code_id = c.id and o.status = 'paid' and o.event_id = e.id))
                      order by c.created_at desc, c.code), '[]')
                    from core.promo_codes c where (c.event_id = e.id or (c.event_id is null and c.org_id = e.org_id))),
    'series', (select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'starts_at', x.starts_at, 'status', x.status) order by x.starts_at), '[]')
               from core.events x where e.series_id is not null and x.series_id = e.series_id),
    'sold', (select count(*) from core.tickets k join core.orders o on o.id = k.order_id join core.order_items i on i.id = k.order_item_id
             where k.event_id = e.id and o.status = 'paid' and k.status = 'valid' and i.kind = 'admission'),
    'revenue_minor', (select coalesce(sum(o.total_minor), 0) from core.orders o where o.event_id = e.id and o.status = 'paid'),
    'open_orders', (select count(*) from core.orders o where o.event_id = e.id and o.status in ('paid', 'pending_payment')));
end
$$;
comment on function api.admin_event(uuid) is 'One event of the caller''s org for the admin: fields, venue, zones, sections, ticket types with prices per zone and sold counts, quotas with sold units, fees, org tax, pricing rules, group discounts, promo codes with uses, paid orders and discount given, series dates, totals. Errors: PT404 unknown or another org''s event.';

create function api.unpublish_event(event_id uuid)
returns text
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(unpublish_event.event_id);
  n bigint;
begin
  select * into e from core.events where id = e.id for update;
  if e.status = 'draft' then
    return e.status;
  end if;
  if e.status not in ('on_sale', 'sold_out') then
    raise exception 'Event "%" is % and cannot go back to draft', e.name, e.status using errcode = 'PT409';
  end if;
  select count(*) into n from core.orders o where o.event_id = e.id and o.status in ('paid', 'pending_payment');
  if n > 0 then
    raise exception 'Event "%" already has % order(s); it cannot be unpublished (cancel it instead)', e.name, n
      using errcode = 'PT409';
  end if;
  perform core.release_event_holds(e.id);
  update core.events set status = 'draft' where id = e.id;
  perform core.refresh_section_counts(e.id);
  return 'draft';
end
$$;
comment on function api.unpublish_event(uuid) is 'Takes an on-sale (or sold-out) event off sale back to draft, releasing its holds; allowed only while it has no paid or pending orders. Managers. Returns draft. Errors: PT404, PT403, PT409 has orders / ended / cancelled.';

create function api.generate_promo_codes(event_id uuid, prefix text, count int, kind text, percent numeric default null,
                                         amount_minor bigint default null, max_uses int default 1,
                                         valid_until timestamptz default null)
returns text[]
language plpgsql volatile
as $$
declare
  codes text[] := '{}';
  c text;
  p text := upper(coalesce(trim(generate_promo_codes.prefix), ''));
  tries int := 0;
begin
  if generate_promo_codes.count is null or generate_promo_codes.count not between 1 and 500 then
    raise exception 'Count % must be between 1 and 500', generate_promo_codes.count using errcode = 'P0001';
  end if;
  if p !~ '^[A-Z0-9]{0,20}$' then
    raise exception 'Prefix "%" must be up to 20 letters and digits', generate_promo_codes.prefix using errcode = 'P0001';
  end if;
  while coalesce(array_length(codes, 1), 0) < generate_promo_codes.count loop
    tries := tries + 1;
    if tries > generate_promo_codes.count * 3 then
      raise exception 'Could not generate % distinct codes with prefix "%"', generate_promo_codes.count, p using errcode = 'PT409';
    end if;
    -- 8 characters without look-alikes (0/O, 1/I/L): 31^8 possibilities.
    c := p || case when p = '' then '' else '-' end ||
         (select string_agg(substr(core.order_code_alphabet(), 1 + floor(random() * 31)::int, 1), '') from generate_series(1, 8));
    begin
      perform api.create_promo_code(code => c, kind => generate_promo_codes.kind, percent => generate_promo_codes.percent,
        amount_minor => generate_promo_codes.amount_minor, event_id => generate_promo_codes.event_id,
        max_uses => generate_promo_codes.max_uses, valid_until => generate_promo_codes.valid_until);
      codes := codes || c;
    exception when unique_violation then
      null; -- taken: draw again
    end;
  end loop;
  return codes;
end
$$;
comment on function api.generate_promo_codes(uuid, text, int, text, numeric, bigint, int, timestamptz) is 'Creates count (1 to 500) random single- or limited-use promo codes PREFIX-XXXXXXXX for an event, through api.create_promo_code (same roles and rules: managers and promoters). Returns the codes. Errors: P0001, PT403, PT404, PT409.';

grant execute on function api.admin_events(text, text), api.admin_event(uuid), api.unpublish_event(uuid),
  api.generate_promo_codes(uuid, text, int, text, numeric, bigint, int, timestamptz) to staff;

-- Promoters may create promo codes (api.create_promo_code) and so also switch them on and off:
-- core.role_permissions gives them manage_promo_codes, and the admin shows them the switch.
-- (121's version allowed managers only; found by tests/admin/roles_test.ts.)
create policy promoter_update on core.promo_codes for update to staff
  using (org_id = (select auth.org_id()) and (select auth.role()) = 'promoter')
  with check (org_id = (select auth.org_id()) and (select auth.role()) = 'promoter');

create or replace function api.set_promo_code_active(promo_code_id uuid, active boolean)
returns boolean
language plpgsql volatile
as $$
declare
  p core.promo_codes;
begin
  -- RLS shows staff their own org's codes only: another org's code is not found.
  select * into p from core.promo_codes where id = set_promo_code_active.promo_code_id;
  if not found then
    raise exception 'Promo code % not found', coalesce(set_promo_code_active.promo_code_id::text, 'null')
      using errcode = 'PT404';
  end if;
  perform core.require_permission('manage_promo_codes');
  if set_promo_code_active.active is null then
    raise exception 'Active must be true or false' using errcode = 'P0001';
  end if;
  update core.promo_codes set active = set_promo_code_active.active where id = p.id;
  return set_promo_code_active.active;
end
$$;
comment on function api.set_promo_code_active(uuid, boolean) is 'Switches a promo code on or off. Roles with manage_promo_codes (managers and promoters). Errors: PT404 unknown or another org''s code, PT403, P0001.';
