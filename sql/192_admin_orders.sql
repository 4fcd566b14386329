-- Orders and the audit log for /admin: search, detail with history, staff actions (resend,
-- attendee name, refund intent), CSV export pages, audit log view. Every function checks the
-- caller's permission (core.require_permission, 190) and reads only the caller's org.

create function core.like_escape(t text) returns text
language sql immutable
as $$ select replace(replace(replace(t, '\', '\\'), '%', '\%'), '_', '\_') $$;
grant execute on function core.like_escape(text) to staff;

create function api.search_orders(q text default null, for_event uuid default null, with_status text default null,
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

create function api.admin_order(order_id uuid)
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

create function core.order_for_action(oid uuid, permission text) returns core.orders
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders;
begin
  select * into o from core.orders where id = oid for update;
  if not found or not core.can_read_org(o.org_id) then
    raise exception 'Order % not found', coalesce(oid::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_permission(permission);
  return o;
end
$$;

create function api.resend_tickets(order_id uuid)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_for_action(resend_tickets.order_id, 'manage_orders');
begin
  if o.status <> 'paid' then
    raise exception 'Order % is %; only paid orders have tickets to send', o.code, replace(o.status, '_', ' ')
      using errcode = 'PT409';
  end if;
  perform core.enqueue(o.org_id, 'orders__resend_tickets', jsonb_build_object('order_id', o.id, 'code', o.code,
    'email', o.buyer_email, 'phone', o.buyer_phone, 'event_id', o.event_id));
  perform core.audit(o.org_id, 'order.tickets_resent', 'order', o.id::text,
    jsonb_build_object('code', o.code, 'email', o.buyer_email, 'phone', o.buyer_phone));
end
$$;
comment on function api.resend_tickets(uuid) is 'Queues the tickets of a paid order to be sent again (outbox orders__resend_tickets) and records it in the audit log. Roles with manage_orders. Errors: PT403, PT404, PT409 not paid.';

create function api.set_attendee_name(order_id uuid, ticket_id uuid, attendee_name text)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_for_action(set_attendee_name.order_id, 'manage_orders');
  t core.tickets;
  new_name text := trim(set_attendee_name.attendee_name);
begin
  if new_name is null or length(new_name) not between 1 and 120 then
    raise exception 'Attendee name "%" must be 1 to 120 characters', set_attendee_name.attendee_name using errcode = 'P0001';
  end if;
  select * into t from core.tickets where id = set_attendee_name.ticket_id and tickets.order_id = o.id for update;
  if not found then
    raise exception 'Ticket % not found in order %', coalesce(set_attendee_name.ticket_id::text, 'null'), o.code using errcode = 'PT404';
  end if;
  if t.status <> 'valid' or o.status <> 'paid' then
    raise exception 'Ticket is %; only valid tickets of paid orders can change name', t.status using errcode = 'PT409';
  end if;
  if t.attendee_name is not distinct from new_name then
    return;
  end if;
  update core.tickets set attendee_name = new_name where id = t.id;
  update core.order_items set attendee_name = new_name where id = t.order_item_id;
  perform core.audit(o.org_id, 'ticket.attendee_changed', 'ticket', t.id::text,
    jsonb_build_object('order_id', o.id, 'code', o.code, 'from', t.attendee_name, 'to', new_name));
end
$$;
comment on function api.set_attendee_name(uuid, uuid, text) is 'Changes the attendee name on a valid ticket of a paid order (audited as ticket.attendee_changed with from/to). Roles with manage_orders. Errors: P0001, PT403, PT404, PT409 ticket not valid.';

create function api.refund_order(order_id uuid, reason text, amount_minor bigint default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_for_action(refund_order.order_id, 'refund');
begin
  if refund_order.reason is null or length(trim(refund_order.reason)) not between 3 and 500 then
    raise exception 'Give a reason for the refund (3 to 500 characters)' using errcode = 'P0001';
  end if;
  if o.status <> 'paid' then
    raise exception 'Order % is %; only paid orders can be refunded', o.code, replace(o.status, '_', ' ') using errcode = 'PT409';
  end if;
  if refund_order.amount_minor is null or refund_order.amount_minor = o.total_minor then
    -- Full refund: the tickets stop admitting and the places go back on sale (cancel_order).
    return api.cancel_order(o.id, trim(refund_order.reason));
  end if;
  if refund_order.amount_minor < 1 or refund_order.amount_minor > o.total_minor then
    raise exception 'Refund amount % must be between 1 and the order total %', refund_order.amount_minor, o.total_minor
      using errcode = 'P0001';
  end if;
  -- Partial refund: the intent is recorded and queued; the Money side pays it out.
  perform core.enqueue(o.org_id, 'orders__refund', jsonb_build_object('order_id', o.id, 'code', o.code,
    'amount_minor', refund_order.amount_minor, 'currency', o.currency, 'reason', trim(refund_order.reason), 'partial', true));
  perform core.audit(o.org_id, 'order.refund_requested', 'order', o.id::text,
    jsonb_build_object('code', o.code, 'amount_minor', refund_order.amount_minor, 'currency', o.currency,
                       'reason', trim(refund_order.reason), 'partial', true));
  return api.get_order_for_staff(o.id);
end
$$;
comment on function api.refund_order(uuid, text, bigint) is 'Records a refund of a paid order. Full (amount null or the total): as cancel_order, tickets cancelled, order refund_pending, orders__refund queued. Partial: the order stays paid, an orders__refund message with the amount is queued and audited (order.refund_requested) for the payment side. Roles with refund. Errors: P0001 reason/amount, PT403, PT404, PT409 not paid.';

-- One page of the CSV export (keyset pagination, so the route streams pages of 1000 rows).
create function api.export_orders(event_id uuid default null, after_created_at timestamptz default null,
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

create function api.audit_entries(action_prefix text default null, actor text default null, of_type text default null,
                                  of_id text default null, date_from timestamptz default null,
                                  date_to timestamptz default null, page int default 1, page_size int default 50)
returns table (id bigint, created_at timestamptz, action text, actor_role text, actor_user_id uuid, actor_name text,
               actor_email text, entity_type text, entity_id text, details jsonb, total_count bigint)
language plpgsql stable
as $$
begin
  perform core.require_permission('view_audit');
  if audit_entries.page is null or audit_entries.page not between 1 and 10000 then
    raise exception 'Page % must be between 1 and 10000', audit_entries.page using errcode = 'P0001';
  end if;
  if audit_entries.page_size is null or audit_entries.page_size not between 1 and 500 then
    raise exception 'Page size % must be between 1 and 500', audit_entries.page_size using errcode = 'P0001';
  end if;
  if audit_entries.date_from is not null and audit_entries.date_to is not null and audit_entries.date_to < audit_entries.date_from then
    raise exception 'The end date % is before the start date %', audit_entries.date_to, audit_entries.date_from using errcode = 'P0001';
  end if;
  return query
  select a.id, a.created_at, a.action, a.actor_role, a.actor_user_id, u.display_name, u.email, a.entity_type, a.entity_id,
    a.details, count(*) over ()
  from core.audit_log a left join core.users u on u.id = a.actor_user_id
  where a.org_id = auth.org_id()
    and (audit_entries.action_prefix is null or a.action like core.like_escape(audit_entries.action_prefix) || '%')
    and (audit_entries.actor is null or u.email ilike '%' || core.like_escape(audit_entries.actor) || '%'
         or u.display_name ilike '%' || core.like_escape(audit_entries.actor) || '%' or a.actor_role = audit_entries.actor)
    and (audit_entries.of_type is null or a.entity_type = audit_entries.of_type)
    and (audit_entries.of_id is null or a.entity_id = audit_entries.of_id)
    and (audit_entries.date_from is null or a.created_at >= audit_entries.date_from)
    and (audit_entries.date_to is null or a.created_at < audit_entries.date_to)
  order by a.created_at desc, a.id desc
  limit audit_entries.page_size offset (audit_entries.page - 1) * audit_entries.page_size;
end
$$;
comment on function api.audit_entries(text, text, text, text, timestamptz, timestamptz, int, int) is 'The caller''s org''s audit log, newest first: filters action_prefix (, e.g. "order."), actor (name, email or role), of_type and of_id (entity), date range [date_from, date_to); paginated; total_count is the number of matches. Roles with view_audit. Errors: PT403, P0001 bad paging or range.';

grant execute on function api.search_orders(text, uuid, text, int, int), api.admin_order(uuid),
  api.resend_tickets(uuid), api.set_attendee_name(uuid, uuid, text), api.refund_order(uuid, text, bigint),
  api.export_orders(uuid, timestamptz, uuid, int),
  api.audit_entries(text, text, text, text, timestamptz, timestamptz, int, int) to staff;
