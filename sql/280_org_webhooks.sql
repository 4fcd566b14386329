-- Outbound webhooks for organisers' systems.
--
-- * core.webhook_endpoints: an org's receivers (url, events subscribed to, a secret the org is
--   shown once and that signs every delivery). Staff reach them only through the api functions
--   below (manage_integrations), never the table, so the secret is never listed again.
-- * Events: order.paid (an order becomes paid), order.refunded (the webhooks__order_refunded
--   rows sql/231 queues when a refund is confirmed), ticket.checked_in (a scan admits a ticket).
--   Each event is fanned out into one outbox row `webhooks__deliver` per active endpoint of the
--   org subscribed to it, in the transaction that caused it. The payload is what the receiver
--   gets: {id, type, created_at, data, endpoint_id}. The event id is a uuid derived from the
--   event's source (md5 of "<type>:<key>"), so the same event always carries the same id:
--   receivers dedupe on it (delivery is at-least-once).
-- * core.webhook_deliveries: one row per delivery attempt (status code, duration, error), written
--   by workers/webhooks.ts; staff read it with api.webhook_deliveries.

create table core.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references core.orgs (id) on delete cascade,
  url text not null check (url ~ '^https?://[^\s/?#@]+[^\s]*$' and length(url) <= 2000),
  secret text not null default 'whsec_' || encode(public.gen_random_bytes(32), 'hex'),
  events text[] not null check (cardinality(events) between 1 and 3
    and events <@ array['order.paid', 'order.refunded', 'ticket.checked_in']),
  active boolean not null default true,
  created_by uuid,
  created_at timestamptz not null default now(),
  disabled_at timestamptz
);
create index webhook_endpoints_org_idx on core.webhook_endpoints (org_id) where active;
comment on table core.webhook_endpoints is 'An org''s webhook receivers: url, subscribed events, signing secret (shown once). Reached through api.*webhook* functions only.';

select core.enable_tenant_rls('core.webhook_endpoints');
-- the secret must not be readable by staff: no direct table access at all
revoke select, insert, update, delete on core.webhook_endpoints from staff;

create table core.webhook_deliveries (
  id bigint generated always as identity primary key,
  org_id uuid not null references core.orgs (id) on delete cascade,
  endpoint_id uuid not null references core.webhook_endpoints (id) on delete cascade,
  outbox_id bigint references core.outbox (id) on delete set null,
  event_id uuid not null,
  event_type text not null,
  attempt int not null,
  status_code int,
  duration_ms int not null,
  error text,
  at timestamptz not null default now()
);
create index webhook_deliveries_endpoint_idx on core.webhook_deliveries (endpoint_id, at desc);
create index webhook_deliveries_org_idx on core.webhook_deliveries (org_id);
comment on table core.webhook_deliveries is 'Delivery log: one row per attempt to POST a webhook (status code or error, duration).';

select core.enable_tenant_rls('core.webhook_deliveries');
revoke insert, update, delete on core.webhook_deliveries from staff;

-- ---------------------------------------------------------------------------------------
-- Fan-out: one webhooks__deliver outbox row per matching active endpoint.

create function core.webhooks_fan_out(org uuid, event_type text, event_key text, data jsonb) returns int
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  n int;
begin
  insert into core.outbox (org_id, topic, payload)
  select org, 'webhooks__deliver', jsonb_build_object(
      'id', md5(event_type || ':' || event_key)::uuid,
      'type', event_type,
      'created_at', now(),
      'data', data,
      'endpoint_id', e.id)
  from core.webhook_endpoints e
  where e.org_id = org and e.active and event_type = any(e.events)
  order by e.created_at, e.id;
  get diagnostics n = row_count;
  return n;
end
$$;
comment on function core.webhooks_fan_out(uuid, text, text, jsonb) is 'Queues one webhooks__deliver message per active endpoint of the org subscribed to event_type; the event id is md5(type:key) as a uuid. Returns how many were queued.';

create function core.tg_orders__webhooks() returns trigger
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  if new.status = 'paid' and (tg_op = 'INSERT' or old.status is distinct from 'paid') then
    perform core.webhooks_fan_out(new.org_id, 'order.paid', new.id::text, jsonb_build_object(
      'order_id', new.id, 'code', new.code, 'event_id', new.event_id, 'channel', new.channel,
      'total_minor', new.total_minor, 'currency', new.currency, 'paid_at', coalesce(new.paid_at, now())));
  end if;
  return null;
end
$$;
create trigger "50_webhooks" after insert or update of status on core.orders
  for each row when (new.status = 'paid') execute function core.tg_orders__webhooks();

create function core.tg_scans__webhooks() returns trigger
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.webhooks_fan_out(new.org_id, 'ticket.checked_in', new.id::text, jsonb_build_object(
    'scan_id', new.id, 'ticket_id', new.ticket_id, 'event_id', new.event_id, 'gate_id', new.gate_id,
    'scanned_at', new.scanned_at));
  return null;
end
$$;
create trigger "50_webhooks" after insert on core.scans
  for each row when (new.result = 'admitted') execute function core.tg_scans__webhooks();

-- sql/231 queues webhooks__order_refunded when a refund succeeds: fan it out as it is written and
-- keep the row as done (it is the record of the event; no worker handles that topic).
create function core.tg_outbox__webhooks_refunded() returns trigger
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.webhooks_fan_out(new.org_id, 'order.refunded', coalesce(new.payload ->> 'id', gen_random_uuid()::text),
    jsonb_build_object('order_id', new.payload -> 'order_id', 'code', new.payload -> 'code',
      'refund_id', to_jsonb(replace(new.payload ->> 'id', 'order.refunded:', '')),
      'amount_minor', new.payload -> 'amount_minor', 'currency', new.payload -> 'currency'));
  new.done_at := now();
  return new;
end
$$;
create trigger "50_webhooks_refunded" before insert on core.outbox
  for each row when (new.topic = 'webhooks__order_refunded') execute function core.tg_outbox__webhooks_refunded();

-- Rows queued before this file: no endpoint existed, so there is no one to tell.
update core.outbox set done_at = now() where topic = 'webhooks__order_refunded' and done_at is null;

-- ---------------------------------------------------------------------------------------
-- Workers (workers/webhooks.ts, logged in as authenticator)

create function core.webhook_endpoint_target(endpoint_id uuid)
returns table (url text, secret text, active boolean)
language sql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$ select e.url, e.secret, e.active from core.webhook_endpoints e where e.id = endpoint_id $$;
comment on function core.webhook_endpoint_target(uuid) is 'Workers: where and with which secret to deliver to an endpoint (no row when it was deleted).';

create function core.log_webhook_delivery(endpoint_id uuid, outbox_id bigint, event_id uuid, event_type text,
  attempt int, status_code int, duration_ms int, error text) returns void
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  insert into core.webhook_deliveries (org_id, endpoint_id, outbox_id, event_id, event_type, attempt, status_code,
                                       duration_ms, error)
  select e.org_id, e.id, log_webhook_delivery.outbox_id, log_webhook_delivery.event_id, log_webhook_delivery.event_type,
         log_webhook_delivery.attempt, log_webhook_delivery.status_code, greatest(0, log_webhook_delivery.duration_ms),
         left(log_webhook_delivery.error, 1000)
  from core.webhook_endpoints e where e.id = log_webhook_delivery.endpoint_id
$$;
comment on function core.log_webhook_delivery(uuid, bigint, uuid, text, int, int, int, text) is 'Workers: records one delivery attempt.';

grant execute on function core.webhook_endpoint_target(uuid),
  core.log_webhook_delivery(uuid, bigint, uuid, text, int, int, int, text) to authenticator;

-- ---------------------------------------------------------------------------------------
-- SSRF: where webhooks may not go. The server resolves the host and refuses any address that
-- is not public (lib/webhooks/ssrf.ts, at creation and before every delivery, since DNS can
-- change); SQL refuses what it can see without DNS: IP literals that are private, link-local
-- (169.254.169.254 is the cloud metadata service), unspecified, multicast or reserved, and the
-- metadata host names. Loopback literals pass here: whether they are allowed is the server's
-- development setting (MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK), checked by the server.

create function core.webhook_url_problem(url text) returns text
language plpgsql immutable
set search_path = pg_catalog, core, pg_temp
as $$
declare
  host text := lower(trim(both '[]' from substring(url from '^https?://(\[[^]]+\]|[^/?#:]+)')));
  addr inet;
begin
  if host is null then
    return null;
  end if;
  if host in ('metadata.google.internal', 'metadata', 'instance-data', 'metadata.azure.com') then
    return format('%s is a cloud metadata service', host);
  end if;
  if host !~ '^[0-9.]+$' and host !~ ':' then
    return null; -- a name: resolved and checked by the server
  end if;
  begin
    addr := host::inet;
  exception when others then
    return format('%s is not a valid IP address', host);
  end;
  if addr <<= '127.0.0.0/8' or addr = '::1' then
    return null;
  end if;
  return case
    when addr <<= '169.254.169.254/32' then format('%s is the cloud metadata service (link-local)', host)
    when addr <<= '169.254.0.0/16' or addr <<= 'fe80::/10' then format('%s is a link-local address', host)
    when addr <<= '10.0.0.0/8' or addr <<= '172.16.0.0/12' or addr <<= '192.168.0.0/16' or addr <<= '100.64.0.0/10'
      or addr <<= 'fc00::/7' then format('%s is a private address', host)
    when addr <<= '0.0.0.0/8' or addr = '::' then format('%s is an unspecified address', host)
    when addr <<= '224.0.0.0/3' or addr <<= 'ff00::/8' then format('%s is a multicast or reserved address', host)
    when addr <<= '::ffff:0:0/96' then format('%s is an IPv4-mapped address; give the IPv4 address', host)
    else null end;
end
$$;
comment on function core.webhook_url_problem(text) is 'Why a webhook URL''s literal host may not be called (private, link-local/metadata, unspecified, multicast, reserved, metadata host names), or null. Loopback and host names are left to the server''s check.';

-- ---------------------------------------------------------------------------------------
-- api

create function api.add_webhook_endpoint(url text, events text[]) returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.webhook_endpoints;
  bad text;
begin
  perform core.require_permission('manage_integrations');
  if auth.org_id() is null then
    raise exception 'Sign in to an organisation first' using errcode = 'PT403';
  end if;
  if add_webhook_endpoint.url is null or add_webhook_endpoint.url !~ '^https?://[^\s/?#@]+[^\s]*$'
     or length(add_webhook_endpoint.url) > 2000 then
    raise exception 'URL "%" must be an http or https address', coalesce(add_webhook_endpoint.url, '') using errcode = 'P0001';
  end if;
  if core.webhook_url_problem(add_webhook_endpoint.url) is not null then
    raise exception 'URL "%" cannot receive webhooks: %; webhooks go only to addresses on the public internet',
      left(add_webhook_endpoint.url, 200), core.webhook_url_problem(add_webhook_endpoint.url) using errcode = 'P0001';
  end if;
  if add_webhook_endpoint.events is null or cardinality(add_webhook_endpoint.events) = 0 then
    raise exception 'Choose at least one event' using errcode = 'P0001';
  end if;
  select x into bad from unnest(add_webhook_endpoint.events) x
  where x is null or x not in ('order.paid', 'order.refunded', 'ticket.checked_in') limit 1;
  if found then
    raise exception 'Event "%" is not one of order.paid, order.refunded, ticket.checked_in', coalesce(bad, 'null')
      using errcode = 'P0001';
  end if;
  insert into core.webhook_endpoints (org_id, url, events, created_by)
  values (auth.org_id(), add_webhook_endpoint.url,
          array(select distinct x from unnest(add_webhook_endpoint.events) x order by x), auth.user_id())
  returning * into e;
  perform core.audit(e.org_id, 'webhook_endpoint.added', 'webhook_endpoint', e.id::text,
                     jsonb_build_object('url', e.url, 'events', e.events));
  return jsonb_build_object('id', e.id, 'url', e.url, 'events', e.events, 'active', e.active, 'secret', e.secret,
                            'created_at', e.created_at);
end
$$;
comment on function api.add_webhook_endpoint(text, text[]) is 'Adds a webhook endpoint to the caller''s org for the given events (order.paid, order.refunded, ticket.checked_in). Returns {id, url, events, active, secret, created_at}: the signing secret is shown this once. Needs manage_integrations. Errors: P0001 bad url or event, PT403.';

create function api.webhook_endpoints()
returns table (id uuid, url text, events text[], active boolean, secret_hint text, created_at timestamptz,
               disabled_at timestamptz, last_attempt_at timestamptz, last_status_code int)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('manage_integrations');
  return query
  select e.id, e.url, e.events, e.active, 'whsec_…' || right(e.secret, 4), e.created_at, e.disabled_at,
         d.at, d.status_code
  from core.webhook_endpoints e
  left join lateral (select x.at, x.status_code from core.webhook_deliveries x where x.endpoint_id = e.id
                     order by x.at desc, x.id desc limit 1) d on true
  where e.org_id = auth.org_id() or (auth.org_id() is null and auth.is_platform_admin())
  order by e.active desc, e.created_at desc;
end
$$;
comment on function api.webhook_endpoints() is 'The caller''s org''s webhook endpoints, active first: {id, url, events, active, secret_hint (last 4 characters only), created_at, disabled_at, last_attempt_at, last_status_code}. Needs manage_integrations. Errors: PT403.';

-- The caller's org's endpoint `endpoint_id` (any org's for a platform admin without one),
-- locked for update when asked, or PT404: what every endpoint action starts with.
create function core.caller_webhook_endpoint(endpoint_id uuid, lock boolean) returns core.webhook_endpoints
language plpgsql volatile
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.webhook_endpoints;
begin
  if lock then
    select * into e from core.webhook_endpoints x
    where x.id = endpoint_id and (x.org_id = auth.org_id() or (auth.org_id() is null and auth.is_platform_admin()))
    for update;
  else
    select * into e from core.webhook_endpoints x
    where x.id = endpoint_id and (x.org_id = auth.org_id() or (auth.org_id() is null and auth.is_platform_admin()));
  end if;
  if not found then
    raise exception 'Webhook endpoint % not found', coalesce(endpoint_id::text, 'null') using errcode = 'PT404';
  end if;
  return e;
end
$$;

create function api.disable_webhook_endpoint(id uuid) returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.webhook_endpoints;
begin
  perform core.require_permission('manage_integrations');
  e := core.caller_webhook_endpoint(disable_webhook_endpoint.id, true);
  if e.active then
    update core.webhook_endpoints x set active = false, disabled_at = now() where x.id = e.id returning * into e;
    perform core.audit(e.org_id, 'webhook_endpoint.disabled', 'webhook_endpoint', e.id::text,
                       jsonb_build_object('url', e.url));
  end if;
  return jsonb_build_object('id', e.id, 'active', e.active, 'disabled_at', e.disabled_at);
end
$$;
comment on function api.disable_webhook_endpoint(uuid) is 'Disables a webhook endpoint of the caller''s org: nothing more is queued for it and queued deliveries are dropped. Idempotent. Returns {id, active, disabled_at}. Needs manage_integrations. Errors: PT403, PT404 unknown or another org''s endpoint.';

create function api.webhook_deliveries(endpoint_id uuid)
returns table (id bigint, outbox_id bigint, event_id uuid, event_type text, attempt int, status_code int,
               duration_ms int, error text, at timestamptz)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('manage_integrations');
  perform core.caller_webhook_endpoint(webhook_deliveries.endpoint_id, false);
  return query
  select d.id, d.outbox_id, d.event_id, d.event_type, d.attempt, d.status_code, d.duration_ms, d.error, d.at
  from core.webhook_deliveries d where d.endpoint_id = webhook_deliveries.endpoint_id
  order by d.at desc, d.id desc
  limit 200;
end
$$;
comment on function api.webhook_deliveries(uuid) is 'The last 200 delivery attempts to a webhook endpoint of the caller''s org, newest first: {id, outbox_id, event_id, event_type, attempt, status_code, duration_ms, error, at}. Needs manage_integrations. Errors: PT403, PT404 unknown or another org''s endpoint.';

create function api.rotate_webhook_secret(id uuid) returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.webhook_endpoints;
begin
  perform core.require_permission('manage_integrations');
  e := core.caller_webhook_endpoint(rotate_webhook_secret.id, true);
  update core.webhook_endpoints x set secret = 'whsec_' || encode(public.gen_random_bytes(32), 'hex')
  where x.id = e.id returning * into e;
  perform core.audit(e.org_id, 'webhook_endpoint.secret_rotated', 'webhook_endpoint', e.id::text,
                     jsonb_build_object('url', e.url));
  return jsonb_build_object('id', e.id, 'url', e.url, 'secret', e.secret);
end
$$;
comment on function api.rotate_webhook_secret(uuid) is 'Gives a webhook endpoint of the caller''s org a new signing secret, shown this once; deliveries from now on (retries too) are signed with it. Returns {id, url, secret}. Needs manage_integrations. Errors: PT403, PT404 unknown or another org''s endpoint.';

create function api.send_test_webhook(id uuid) returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.webhook_endpoints;
  event_id uuid := gen_random_uuid();
  outbox_id bigint;
begin
  perform core.require_permission('manage_integrations');
  e := core.caller_webhook_endpoint(send_test_webhook.id, false);
  if not e.active then
    raise exception 'Webhook endpoint % is disabled; add it again to send to it', e.url using errcode = 'PT409';
  end if;
  insert into core.outbox (org_id, topic, payload)
  values (e.org_id, 'webhooks__deliver', jsonb_build_object('id', event_id, 'type', 'webhook.test', 'created_at', now(),
          'data', jsonb_build_object('message', 'A test event from Mutambo: your endpoint works when it answers 2xx'),
          'endpoint_id', e.id))
  returning core.outbox.id into outbox_id;
  return jsonb_build_object('event_id', event_id, 'outbox_id', outbox_id);
end
$$;
comment on function api.send_test_webhook(uuid) is 'Queues one webhook.test event for an active endpoint of the caller''s org (delivered, signed and logged like any other). Returns {event_id, outbox_id}. Needs manage_integrations. Errors: PT403, PT404 unknown endpoint, PT409 disabled.';

grant execute on function api.rotate_webhook_secret(uuid), api.send_test_webhook(uuid) to staff;
grant execute on function api.add_webhook_endpoint(text, text[]), api.webhook_endpoints(),
  api.disable_webhook_endpoint(uuid), api.webhook_deliveries(uuid) to staff;
