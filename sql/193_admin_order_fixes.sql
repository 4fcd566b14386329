-- Fixes found by tests/sql/190_admin.sql (192 is committed, so the changes are here):
-- * admin_order and export_orders read core.orders with `*`, but staff may select only the
--   columns without secrets (122 revokes the rest): they now name their columns.
-- * search_orders: a local phone number ("0771 234 567") now finds "+263771234567" (leading
--   zeros of the searched digits are ignored).

create or replace function api.search_orders(q text default null, for_event uuid default null, with_status text default null,
                                  page int default 1, page_size int default 25)
returns table (id uuid, code text, status text, channel text, event_id uuid, event_name text, buyer_name text,
               buyer_email text, buyer_phone text, currency text, total_minor bigint, tickets bigint,
               created_at timestamptz, total_count bigint)
language plpgsql stable
as $$
declare
  term text := nullif(trim(search_orders.q), '');
  code_term text := upper(regexp_replace(coalesce(term, ''), '[\s-]', '', 'g'));
  digits text := ltrim(regexp_replace(coalesce(term, ''), '\D', '', 'g'), '0');
begin
  perform core.require_permission('view_orders');
  if search_orders.page is null or search_orders.page < 1 or search_orders.page > 10000 then
    raise exception 'Page % must be between 1 and 10000', search_orders.page using errcode = 'P0001';
  end if;
  if search_orders.page_size is null or search_orders.page_size not between 1 and 1000 then
    raise exception 'Page size % must be between 1 and 1000', search_orders.page_size using errcode = 'P0001';
  end if;
  if term is not null and length(term) > 120 then
    raise exception 'Search text must be at most 120 characters' using errcode = 'P0001';
  end if;
  return query
  select o.id, o.code,
    case when o.status = 'pending_payment' and o.expires_at <= now() then 'expired' else o.status end,
    o.channel, o.event_id, e.name, o.buyer_name, o.buyer_email, o.buyer_phone, o.currency, o.total_minor,
    (select count(*) from core.order_items i where i.order_id = o.id and i.kind = 'admission'),
    o.created_at, count(*) over ()
  from core.orders o join core.events e on e.id = o.event_id
  where o.org_id = auth.org_id()
    and (search_orders.for_event is null or o.event_id = search_orders.for_event)
    and (search_orders.with_status is null or o.status = search_orders.with_status)
    and (term is null
         or o.code = code_term
         or o.buyer_email ilike '%' || core.like_escape(term) || '%'
         or o.buyer_name ilike '%' || core.like_escape(term) || '%'
         or (length(digits) >= 6 and regexp_replace(coalesce(o.buyer_phone, ''), '\D', '', 'g') like '%' || digits || '%')
         or exists (select from core.order_items i where i.order_id = o.id
                    and i.attendee_name ilike '%' || core.like_escape(term) || '%'))
  order by o.created_at desc, o.id
  limit search_orders.page_size offset (search_orders.page - 1) * search_orders.page_size;
end
$$;
comment on function api.search_orders(text, uuid, text, int, int) is 'Orders of the caller''s org, newest first, by code (dashes and case ignored), buyer name, email, attendee name or phone digits, optionally of one event and status; paginated (page from 1, page_size up to 1000); total_count is the number of matches. Roles with view_orders. Errors: PT403, P0001 bad paging.';

create or replace function api.admin_order(order_id uuid)
returns jsonb
language plpgsql stable
as $$
declare
  o record;
begin
  perform core.require_permission('view_orders');
  select x.id, x.org_id, x.event_id, x.payment_provider, x.payment_reference, x.paid_at, x.total_minor, x.cancel_reason into o
  from core.orders x where x.id = admin_order.order_id and x.org_id = auth.org_id();
  if not found then
    raise exception 'Order % not found', coalesce(admin_order.order_id::text, 'null') using errcode = 'PT404';
  end if;
  return api.get_order_for_staff(o.id) || jsonb_build_object(
    'payment', jsonb_build_object('provider', o.payment_provider, 'reference', o.payment_reference, 'paid_at', o.paid_at,
                                  'amount_minor', case when o.paid_at is not null then o.total_minor end),
    'cancel_reason', o.cancel_reason,
    'ticket_types', (select coalesce(jsonb_object_agg(t.id, t.name), '{}') from core.ticket_types t where t.event_id = o.event_id),
    'history', (select coalesce(jsonb_agg(jsonb_build_object('at', a.created_at, 'action', a.action, 'actor_role', a.actor_role,
                   'actor', (select u.display_name from core.users u where u.id = a.actor_user_id), 'details', a.details)
                   order by a.created_at, a.id), '[]')
                from core.audit_log a
                where a.org_id = o.org_id
                  and ((a.entity_type = 'order' and a.entity_id = o.id::text)
                       or (a.entity_type = 'ticket' and a.details ->> 'order_id' = o.id::text))));
end
$$;
comment on function api.admin_order(uuid) is 'One order of the caller''s org for the admin: get_order_for_staff plus payment, cancel reason, ticket type names and the audit history of the order and its tickets. Roles with view_orders. Errors: PT403, PT404.';

create or replace function api.export_orders(event_id uuid default null, after_created_at timestamptz default null,
                                  after_id uuid default null, page_size int default 1000)
returns table (id uuid, code text, status text, channel text, event_name text, created_at timestamptz, paid_at timestamptz,
               buyer_name text, buyer_email text, buyer_phone text, currency text, subtotal_minor bigint,
               discount_minor bigint, fees_minor bigint, tax_minor bigint, total_minor bigint, promo_code text,
               ticket_id uuid, ticket_type text, seat text, attendee_name text, ticket_status text)
language plpgsql stable
as $$
begin
  perform core.require_permission('export_orders');
  if export_orders.page_size is null or export_orders.page_size not between 1 and 5000 then
    raise exception 'Page size % must be between 1 and 5000', export_orders.page_size using errcode = 'P0001';
  end if;
  return query
  with page as (
    select o.id, o.code, o.status, o.channel, o.event_id, o.created_at, o.paid_at, o.buyer_name, o.buyer_email,
      o.buyer_phone, o.currency, o.subtotal_minor, o.discount_minor, o.fees_minor, o.tax_minor, o.total_minor, o.promo_code_id
    from core.orders o
    where o.org_id = auth.org_id()
      and (export_orders.event_id is null or o.event_id = export_orders.event_id)
      and (export_orders.after_created_at is null
           or (o.created_at, o.id) > (export_orders.after_created_at, export_orders.after_id))
    order by o.created_at, o.id
    limit export_orders.page_size)
  select p.id, p.code, p.status, p.channel, e.name, p.created_at, p.paid_at, p.buyer_name, p.buyer_email, p.buyer_phone,
    p.currency, p.subtotal_minor, p.discount_minor, p.fees_minor, p.tax_minor, p.total_minor,
    (select c.code from core.promo_codes c where c.id = p.promo_code_id),
    t.id, tt.name, i.label, coalesce(t.attendee_name, i.attendee_name), t.status
  from page p join core.events e on e.id = p.event_id
  left join core.order_items i on i.order_id = p.id and i.kind = 'admission'
  left join core.tickets t on t.order_item_id = i.id
  left join core.ticket_types tt on tt.id = i.ticket_type_id
  order by p.created_at, p.id, i.id;
end
$$;
comment on function api.export_orders(uuid, timestamptz, uuid, int) is 'One page of orders (by created_at, id after the given ones) with one row per admission (attendee, ticket type, seat, ticket status), for the CSV export. Roles with export_orders. Errors: PT403, P0001.';
