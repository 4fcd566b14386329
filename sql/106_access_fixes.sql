-- Fixes found by tests/sql/security.sql (100 and 103 are applied, so the changes are here):
-- * can_read_org / can_write_org returned NULL (not false) for a request without org_id,
--   and `not NULL` let a check pass. They now always return true or false.
-- * set_event_status and set_quota_capacity locked the row (SELECT … FOR UPDATE) before
--   checking the caller's role; RLS hides rows a non-manager may not update, so such a
--   caller got "not found" instead of "your role may not". They now check, then lock.

create or replace function core.can_read_org(target uuid) returns boolean
language sql stable
as $$ select coalesce(auth.is_platform_admin() or (target is not null and target = auth.org_id()), false) $$;

create or replace function core.can_write_org(target uuid) returns boolean
language sql stable
as $$
  select coalesce(auth.is_platform_admin()
      or (target is not null and target = auth.org_id() and core.is_manager_role(auth.role())), false)
$$;

create or replace function api.set_event_status(event_id uuid, status text)
returns text
language plpgsql volatile
as $$
declare
  e core.events := core.event_for_manager(set_event_status.event_id);
  allowed text[];
begin
  select * into e from core.events where id = e.id for update;
  if set_event_status.status is null or set_event_status.status not in ('draft', 'on_sale', 'sold_out', 'ended', 'cancelled') then
    raise exception 'Status "%" must be one of draft, on_sale, sold_out, ended, cancelled', set_event_status.status using errcode = 'P0001';
  end if;
  if e.status = set_event_status.status then
    return e.status;
  end if;
  allowed := case e.status
    when 'draft' then array['on_sale', 'cancelled']
    when 'on_sale' then array['sold_out', 'ended', 'cancelled']
    when 'sold_out' then array['on_sale', 'ended', 'cancelled']
    else array[]::text[] end;
  if not set_event_status.status = any(allowed) then
    raise exception 'Event "%" cannot go from % to %', e.name, e.status, set_event_status.status using errcode = 'PT409';
  end if;
  if set_event_status.status = 'on_sale' then
    if not exists (select from core.ticket_types tt where tt.event_id = e.id and tt.kind = 'admission' and tt.active
                   and exists (select from core.ticket_type_prices p where p.ticket_type_id = tt.id)) then
      raise exception 'Event "%" cannot go on sale without a ticket type with a price', e.name using errcode = 'PT422';
    end if;
    if e.ends_at <= now() then
      raise exception 'Event "%" is already over', e.name using errcode = 'PT422';
    end if;
  end if;
  update core.events set status = set_event_status.status,
    published_at = case when set_event_status.status = 'on_sale' then coalesce(published_at, now()) else published_at end,
    cancelled_at = case when set_event_status.status = 'cancelled' then now() else cancelled_at end
  where id = e.id;
  if set_event_status.status in ('cancelled', 'ended') then
    perform core.release_event_holds(e.id);
  end if;
  if set_event_status.status = 'cancelled' then
    perform core.on_event_cancelled(e.id);
  end if;
  perform core.refresh_section_counts(e.id);
  return set_event_status.status;
end
$$;

create or replace function api.set_quota_capacity(quota_id uuid, capacity int)
returns int
language plpgsql volatile
as $$
declare
  q core.quotas;
  current_units int;
  removed int;
begin
  select * into q from core.quotas where id = set_quota_capacity.quota_id;
  if not found then
    raise exception 'Quota % not found', coalesce(set_quota_capacity.quota_id::text, 'null') using errcode = 'PT404';
  end if;
  perform core.require_manager(q.org_id);
  perform 1 from core.quotas where id = q.id for update;
  if set_quota_capacity.capacity is null or set_quota_capacity.capacity not between 0 and 200000 then
    raise exception 'Capacity % must be between 0 and 200000', set_quota_capacity.capacity using errcode = 'P0001';
  end if;
  select count(*) into current_units from core.quota_units u where u.quota_id = q.id;
  if set_quota_capacity.capacity > current_units then
    perform core.add_quota_units(q.id, set_quota_capacity.capacity - current_units);
  elsif set_quota_capacity.capacity < current_units then
    with free as (
      select u.id from core.quota_units u
      where u.quota_id = q.id and u.state = 'open' and u.held_until <= now()
      limit current_units - set_quota_capacity.capacity
      for update skip locked
    )
    delete from core.quota_units u using free where u.id = free.id;
    get diagnostics removed = row_count;
    if removed < current_units - set_quota_capacity.capacity then
      raise exception 'Quota "%" cannot shrink to %: % tickets are sold or held', q.name, set_quota_capacity.capacity,
        current_units - removed using errcode = 'PT409';
    end if;
  end if;
  update core.quotas set capacity = set_quota_capacity.capacity where id = q.id;
  return set_quota_capacity.capacity;
end
$$;
