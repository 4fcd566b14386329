-- Helpers on the sale's hot path, from LANGUAGE sql to plpgsql: same arguments, same results.
--
-- Why: PostgreSQL 15 plans the body of a SQL function again in every query that calls it, unless
-- it can inline it, and these cannot be inlined (subqueries, FROM, SECURITY DEFINER or SET). Called
-- from the engine's plpgsql functions, that is every hold, quote, order and payment. plpgsql keeps
-- each statement's plan for the life of the connection. Measured with track_functions = 'all'
-- during bench/flash_sale.ts (60,000 seats, K = 32, 30 s): these seven took 17.6 of the 80 s
-- spent in functions, 22 %; hold_json alone 2.0 ms a call and order_json 1.3 ms, mostly planning.
-- (The scanner's helpers became plpgsql for the same reason in 170.)
-- Parameters are written qualified (money_text.currency) where a column of the same name could
-- be meant.

create or replace function core.hold_json(h core.holds) returns jsonb
language plpgsql stable
as $$
begin
  return (
    select jsonb_build_object(
      'token', h.token, 'event_id', h.event_id,
      'event', (select jsonb_build_object('name', e.name, 'slug', e.slug, 'currency', e.currency, 'starts_at', e.starts_at)
                from core.events e where e.id = h.event_id),
      'channel', h.channel, 'created_at', h.created_at, 'expires_at', h.expires_at,
      'seconds_left', greatest(0, floor(extract(epoch from h.expires_at - now())))::int,
      'extended', h.extended, 'can_extend', not h.extended and h.expires_at > now(),
      'order_id', h.order_id,
      'places', (select count(*) from core.event_seats es where es.hold_id = h.id),
      'items', coalesce((
        select jsonb_agg(jsonb_build_object(
          'kind', i.kind, 'quantity', i.quantity, 'ticket_type_id', i.ticket_type_id, 'ticket_type', tt.name,
          'section_id', i.event_section_id, 'section', s.name, 'zone', z.name,
          'price_minor', case when tt.kind = 'addon' then tt.price_minor else p.price_minor end,
          'seats', case when i.kind = 'seat' then (
            select jsonb_agg(jsonb_build_object('id', es.id, 'row', es.row_label, 'number', es.seat_number,
                                                'label', es.row_label || es.seat_number, 'attributes', to_jsonb(es.attributes))
                             order by es.row_index, es.seat_index)
            from core.event_seats es where es.hold_id = h.id and es.event_section_id = i.event_section_id) end)
          order by i.id)
        from core.hold_items i
        left join core.ticket_types tt on tt.id = i.ticket_type_id
        left join core.event_sections s on s.id = i.event_section_id
        left join core.event_price_zones z on z.id = s.price_zone_id
        left join core.ticket_type_prices p on p.ticket_type_id = i.ticket_type_id and p.event_price_zone_id = s.price_zone_id
        where i.hold_id = h.id), '[]'::jsonb)));
end
$$;

create or replace function core.order_json(o core.orders) returns jsonb
language plpgsql stable
as $$
begin
  return (
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
                from core.tickets t where t.order_id = o.id)));
end
$$;

create or replace function core.money_text(amount bigint, currency text) returns text
language plpgsql stable
as $$
declare
  units int;
begin
  select c.minor_units into units from core.currencies c where c.code = money_text.currency;
  units := coalesce(units, 2);
  return money_text.currency || ' ' || case when units = 0 then money_text.amount::text
    else to_char(money_text.amount::numeric / (10 ^ units), 'FM999999999999990.' || repeat('0', units)) end;
end
$$;

create or replace function core.default_zone_ticket_type(zone uuid) returns uuid
language plpgsql stable
as $$
begin
  return (
    select tt.id from core.ticket_type_prices p
    join core.ticket_types tt on tt.id = p.ticket_type_id
    where p.event_price_zone_id = default_zone_ticket_type.zone and tt.active and not tt.hidden and tt.kind = 'admission'
    order by tt.sort, tt.created_at, tt.name
    limit 1);
end
$$;

create or replace function core.audit(org uuid, action text, entity_type text, entity_id text, details jsonb)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  insert into core.audit_log (org_id, actor_user_id, actor_role, action, entity_type, entity_id, details)
  values (audit.org, auth.user_id(), case when auth.claims() = '{}'::jsonb then 'system' else auth.role() end,
          audit.action, audit.entity_type, audit.entity_id, coalesce(audit.details, '{}'));
end
$$;

create or replace function core.enqueue(org uuid, topic text, payload jsonb) returns bigint
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  queued bigint;
begin
  insert into core.outbox (org_id, topic, payload) values (enqueue.org, enqueue.topic, enqueue.payload)
  returning id into queued;
  return queued;
end
$$;

create or replace function core.order_code_check(body text) returns text
language plpgsql immutable
as $$
begin
  return (
    select substr(core.order_code_alphabet(),
                  (sum(i * (strpos(core.order_code_alphabet(), substr(order_code_check.body, i, 1)) - 1)) % 31)::int + 1, 1)
    from generate_series(1, length(order_code_check.body)) i);
end
$$;
