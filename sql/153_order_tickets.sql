-- The buyer's tickets with everything a ticket shows: type, section, row and seat, attendee,
-- and (once the order is paid) the secret from which the server signs the QR code. The venue
-- and times are included for the calendar entry and the PDF.

create function api.order_tickets(code text, access_token text)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.orders := core.order_by_access(order_tickets.code, order_tickets.access_token, false);
begin
  return jsonb_build_object(
    'order_id', o.id, 'code', o.code, 'code_display', left(o.code, 4) || '-' || right(o.code, 4),
    'status', case when o.status = 'pending_payment' and o.expires_at <= now() then 'expired' else o.status end,
    'event', (select jsonb_build_object('id', e.id, 'name', e.name, 'slug', e.slug, 'starts_at', e.starts_at,
                'ends_at', e.ends_at, 'doors_open_at', e.doors_open_at, 'status', e.status,
                'venue', jsonb_build_object('name', v.name, 'city', v.city, 'address', v.address, 'timezone', v.timezone))
              from core.events e join core.venues v on v.id = e.venue_id where e.id = o.event_id),
    'tickets', (select coalesce(jsonb_agg(jsonb_build_object(
                  'id', t.id, 'event_id', t.event_id, 'issued_at', t.issued_at, 'status', t.status,
                  'valid', t.status = 'valid' and o.status = 'paid',
                  'secret', case when o.status = 'paid' and t.status = 'valid' then t.secret end,
                  'kind', i.kind, 'ticket_type', tt.name, 'description', i.description,
                  'section', s.name, 'row', es.row_label, 'seat', es.seat_number, 'label', i.label,
                  'attendee_name', coalesce(t.attendee_name, o.buyer_name)) order by t.order_item_id), '[]')
                from core.tickets t
                join core.order_items i on i.id = t.order_item_id
                join core.ticket_types tt on tt.id = t.ticket_type_id
                left join core.event_sections s on s.id = i.event_section_id
                left join core.event_seats es on es.id = t.seat_id and es.row_label is not null
                where t.order_id = o.id));
end
$$;
comment on function api.order_tickets(text, text) is 'The tickets of the buyer''s order by code and access token, each with ticket type, section, row, seat, attendee (or the buyer''s name) and, while the order is paid and the ticket valid, its secret (for the signed QR code); plus the event with its venue and times. Errors: P0001 malformed code, PT404 unknown code or wrong token.';

grant execute on function api.order_tickets(text, text) to anon, buyer, staff;
