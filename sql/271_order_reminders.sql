-- Reminder emails the day before an event, and a change email when an event moves.
--
-- * core.queue_order_reminders(), run hourly by pg_cron, writes one `orders__send_reminder`
--   message per paid order whose event starts within the next 24 hours. A unique index on the
--   order id of reminder messages makes it idempotent: running it again queues nothing new.
-- * When an event's start time changes, every paid order gets an `orders__send_event_changed`
--   message (old and new start) in the same transaction.

create unique index outbox_reminder_once_idx on core.outbox ((payload ->> 'order_id'))
  where topic = 'orders__send_reminder';

create function core.queue_order_reminders() returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  n int;
begin
  insert into core.outbox (org_id, topic, payload)
  select o.org_id, 'orders__send_reminder',
         jsonb_build_object('order_id', o.id, 'code', o.code, 'email', o.buyer_email, 'phone', o.buyer_phone,
                            'event_id', e.id, 'event_name', e.name, 'starts_at', e.starts_at, 'timezone', v.timezone)
  from core.orders o
  join core.events e on e.id = o.event_id
  join core.venues v on v.id = e.venue_id
  where o.status = 'paid' and e.status in ('on_sale', 'sold_out')
    and e.starts_at > now() and e.starts_at <= now() + interval '24 hours'
  on conflict ((payload ->> 'order_id')) where topic = 'orders__send_reminder' do nothing;
  get diagnostics n = row_count;
  return n;
end
$$;
comment on function core.queue_order_reminders() is 'pg_cron, hourly: queues one orders__send_reminder per paid order of an event starting within 24 hours (once per order). Returns how many were queued.';

select core.schedule_job('orders__send_reminders', '7 * * * *', 'select core.queue_order_reminders()');

create function core.tg_events__notify_changed() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  insert into core.outbox (org_id, topic, payload)
  select o.org_id, 'orders__send_event_changed',
         jsonb_build_object('order_id', o.id, 'code', o.code, 'email', o.buyer_email, 'phone', o.buyer_phone,
                            'event_id', new.id, 'event_name', new.name, 'starts_at', new.starts_at,
                            'before_starts_at', old.starts_at,
                            'timezone', (select v.timezone from core.venues v where v.id = new.venue_id))
  from core.orders o where o.event_id = new.id and o.status = 'paid';
  return null;
end
$$;
create trigger "91_notify_changed" after update of starts_at on core.events
  for each row when (old.starts_at is distinct from new.starts_at and new.status in ('on_sale', 'sold_out'))
  execute function core.tg_events__notify_changed();
