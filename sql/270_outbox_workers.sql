-- Outbox workers: dead letters, jittered backoff, staff retry, and the permission for it.
--
-- * A message that failed max_attempts times (8 by default) is dead: dead_at is set, it is never
--   claimed again and never deleted. Staff with manage_integrations see their org's dead letters
--   (api.outbox_dead_letters) and put one back in the queue (api.retry_outbox_message).
-- * Backoff after a failure: 30 s x 2^(attempts-1), at most 6 h, times a random factor in
--   [0.5, 1) so that messages failing together do not come back together.
-- * A claim leases the row (available_at = now() + lease): a worker that crashes mid-delivery
--   leaves the row to be claimed again after the lease (at-least-once; the outbox id is the
--   dedupe key receivers see). A row claimed max_attempts + 2 times without ever being marked
--   failed or done (a worker that crashes on it every time) is dead-lettered by the claim.

alter table core.outbox add column dead_at timestamptz;
comment on column core.outbox.dead_at is 'Set when the message failed too often (dead letter); cleared by api.retry_outbox_message.';

drop index core.outbox_pending_idx;
create index outbox_pending_idx on core.outbox (available_at) where done_at is null and dead_at is null;
create index outbox_dead_idx on core.outbox (org_id, dead_at desc) where dead_at is not null;

-- ---------------------------------------------------------------------------------------
-- Permission: manage_integrations (webhook endpoints, dead letters). Same lists as 190 plus it.

create or replace function core.role_permissions(r text) returns text[]
language sql immutable
as $$
  select case r
    when 'platform_admin' then array['view_events', 'manage_events', 'manage_prices', 'manage_promo_codes', 'view_orders',
      'manage_orders', 'refund', 'comp', 'export_orders', 'view_finance', 'manage_team', 'manage_check_in', 'check_in',
      'view_audit', 'manage_venues', 'switch_org', 'manage_integrations']
    when 'org_owner' then array['view_events', 'manage_events', 'manage_prices', 'manage_promo_codes', 'view_orders',
      'manage_orders', 'refund', 'comp', 'export_orders', 'view_finance', 'manage_team', 'manage_check_in', 'check_in',
      'view_audit', 'manage_venues', 'manage_integrations']
    when 'event_manager' then array['view_events', 'manage_events', 'manage_prices', 'manage_promo_codes', 'view_orders',
      'manage_orders', 'refund', 'comp', 'export_orders', 'view_finance', 'manage_check_in', 'check_in', 'view_audit',
      'manage_venues']
    when 'promoter' then array['view_events', 'manage_promo_codes']
    when 'box_office_agent' then array['view_events', 'view_orders', 'manage_orders']
    when 'door_staff' then array['view_events', 'check_in']
    when 'finance' then array['view_events', 'view_orders', 'manage_orders', 'refund', 'export_orders', 'view_finance',
      'view_audit']
    when 'read_only' then array['view_events', 'view_orders', 'view_audit']
    else array[]::text[] end
$$;

-- ---------------------------------------------------------------------------------------
-- Claiming: any topic (topics null) or the listed ones; dead rows are never claimed.

create or replace function core.outbox_claim(topics text[], n int default 10, lease_seconds int default 60)
returns table (id bigint, org_id uuid, topic text, payload jsonb, attempts int, order_link text)
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  -- rows a worker crashed on again and again: dead, not claimed forever
  update core.outbox o set dead_at = now(), last_error = coalesce(o.last_error, 'Worker stopped during delivery ' || o.attempts || ' times')
  where o.done_at is null and o.dead_at is null and o.available_at <= now() and o.attempts >= 10
    and (outbox_claim.topics is null or o.topic = any(outbox_claim.topics));
  return query
  with due as (
    select o.id from core.outbox o
    where o.done_at is null and o.dead_at is null and o.available_at <= now()
      and (outbox_claim.topics is null or o.topic = any(outbox_claim.topics))
    order by o.available_at, o.id
    limit greatest(1, least(outbox_claim.n, 100))
    for update skip locked
  ), claimed as (
    update core.outbox o set attempts = o.attempts + 1,
      available_at = now() + make_interval(secs => greatest(1, outbox_claim.lease_seconds))
    from due where o.id = due.id
    returning o.id, o.org_id, o.topic, o.payload, o.attempts
  )
  select c.id, c.org_id, c.topic, c.payload, c.attempts,
         (select l.sealed from core.order_links l where l.order_id = (c.payload ->> 'order_id')::uuid)
  from claimed c order by c.id;
end
$$;
comment on function core.outbox_claim(text[], int, int) is 'Workers: claims up to n due messages of these topics (all topics when null) with FOR UPDATE SKIP LOCKED, counts the attempt and leases them for lease_seconds (at least 1); returns them with the sealed order link when the payload names an order. Dead letters are never claimed; a row claimed 10 times without a result is dead-lettered.';

-- A failure: backoff with jitter, or dead after max_attempts.
create function core.outbox_failed(message_id bigint, error text, max_attempts int) returns boolean
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  update core.outbox set last_error = left(error, 1000),
    dead_at = case when attempts >= greatest(1, max_attempts) then now() end,
    available_at = now() + least(interval '6 hours', interval '30 seconds' * power(2, greatest(attempts - 1, 0)))
                           * (0.5 + random() / 2)
  where id = message_id and done_at is null and dead_at is null
  returning dead_at is not null
$$;
comment on function core.outbox_failed(bigint, text, int) is 'Workers: a delivery failed. Returns true when the message is now dead (attempts reached max_attempts), else it is retried after 30 s x 2^(attempts-1) (at most 6 h) times a jitter factor in [0.5, 1).';

create or replace function core.outbox_failed(message_id bigint, error text) returns void
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$ select core.outbox_failed(message_id, error, 8) $$;
comment on function core.outbox_failed(bigint, text) is 'Workers: a delivery failed; retried with jittered exponential backoff, dead after 8 attempts.';

grant execute on function core.outbox_failed(bigint, text, int) to authenticator;

-- ---------------------------------------------------------------------------------------
-- api: dead letters for staff

create function api.outbox_dead_letters()
returns table (id bigint, org_id uuid, topic text, summary jsonb, attempts int, last_error text,
               created_at timestamptz, dead_at timestamptz)
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  perform core.require_permission('manage_integrations');
  return query
  select o.id, o.org_id, o.topic,
         -- never show secrets (reset and invite tokens, sealed links) to staff
         o.payload - 'token' - 'secret' - 'sealed',
         o.attempts, o.last_error, o.created_at, o.dead_at
  from core.outbox o
  where o.dead_at is not null and o.done_at is null
    and (o.org_id = auth.org_id() or auth.is_platform_admin())
  order by o.dead_at desc, o.id desc
  limit 500;
end
$$;
comment on function api.outbox_dead_letters() is 'Messages the workers gave up on (dead letters) of the caller''s org (platform admins: all), newest first, at most 500: {id, org_id, topic, summary (payload without tokens), attempts, last_error, created_at, dead_at}. Needs manage_integrations. Errors: PT403.';

create function api.retry_outbox_message(id bigint) returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  o core.outbox;
begin
  perform core.require_permission('manage_integrations');
  select * into o from core.outbox x
  where x.id = retry_outbox_message.id and (x.org_id = auth.org_id() or auth.is_platform_admin())
  for update;
  if not found then
    raise exception 'Message % not found', retry_outbox_message.id using errcode = 'PT404';
  end if;
  if o.dead_at is null or o.done_at is not null then
    raise exception 'Message % is not a dead letter', o.id using errcode = 'PT409';
  end if;
  update core.outbox x set dead_at = null, attempts = 0, available_at = now()
  where x.id = o.id;
  perform core.audit(o.org_id, 'outbox.retried', 'outbox', o.id::text,
                     jsonb_build_object('topic', o.topic, 'attempts', o.attempts, 'last_error', o.last_error));
  return jsonb_build_object('id', o.id, 'topic', o.topic, 'queued', true);
end
$$;
comment on function api.retry_outbox_message(bigint) is 'Puts a dead letter of the caller''s org back in the queue (attempts reset, due now) and audits it. Returns {id, topic, queued}. Needs manage_integrations. Errors: PT403, PT404 unknown or another org''s message, PT409 not a dead letter.';

grant execute on function api.outbox_dead_letters(), api.retry_outbox_message(bigint) to staff;
