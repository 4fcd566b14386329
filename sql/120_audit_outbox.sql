-- Audit log and transactional outbox.
--
-- * core.audit_log: one row per sensitive change (prices, event status, comps, cancellations,
--   order state, promo codes, pricing rules). Written ONLY by triggers (SECURITY DEFINER
--   trigger functions), so no code path can change a price or an order without a row, and no
--   staff member can write or edit rows themselves (staff may only read their org's rows).
--   Action names are dotted: `event.status_changed`, `order.paid`, `ticket_type.price_changed`.
--   The actor comes from the request's JWT claims (sub and role); null for jobs.
-- * core.outbox: messages for workers/ (email, SMS, webhooks), written in the same
--   transaction as the change that causes them; workers read it with FOR UPDATE SKIP LOCKED.
--   Topics are named after the table and action: `orders__send_confirmation`.

create table core.audit_log (
  id bigint generated always as identity primary key,
  org_id uuid references core.orgs (id) on delete cascade,
  actor_user_id uuid,      -- claim sub; not a foreign key: the log outlives users
  actor_role text not null,
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  entity_type text not null,
  entity_id text,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index audit_log_org_idx on core.audit_log (org_id, created_at desc);
create index audit_log_entity_idx on core.audit_log (entity_type, entity_id);
comment on table core.audit_log is 'Who changed what (prices, event status, orders, comps, promo codes), written by triggers only.';

alter table core.audit_log enable row level security;
alter table core.audit_log force row level security;
create policy tenant_read on core.audit_log for select to staff
  using (org_id = (select auth.org_id()) or (select auth.is_platform_admin()));
create policy engine on core.audit_log to mutambo_owner using (true) with check (true);
grant select on core.audit_log to staff;

-- Writes one audit row; the actor is taken from the request's claims.
create function core.audit(org uuid, action text, entity_type text, entity_id text, details jsonb)
returns void
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  insert into core.audit_log (org_id, actor_user_id, actor_role, action, entity_type, entity_id, details)
  values (org, auth.user_id(), case when auth.claims() = '{}'::jsonb then 'system' else auth.role() end,
          action, entity_type, entity_id, coalesce(details, '{}'))
$$;
comment on function core.audit(uuid, text, text, text, jsonb) is 'Appends an audit row (actor from the JWT claims; "system" for jobs without claims). Called by triggers.';

create table core.outbox (
  id bigint generated always as identity primary key,
  org_id uuid references core.orgs (id) on delete cascade,
  topic text not null check (topic ~ '^[a-z_]+__[a-z_]+$'),
  payload jsonb not null,
  created_at timestamptz not null default now(),
  available_at timestamptz not null default now(),
  attempts int not null default 0,
  last_error text,
  done_at timestamptz
);
create index outbox_pending_idx on core.outbox (available_at) where done_at is null;
create index outbox_org_idx on core.outbox (org_id);
comment on table core.outbox is 'Transactional outbox: messages for workers (email, SMS, webhooks), written in the transaction that causes them. Workers take rows with FOR UPDATE SKIP LOCKED where done_at is null and available_at <= now().';

alter table core.outbox enable row level security;
alter table core.outbox force row level security;
create policy tenant_read on core.outbox for select to staff
  using ((select auth.is_platform_admin()));
create policy engine on core.outbox to mutambo_owner using (true) with check (true);
grant select on core.outbox to staff;

create function core.enqueue(org uuid, topic text, payload jsonb) returns bigint
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  insert into core.outbox (org_id, topic, payload) values (org, topic, payload) returning id
$$;
comment on function core.enqueue(uuid, text, jsonb) is 'Queues a message for the workers in the current transaction. Returns its id.';

-- ---------------------------------------------------------------------------------------
-- Audit triggers on part 1's tables: event status, ticket prices.

create function core.tg_events__audit_status() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.audit(new.org_id, 'event.status_changed', 'event', new.id::text,
                     jsonb_build_object('from', old.status, 'to', new.status, 'name', new.name));
  return null;
end
$$;
create trigger "90_audit_status" after update of status on core.events
  for each row when (old.status is distinct from new.status)
  execute function core.tg_events__audit_status();

create function core.tg_ticket_type_prices__audit() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  r core.ticket_type_prices := case when tg_op = 'DELETE' then old else new end;
begin
  if tg_op = 'UPDATE' and old.price_minor = new.price_minor then
    return null;
  end if;
  perform core.audit(r.org_id, 'ticket_type.price_changed', 'ticket_type', r.ticket_type_id::text,
    jsonb_build_object('zone', (select z.name from core.event_price_zones z where z.id = r.event_price_zone_id),
                       'from', case when tg_op <> 'INSERT' then old.price_minor end,
                       'to', case when tg_op <> 'DELETE' then new.price_minor end));
  return null;
end
$$;
create trigger "90_audit" after insert or update or delete on core.ticket_type_prices
  for each row execute function core.tg_ticket_type_prices__audit();

create function core.tg_ticket_types__audit_price() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.audit(new.org_id, 'ticket_type.price_changed', 'ticket_type', new.id::text,
                     jsonb_build_object('from', old.price_minor, 'to', new.price_minor, 'name', new.name));
  return null;
end
$$;
create trigger "90_audit_price" after update of price_minor on core.ticket_types
  for each row when (old.price_minor is distinct from new.price_minor)
  execute function core.tg_ticket_types__audit_price();
