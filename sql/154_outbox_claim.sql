-- Claiming outbox messages for workers/ (which connect as the server's login role and never
-- read core.outbox directly). A claim takes up to n due rows of the given topics with
-- FOR UPDATE SKIP LOCKED, counts the attempt and leases them (available_at moves forward by
-- the lease), so a worker that dies mid-delivery leaves the row to be claimed again after the
-- lease: at-least-once delivery; receivers dedupe by message id.

create function core.outbox_claim(topics text[], n int default 10, lease_seconds int default 60)
returns table (id bigint, org_id uuid, topic text, payload jsonb, attempts int, order_link text)
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
begin
  return query
  with due as (
    select o.id from core.outbox o
    where o.done_at is null and o.available_at <= now() and o.topic = any(outbox_claim.topics)
    order by o.available_at, o.id
    limit greatest(1, least(outbox_claim.n, 100))
    for update skip locked
  ), claimed as (
    update core.outbox o set attempts = o.attempts + 1,
      available_at = now() + make_interval(secs => greatest(5, outbox_claim.lease_seconds))
    from due where o.id = due.id
    returning o.id, o.org_id, o.topic, o.payload, o.attempts
  )
  select c.id, c.org_id, c.topic, c.payload, c.attempts,
         (select l.sealed from core.order_links l where l.order_id = (c.payload ->> 'order_id')::uuid)
  from claimed c order by c.id;
end
$$;
comment on function core.outbox_claim(text[], int, int) is 'Workers: claims up to n due messages of these topics (FOR UPDATE SKIP LOCKED), counts the attempt and leases them for lease_seconds; returns them with the sealed order link when the payload names an order.';

create function core.outbox_done(message_id bigint) returns void
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$ update core.outbox set done_at = now(), last_error = null where id = message_id and done_at is null $$;
comment on function core.outbox_done(bigint) is 'Workers: a message was delivered.';

-- Exponential backoff: 30 s, 1, 2, 4 … minutes, at most 6 hours between tries.
create function core.outbox_failed(message_id bigint, error text) returns void
language sql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
  update core.outbox set last_error = left(error, 1000),
    available_at = now() + least(interval '6 hours', interval '30 seconds' * power(2, greatest(attempts - 1, 0)))
  where id = message_id and done_at is null
$$;
comment on function core.outbox_failed(bigint, text) is 'Workers: a delivery failed; the message is retried with exponential backoff (30 s x 2^(attempts-1), at most 6 h).';

grant execute on function core.outbox_claim(text[], int, int), core.outbox_done(bigint), core.outbox_failed(bigint, text)
  to authenticator;
