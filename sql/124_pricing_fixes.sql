-- Fixes to 121_pricing.sql (already applied elsewhere, so changes go here):
-- * api.set_event_fees: `on conflict (event_id)` was ambiguous with the argument event_id in
--   PL/pgSQL; it names the constraint now.

create or replace function api.set_event_fees(event_id uuid, per_ticket_minor bigint default 0, per_order_minor bigint default 0,
                                   name text default 'Booking fee')
returns jsonb
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(set_event_fees.event_id);
  f core.event_fees;
begin
  if set_event_fees.per_ticket_minor is null or set_event_fees.per_ticket_minor not between 0 and 100000000 then
    raise exception 'Fee per ticket % must be between 0 and 100000000 minor units', set_event_fees.per_ticket_minor using errcode = 'P0001';
  end if;
  if set_event_fees.per_order_minor is null or set_event_fees.per_order_minor not between 0 and 100000000 then
    raise exception 'Fee per order % must be between 0 and 100000000 minor units', set_event_fees.per_order_minor using errcode = 'P0001';
  end if;
  if set_event_fees.name is null or length(trim(set_event_fees.name)) not between 1 and 40 then
    raise exception 'Fee name "%" must be 1 to 40 characters', set_event_fees.name using errcode = 'P0001';
  end if;
  insert into core.event_fees (event_id, org_id, name, per_ticket_minor, per_order_minor)
  values (e.id, e.org_id, trim(set_event_fees.name), set_event_fees.per_ticket_minor, set_event_fees.per_order_minor)
  on conflict on constraint event_fees_pkey do update set name = excluded.name, per_ticket_minor = excluded.per_ticket_minor,
    per_order_minor = excluded.per_order_minor, updated_at = now()
  returning * into f;
  return to_jsonb(f);
end
$$;
