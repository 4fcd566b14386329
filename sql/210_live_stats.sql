-- Live dashboard of one event (/admin/events/<id>/live): one stats document and the NOTIFYs
-- that tell the server something changed.
--
-- Channel `live`, payload {"e": "<event id>", "k": "sale" | "payment"}: one notification per
-- event per statement that changes an order's status (sales, cancellations, refunds) or marks
-- a payment attempt failed. Scans already notify on channel `check_in` (170) and seat changes
-- on `seats` (152/155); the server's one LISTEN connection (lib/live.ts, lib/dashboard/)
-- coalesces them into "refresh stats" signals per event. Postgres folds identical payloads
-- of one transaction into one notification, so a bulk statement sends one per event.

create function core.tg_orders__notify_live() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e uuid;
begin
  if tg_op = 'INSERT' then
    for e in select distinct n.event_id from new_rows n loop
      perform pg_notify('live', jsonb_build_object('e', e, 'k', 'sale')::text);
    end loop;
  else
    for e in select distinct n.event_id from new_rows n join old_rows o on o.id = n.id
             where n.status is distinct from o.status loop
      perform pg_notify('live', jsonb_build_object('e', e, 'k', 'sale')::text);
    end loop;
  end if;
  return null;
end
$$;
comment on function core.tg_orders__notify_live() is 'Statement-level: one NOTIFY live {"e","k":"sale"} per event whose orders were created or changed status.';

create trigger "96_notify_live_insert" after insert on core.orders
  referencing new table as new_rows
  for each statement execute function core.tg_orders__notify_live();
create trigger "96_notify_live_update" after update on core.orders
  referencing old table as old_rows new table as new_rows
  for each statement execute function core.tg_orders__notify_live();

create function core.tg_payments__notify_live() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e uuid;
begin
  for e in select distinct o.event_id from new_rows n join core.orders o on o.id = n.order_id
           where n.status = 'failed' loop
    perform pg_notify('live', jsonb_build_object('e', e, 'k', 'payment')::text);
  end loop;
  return null;
end
$$;
comment on function core.tg_payments__notify_live() is 'Statement-level: one NOTIFY live {"e","k":"payment"} per event with a payment attempt now failed.';

create trigger "96_notify_live_insert" after insert on core.payments
  referencing new table as new_rows
  for each statement execute function core.tg_payments__notify_live();
create trigger "96_notify_live_update" after update on core.payments
  referencing new table as new_rows
  for each statement execute function core.tg_payments__notify_live();

create index if not exists orders_event_paid_idx on core.orders (event_id, paid_at) where status = 'paid';
create index if not exists payments_failed_idx on core.payments (order_id) where status = 'failed';
create index if not exists ticket_checkins_inside_idx on core.ticket_checkins (event_id) where inside;

-- The whole dashboard in one document. security definer because it aggregates tables whose
-- column grants differ per role (payments, scans); it checks access itself: the event must
-- belong to the caller's org (another org's event is reported as unknown, PT404) and the role
-- needs view_events. Money (revenue, payment failures) only for roles with view_orders.
create function api.event_live_stats(event_id uuid, since timestamptz default null)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events;
  t0 timestamptz := coalesce(event_live_stats.since, now() - interval '60 minutes');
  money boolean;
begin
  perform core.require_permission('view_events');
  select * into e from core.events where id = event_live_stats.event_id;
  if not found or not core.can_read_org(e.org_id) then
    raise exception 'Event % not found', coalesce(event_live_stats.event_id::text, 'null') using errcode = 'PT404';
  end if;
  if t0 < now() - interval '7 days' then
    raise exception 'Since % is more than 7 days ago', t0 using errcode = 'P0001';
  end if;
  money := core.may('view_orders');
  return jsonb_build_object(
    'event', jsonb_build_object('id', e.id, 'name', e.name, 'starts_at', e.starts_at, 'status', e.status,
                                'currency', e.currency),
    'now', now(),
    'since', t0,
    'money_visible', money,
    'totals', (select jsonb_build_object('orders', count(distinct o.id), 'tickets', count(k.id))
               from core.orders o left join core.tickets k on k.order_id = o.id and k.status = 'valid'
               where o.event_id = e.id and o.status = 'paid'),
    'sales_per_minute', (
      select coalesce(jsonb_agg(jsonb_build_object('t', m, 'orders', orders, 'tickets', tickets) order by m), '[]')
      from (select date_trunc('minute', o.paid_at) as m, count(distinct o.id) as orders, count(k.id) as tickets
            from core.orders o left join core.tickets k on k.order_id = o.id
            where o.event_id = e.id and o.status = 'paid' and o.paid_at >= t0
            group by 1) s),
    'revenue', case when money then (
      select coalesce(jsonb_agg(jsonb_build_object('currency', currency, 'total_minor', total, 'orders', n) order by currency), '[]')
      from (select o.currency, sum(o.total_minor) as total, count(*) as n
            from core.orders o where o.event_id = e.id and o.status = 'paid' group by 1) r) end,
    'sections', (
      select coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'kind', s.kind, 'x', s.x, 'y', s.y,
               'capacity', s.capacity, 'sold', coalesce(c.sold, 0), 'held', coalesce(c.held, 0)) order by s.sort, s.name), '[]')
      from core.event_sections s
      left join lateral (
        select count(*) filter (where p.state = 'sold') as sold,
               count(*) filter (where p.state = 'open' and p.held_until > now()) as held
        from core.event_seats p where p.event_section_id = s.id and p.state <> 'blocked'
      ) c on true
      where s.event_id = e.id),
    'checkins_per_gate_minute', (
      select coalesce(jsonb_agg(jsonb_build_object('gate', g, 't', m, 'n', n) order by m, g), '[]')
      from (select coalesce(g.name, 'unknown gate') as g, date_trunc('minute', sc.scanned_at) as m, count(*) as n
            from core.scans sc left join core.gates g on g.id = sc.gate_id
            where sc.event_id = e.id and sc.result = 'admitted' and sc.scanned_at >= t0
            group by 1, 2) c),
    'gates', (select coalesce(jsonb_agg(g.name order by g.sort, g.name), '[]') from core.gates g where g.event_id = e.id),
    'scans', (select count(*) from core.scans sc where sc.event_id = e.id),
    'inside', (select count(*) from core.ticket_checkins ci where ci.event_id = e.id and ci.inside),
    'offline_duplicates', (select count(*) from core.scans sc where sc.event_id = e.id and sc.result = 'duplicate_offline'),
    'payment_attempts', case when money then (
      select count(*) from core.payments p join core.orders o on o.id = p.order_id where o.event_id = e.id) end,
    'payment_failures', case when money then (
      select jsonb_build_object('count', coalesce(sum(n), 0),
               'by_reason', coalesce(jsonb_agg(jsonb_build_object('reason', reason, 'n', n) order by n desc), '[]'))
      from (select coalesce(p.failure_reason, 'unknown') as reason, count(*) as n
            from core.payments p join core.orders o on o.id = p.order_id
            where o.event_id = e.id and p.status = 'failed' group by 1) f) end
  );
end
$$;
comment on function api.event_live_stats(uuid, timestamptz) is 'Live dashboard of an event of the caller''s org: totals, sales per minute and check-ins per gate per minute since `since` (default the last 60 minutes, at most 7 days), revenue by currency, sold/held vs capacity per section with map position, people inside, offline duplicates, payment failures by reason (money only for roles with view_orders, else null). Errors: PT403 (role), PT404 (unknown or other org''s event), P0001 (since too old).';

grant execute on function api.event_live_stats(uuid, timestamptz) to staff;
