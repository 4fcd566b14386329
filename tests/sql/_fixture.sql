-- Shared fixture for the pgTAP files (included with \ir inside each file's transaction, so
-- everything here is rolled back with it). Creates two orgs, their staff, a small venue,
-- and an event on sale per org, and helpers to run SQL as a given actor (role + JWT claims,
-- exactly as the /rest endpoint sets them) while pgTAP assertions run as the superuser.
create extension if not exists pgtap;
create schema test_support;

create table test_support.actors (name text primary key, role text not null, org_id uuid, sub uuid);

-- Runs `cmd` as the actor: SET LOCAL ROLE and request.jwt.claims, then back to the superuser.
create function test_support.run(actor text, cmd text) returns void
language plpgsql as $$
declare
  a test_support.actors;
begin
  select * into a from test_support.actors where name = actor;
  if not found then raise exception 'unknown actor %', actor; end if;
  perform set_config('request.jwt.claims',
    jsonb_strip_nulls(jsonb_build_object('role', a.role, 'org_id', a.org_id, 'sub', a.sub))::text, true);
  perform set_config('role', a.role, true);
  execute cmd;
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end $$;

-- The rows of `query` run as the actor, as a jsonb array of objects ([] when none).
create function test_support.q(actor text, query text) returns jsonb
language plpgsql as $$
declare
  a test_support.actors;
  result jsonb;
begin
  select * into a from test_support.actors where name = actor;
  if not found then raise exception 'unknown actor %', actor; end if;
  perform set_config('request.jwt.claims',
    jsonb_strip_nulls(jsonb_build_object('role', a.role, 'org_id', a.org_id, 'sub', a.sub))::text, true);
  perform set_config('role', a.role, true);
  execute format('select coalesce(jsonb_agg(to_jsonb(t)), ''[]'') from (%s) t', query) into result;
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
  return result;
end $$;

-- The single value `query` returns, run as the actor, as jsonb.
create function test_support.v(actor text, query text) returns jsonb
language plpgsql as $$
declare
  r jsonb := test_support.q(actor, query);
begin
  return (select value from jsonb_each(r -> 0) limit 1);
end $$;

-- SQL text that runs `cmd` as `actor`, for throws_ok / lives_ok.
create function test_support.as_(actor text, cmd text) returns text
language sql as $$ select format('select test_support.run(%L, %L)', actor, cmd) $$;

select set_config('request.jwt.claims', '{"role":"platform_admin"}', true);
select api.create_org('Org A Events', 'org-a-' || substr(md5(random()::text), 1, 8), 'Harare') as org_a \gset
select api.create_org('Org B Events', 'org-b-' || substr(md5(random()::text), 1, 8), 'Lusaka', 'ZM') as org_b \gset
insert into test_support.actors values
  ('admin', 'platform_admin', null, gen_random_uuid()),
  ('owner_a', 'org_owner', :'org_a', gen_random_uuid()),
  ('manager_a', 'event_manager', :'org_a', gen_random_uuid()),
  ('door_a', 'door_staff', :'org_a', gen_random_uuid()),
  ('box_a', 'box_office_agent', :'org_a', gen_random_uuid()),
  ('owner_b', 'org_owner', :'org_b', gen_random_uuid()),
  ('anon', 'anon', null, null),
  ('buyer', 'buyer', null, gen_random_uuid()),
  ('buyer2', 'buyer', null, gen_random_uuid());
insert into core.users (id, email, display_name)
select sub, name || '-' || substr(md5(random()::text), 1, 8) || '@example.com', initcap(replace(name, '_', ' '))
from test_support.actors where sub is not null;

-- Org A: Test Arena with zones Gold/Silver, seated Stand (5 rows A-E x 10), seated Upper
-- (3 rows x 6), standing Terrace (20); event "Test Match" on sale.
select set_config('request.jwt.claims', json_build_object('role', 'platform_admin', 'org_id', :'org_a')::text, true);
select api.create_venue('Test Arena', 'Harare') as venue_a \gset
select api.create_layout(:'venue_a', 'Main') as lv_a \gset
select api.add_price_zone(:'lv_a', 'Gold', '#b45309', 1) as zone_gold \gset
select api.add_price_zone(:'lv_a', 'Silver', '#6b7280', 2) as zone_silver \gset
select section_id as stand_src from api.build_seated_section(layout_version_id => :'lv_a', name => 'Stand', rows => 5,
  seats_per_row => 10, price_zone_id => :'zone_gold', origin_y => 20) \gset
select section_id as upper_src from api.build_seated_section(layout_version_id => :'lv_a', name => 'Upper', rows => 3,
  seats_per_row => 6, price_zone_id => :'zone_silver', origin_y => 40, row_labels => 'numbers') \gset
select api.add_standing_section(:'lv_a', 'Terrace', 20, :'zone_silver') as terrace_src \gset
select api.publish_layout_version(:'lv_a');
select api.create_event(layout_version_id => :'lv_a', name => 'Test Match', starts_at => now() + interval '7 days',
  category => 'football', performers => array['Alpha FC', 'Beta United'], description => 'A test fixture') as event_a \gset
select api.create_ticket_type(event_id => :'event_a', name => 'Adult', prices => '{"Gold": 1000, "Silver": 500}',
  max_per_order => 8) as tt_adult \gset
select api.create_ticket_type(event_id => :'event_a', name => 'Child', prices => '{"Silver": 300}', capacity => 5,
  max_per_order => 6) as tt_child \gset
select api.create_ticket_type(event_id => :'event_a', name => 'Parking', kind => 'addon', price_minor => 200,
  capacity => 3, max_per_order => 2) as tt_parking \gset
select api.create_ticket_type(event_id => :'event_a', name => 'Members', prices => '{"Gold": 800}', hidden => true,
  unlock_code => 'MEMBER1') as tt_members \gset
select api.set_event_status(:'event_a', 'on_sale');
select id as stand from core.event_sections where event_id = :'event_a' and name = 'Stand' \gset
select id as upper from core.event_sections where event_id = :'event_a' and name = 'Upper' \gset
select id as terrace from core.event_sections where event_id = :'event_a' and name = 'Terrace' \gset

-- Org B: its own venue and event on sale.
select set_config('request.jwt.claims', json_build_object('role', 'platform_admin', 'org_id', :'org_b')::text, true);
select api.create_venue('Heroes Ground', 'Lusaka', 'ZM') as venue_b \gset
select api.create_layout(:'venue_b', 'Main') as lv_b \gset
select api.add_price_zone(:'lv_b', 'All', '#6b7280', 1) as zone_b \gset
select api.add_standing_section(:'lv_b', 'Field', 100, :'zone_b') as field_src \gset
select api.publish_layout_version(:'lv_b');
select api.create_event(layout_version_id => :'lv_b', name => 'Lusaka Sounds', starts_at => now() + interval '10 days',
  category => 'music', currency => 'ZMW') as event_b \gset
select api.create_ticket_type(event_id => :'event_b', name => 'Entry', price_minor => 15000) as tt_b \gset
select api.set_event_status(:'event_b', 'on_sale');
select set_config('request.jwt.claims', '', true);

-- seat ids by label in the Stand: :'A1' style lookups through this helper
create function test_support.seat(section uuid, label text) returns bigint
language sql as $$
  select id from core.event_seats where event_section_id = section and row_label || seat_number = label
$$;
create function test_support.seats(section uuid, labels text[]) returns bigint[]
language sql as $$
  select array_agg(test_support.seat(section, l) order by l) from unnest(labels) l
$$;
