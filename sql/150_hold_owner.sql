-- A hold belongs to the browser session that made it. The token alone stays enough for API
-- clients (it is a 192-bit secret), but when the caller names its session, a hold of another
-- session is "not found": a checkout link copied to another browser cannot be read,
-- extended or released there. The web pages always pass their session id.

drop function api.get_hold(text);
drop function api.extend_hold(text);
drop function api.release_hold(text);

-- The hold with this token, refused as unknown when it belongs to another session.
create function core.hold_for_session(hold_token text, session_id text, lock boolean) returns core.holds
language plpgsql volatile
as $$
declare
  h core.holds := core.hold_by_token(hold_token, lock);
begin
  if hold_for_session.session_id is not null and h.session_id is distinct from hold_for_session.session_id then
    raise exception 'Hold "%" not found', left(hold_token, 12) using errcode = 'PT404';
  end if;
  return h;
end
$$;

create function api.get_hold(hold_token text, session_id text default null)
returns jsonb
language plpgsql stable
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds;
begin
  if get_hold.hold_token is null or get_hold.hold_token !~ '^h_[0-9a-f]{48}$' then
    raise exception 'Hold "%" not found', left(coalesce(get_hold.hold_token, 'null'), 12) using errcode = 'PT404';
  end if;
  select * into h from core.holds where token = get_hold.hold_token;
  if not found or (get_hold.session_id is not null and h.session_id is distinct from get_hold.session_id) then
    raise exception 'Hold "%" not found', left(get_hold.hold_token, 12) using errcode = 'PT404';
  end if;
  if h.expires_at <= now() and h.order_id is null then
    raise exception 'Your hold expired at %; start again', h.expires_at using errcode = 'PT410';
  end if;
  return core.hold_json(h);
end
$$;
comment on function api.get_hold(text, text) is 'The hold with this token: event, items with seats and unit prices (minor units), expires_at and seconds_left. The token is the buyer''s proof of ownership; with session_id, a hold of another session is not found. Errors: PT404 unknown token or another session''s hold, PT410 expired.';

create function api.extend_hold(hold_token text, session_id text default null)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds := core.hold_for_session(extend_hold.hold_token, extend_hold.session_id, true);
  e core.events;
  until timestamptz;
  expected int;
  moved int;
begin
  if h.expires_at <= now() then
    raise exception 'Your hold expired at %; start again', h.expires_at using errcode = 'PT410';
  end if;
  if h.extended then
    raise exception 'This hold has already been extended once' using errcode = 'PT409';
  end if;
  if h.order_id is not null then
    raise exception 'This hold has already become an order' using errcode = 'PT409';
  end if;
  select * into e from core.events where id = h.event_id;
  until := now() + make_interval(mins => e.hold_minutes);
  select count(*) into expected from core.event_seats where hold_id = h.id and state = 'open';
  update core.event_seats set held_until = until where hold_id = h.id and state = 'open' and held_until > now();
  get diagnostics moved = row_count;
  if moved < expected then
    raise exception 'Your hold expired; start again' using errcode = 'PT410';
  end if;
  update core.quota_units set held_until = until where hold_id = h.id and state = 'open' and held_until > now();
  update core.holds set expires_at = until, extended = true where id = h.id returning * into h;
  return core.hold_json(h);
end
$$;
comment on function api.extend_hold(text, text) is 'Extends an unexpired hold once by the event''s hold time from now. Returns the hold. With session_id, a hold of another session is not found. Errors: PT404 unknown token or another session''s hold, PT409 already extended, PT410 expired.';

create function api.release_hold(hold_token text, session_id text default null)
returns void
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  h core.holds := core.hold_for_session(release_hold.hold_token, release_hold.session_id, true);
begin
  if h.order_id is not null then
    raise exception 'This hold has already become an order' using errcode = 'PT409';
  end if;
  perform core.release_hold(h.id);
end
$$;
comment on function api.release_hold(text, text) is 'Gives up a hold: its places are free again at once (an expired hold is simply deleted). With session_id, a hold of another session is not found. Errors: PT404 unknown token or another session''s hold, PT409 already an order.';

grant execute on function api.get_hold(text, text), api.extend_hold(text, text), api.release_hold(text, text)
  to anon, buyer, staff;
