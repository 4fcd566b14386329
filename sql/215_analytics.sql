-- Analytics for analysts (schema `analytics`, documented in sql/analytics/README.md).
--
-- Materialized views over core, owned by mutambo_owner (whose policies see every org), each
-- with a unique index so core.refresh_analytics() can refresh it CONCURRENTLY (readers are
-- never blocked). pg_cron runs the refresh every 5 minutes (job analytics__refresh).
-- The `analyst` role (NOLOGIN group; people get `create role alice login in role analyst`)
-- may SELECT these views and nothing else: no usage on core, api or auth. Nothing private
-- is exposed: no emails, names or phone numbers; buyer geography is the phone's calling
-- code only. Days are calendar days in the venue's time zone.

-- Events and their org/venue, to label the other views.
create materialized view analytics.events as
select e.id as event_id, e.org_id, o.name as org_name, e.name as event_name, e.slug, e.status, e.currency,
       e.starts_at, e.ends_at, v.name as venue_name, v.city as venue_city, v.timezone,
       (select coalesce(sum(s.capacity), 0) from core.event_sections s where s.event_id = e.id)::bigint as capacity
from core.events e
join core.orgs o on o.id = e.org_id
join core.venues v on v.id = e.venue_id;
create unique index events_key on analytics.events (event_id);

-- Paid sales per day (venue time) x event x ticket type x channel x currency. Orders that were
-- paid and later refunded stay counted here (refunded_* says how much went back).
create materialized view analytics.daily_sales as
select (o.paid_at at time zone v.timezone)::date as day,
       o.org_id, o.event_id, i.ticket_type_id, tt.name as ticket_type_name, tt.kind as ticket_kind,
       o.channel, o.currency,
       count(distinct o.id)::bigint as orders,
       count(*)::bigint as items,
       count(*) filter (where o.status = 'paid')::bigint as items_valid,
       sum(i.price_minor)::bigint as gross_minor,
       sum(i.fee_minor)::bigint as fees_minor,
       count(*) filter (where o.status in ('refund_pending', 'refunded'))::bigint as items_refunded,
       coalesce(sum(i.price_minor) filter (where o.status in ('refund_pending', 'refunded')), 0)::bigint as refunded_minor
from core.orders o
join core.order_items i on i.order_id = o.id
join core.ticket_types tt on tt.id = i.ticket_type_id
join core.events e on e.id = o.event_id
join core.venues v on v.id = e.venue_id
where o.paid_at is not null
group by 1, 2, 3, 4, 5, 6, 7, 8;
create unique index daily_sales_key on analytics.daily_sales (day, event_id, ticket_type_id, channel, currency);
create index daily_sales_event_idx on analytics.daily_sales (event_id);

-- Tickets sold vs capacity per event section (valid tickets of paid orders), and how many of
-- them have entered.
create materialized view analytics.section_occupancy as
select s.id as event_section_id, s.org_id, s.event_id, s.name as section_name, s.kind, s.capacity,
       coalesce(t.sold, 0)::bigint as sold,
       coalesce(t.checked_in, 0)::bigint as checked_in,
       case when s.capacity > 0 then round(coalesce(t.sold, 0) * 100.0 / s.capacity, 1) end as sold_percent
from core.event_sections s
left join (
  select i.event_section_id, count(*) as sold, count(c.ticket_id) as checked_in
  from core.tickets k
  join core.orders o on o.id = k.order_id and o.status = 'paid'
  join core.order_items i on i.id = k.order_item_id
  left join core.ticket_checkins c on c.ticket_id = k.id
  where k.status = 'valid' and i.event_section_id is not null
  group by 1
) t on t.event_section_id = s.id;
create unique index section_occupancy_key on analytics.section_occupancy (event_section_id);
create index section_occupancy_event_idx on analytics.section_occupancy (event_id);

-- Check-in curve: scans per event x gate x minute (when the scan happened at the gate, also
-- for offline scans synced later). gate_id is the zero uuid for scans without a gate.
create materialized view analytics.checkins_by_minute as
select sc.org_id, sc.event_id,
       coalesce(sc.gate_id, '00000000-0000-0000-0000-000000000000'::uuid) as gate_id,
       coalesce(g.name, 'unknown gate') as gate_name,
       date_trunc('minute', sc.scanned_at) as minute,
       count(*) filter (where sc.result = 'admitted')::bigint as admitted,
       count(*) filter (where sc.result = 'exited')::bigint as exited,
       count(*) filter (where sc.result not in ('admitted', 'exited'))::bigint as refused,
       count(*) filter (where sc.result = 'duplicate_offline')::bigint as offline_duplicates,
       count(*) filter (where sc.offline)::bigint as offline_scans
from core.scans sc
left join core.gates g on g.id = sc.gate_id
group by 1, 2, 3, 4, 5;
create unique index checkins_by_minute_key on analytics.checkins_by_minute (event_id, gate_id, minute);

-- Promo codes: how many paid orders and tickets used each code and what it gave away.
create materialized view analytics.promo_code_performance as
select p.id as promo_code_id, p.org_id, p.event_id, p.code, p.kind, p.percent, p.amount_minor, p.max_uses,
       p.active, coalesce(o.currency, '') as currency,
       count(o.id)::bigint as paid_orders,
       coalesce(sum(o.tickets), 0)::bigint as tickets,
       coalesce(sum(o.discount_minor), 0)::bigint as discount_minor,
       coalesce(sum(o.total_minor), 0)::bigint as revenue_minor
from core.promo_codes p
left join (
  select o.id, o.promo_code_id, o.currency, o.discount_minor, o.total_minor,
         (select count(*) from core.order_items i where i.order_id = o.id and i.kind = 'admission') as tickets
  from core.orders o
  where o.status = 'paid' and o.promo_code_id is not null
) o on o.promo_code_id = p.id
group by p.id, coalesce(o.currency, '');
create unique index promo_code_performance_key on analytics.promo_code_performance (promo_code_id, currency);

-- Payment method mix: payment attempts per day x event x provider x method x status x currency.
create materialized view analytics.payment_method_mix as
select (p.created_at at time zone v.timezone)::date as day, p.org_id, o.event_id, o.channel,
       p.provider, p.method, p.status, p.currency,
       count(*)::bigint as attempts,
       sum(p.amount_minor)::bigint as amount_minor
from core.payments p
join core.orders o on o.id = p.order_id
join core.events e on e.id = o.event_id
join core.venues v on v.id = e.venue_id
group by 1, 2, 3, 4, 5, 6, 7, 8;
create unique index payment_method_mix_key on analytics.payment_method_mix (day, event_id, channel, provider, method, status, currency);

-- Buyer geography from the only place it is collected: the buyer's phone number's calling
-- code ("263" Zimbabwe). Numbers without one ("07…") count as "local"; no phone: "none".
-- Written set-based so the refresh stays well under a second at a million tickets (it took
-- ~5 s when each paid order ran a correlated LIKE search over the codes and a correlated
-- count of its items): the longest matching code is found by three hash lookups on the
-- phone's first 3, 2 and 1 digits (at most one code of each length can match; the longest
-- wins, as before), and tickets are counted by one hash join of the order
-- items onto the paid orders, grouped straight to (event, code) instead of per order.
create materialized view analytics.buyer_geography as
with codes (calling_code, country) as (
  values ('263', 'ZW'), ('27', 'ZA'), ('260', 'ZM'), ('267', 'BW'), ('258', 'MZ'), ('265', 'MW'), ('264', 'NA'),
         ('266', 'LS'), ('268', 'SZ'), ('255', 'TZ'), ('254', 'KE'), ('256', 'UG'), ('250', 'RW'), ('234', 'NG'),
         ('233', 'GH'), ('243', 'CD'), ('244', 'AO'), ('251', 'ET'), ('20', 'EG'), ('44', 'GB'), ('1', 'US/CA'),
         ('61', 'AU'), ('971', 'AE'), ('86', 'CN'), ('91', 'IN')
),
buyers as materialized (
  select o.org_id, o.event_id, o.id,
         case when o.buyer_phone is null then 'none'
              when o.buyer_phone like '+%' then coalesce(c3.calling_code, c2.calling_code, c1.calling_code, 'other')
              else 'local' end as calling_code
  from core.orders o
  left join codes c3 on o.buyer_phone like '+%' and c3.calling_code = substr(o.buyer_phone, 2, 3)
  left join codes c2 on o.buyer_phone like '+%' and c2.calling_code = substr(o.buyer_phone, 2, 2)
  left join codes c1 on o.buyer_phone like '+%' and c1.calling_code = substr(o.buyer_phone, 2, 1)
  where o.status = 'paid'
),
per_code as (
  select b.org_id, b.event_id, b.calling_code, count(*) as orders from buyers b group by 1, 2, 3
),
per_code_tickets as (
  select b.event_id, b.calling_code, count(*) as tickets
  from buyers b join core.order_items i on i.order_id = b.id
  where i.kind = 'admission'
  group by 1, 2
)
select p.org_id, p.event_id, p.calling_code, coalesce(c.country, p.calling_code) as country,
       p.orders::bigint as orders, coalesce(t.tickets, 0)::bigint as tickets
from per_code p
left join per_code_tickets t on t.event_id = p.event_id and t.calling_code = p.calling_code
left join codes c on c.calling_code = p.calling_code;
create unique index buyer_geography_key on analytics.buyer_geography (event_id, calling_code);

-- Who may read: analysts, all views of this schema, and nothing else.
grant select on all tables in schema analytics to analyst;
alter default privileges for role mutambo_owner in schema analytics grant select on tables to analyst;

-- The refresh job: every view CONCURRENTLY (a view never populated is refreshed plainly),
-- one row per view with its time in milliseconds.
create function core.refresh_analytics()
returns table (view_name text, ms numeric)
language plpgsql volatile
set search_path = pg_catalog, core, pg_temp
as $$
declare
  v record;
  t timestamptz;
begin
  for v in select m.matviewname, m.ispopulated from pg_matviews m where m.schemaname = 'analytics'
           order by m.matviewname loop
    t := clock_timestamp();
    if v.ispopulated then
      execute format('refresh materialized view concurrently analytics.%I', v.matviewname);
    else
      execute format('refresh materialized view analytics.%I', v.matviewname);
    end if;
    view_name := v.matviewname;
    ms := round(extract(epoch from clock_timestamp() - t)::numeric * 1000, 1);
    return next;
  end loop;
end
$$;
comment on function core.refresh_analytics() is 'Refreshes every materialized view of schema analytics (CONCURRENTLY when populated); returns each view''s refresh time in ms. Job analytics__refresh, every 5 minutes.';

select core.schedule_job('analytics__refresh', '*/5 * * * *', 'select count(*) from core.refresh_analytics()');
