-- Multi-tenant security: every api function called as anon, as a buyer, as a staff member
-- without a manager role, and as another org's owner is refused or sees nothing; RLS hides
-- other orgs' rows even from direct table access.
begin;
\ir _fixture.sql

select id as quota_child from core.quotas where event_id = :'event_a' limit 1 \gset
select test_support.v('owner_a', format($$select api.create_event(layout_version_id => %L, name => 'Secret Draft',
  starts_at => now() + interval '20 days')$$, :'lv_a')) #>> '{}' as draft_a \gset

-- name, call, staff_only (anon/buyer have no execute), cross (another org's ids are involved)
create table test_support.calls (name text primary key, sql text not null, cross_org boolean not null default true);
insert into test_support.calls values
  ('create_org', $$select api.create_org('Sneaky', 'sneaky-org')$$, false),
  ('add_member', $$select api.add_member('x@example.com', 'X', 'read_only')$$, false),
  ('create_venue', $$select api.create_venue('Sneaky Venue', 'Harare')$$, false),
  ('create_layout', format($$select api.create_layout(%L, 'Other')$$, :'venue_a'), true),
  ('add_price_zone', format($$select api.add_price_zone(%L, 'Z')$$, :'lv_a'), true),
  ('add_standing_section', format($$select api.add_standing_section(%L, 'S', 10)$$, :'lv_a'), true),
  ('build_seated_section', format($$select api.build_seated_section(layout_version_id => %L, name => 'B', rows => 2, seats_per_row => 2)$$, :'lv_a'), true),
  ('set_seat_attributes', format($$select api.set_seat_attributes(%L, 'A', '{1}', '{aisle}')$$, :'stand_src'), true),
  ('publish_layout_version', format($$select api.publish_layout_version(%L)$$, :'lv_a'), true),
  ('copy_layout_version', format($$select api.copy_layout_version(%L)$$, :'lv_a'), true),
  ('create_event', format($$select api.create_event(layout_version_id => %L, name => 'Sneaky', starts_at => now() + interval '9 days')$$, :'lv_a'), true),
  ('update_event', format($$select api.update_event(event_id => %L, name => 'Renamed')$$, :'event_a'), true),
  ('create_ticket_type', format($$select api.create_ticket_type(event_id => %L, name => 'Free', price_minor => 0)$$, :'event_a'), true),
  ('set_ticket_price', format($$select api.set_ticket_price(%L, 1)$$, :'tt_adult'), true),
  ('create_quota', format($$select api.create_quota(%L, 'Q', 1, array[%L]::uuid[])$$, :'event_a', :'tt_adult'), true),
  ('set_quota_capacity', format($$select api.set_quota_capacity(%L, 1)$$, :'quota_child'), true),
  ('set_event_status', format($$select api.set_event_status(%L, 'cancelled')$$, :'event_a'), true),
  ('add_event_date', format($$select api.add_event_date(%L, now() + interval '30 days')$$, :'event_a'), true);

select plan((select count(*)::int * 3 from test_support.calls) + (select count(*)::int from test_support.calls where cross_org) + 3 + 20);

-- anon and buyers cannot execute staff functions at all
select throws_ok(test_support.as_('anon', c.sql), '42501', null, 'anon may not call ' || c.name) from test_support.calls c order by c.name;
select throws_ok(test_support.as_('buyer', c.sql), '42501', null, 'a buyer may not call ' || c.name) from test_support.calls c order by c.name;
-- door staff of org A are staff but not managers
select throws_ok(test_support.as_('door_a', c.sql), 'PT403', null, 'door staff may not call ' || c.name) from test_support.calls c order by c.name;
-- another org's owner: every id of org A is unknown
select throws_ok(test_support.as_('owner_b', c.sql), 'PT404', null, 'org B''s owner gets 404 for org A''s ids in ' || c.name)
from test_support.calls c where c.cross_org order by c.name;

-- staff reads: anon refused, other org sees nothing
select throws_ok(test_support.as_('anon', 'select * from api.venues()'), '42501', null, 'anon may not list venues');
select throws_ok(test_support.as_('anon', 'select * from api.org_members()'), '42501', null, 'anon may not list members');
select throws_ok(test_support.as_('anon', format('select * from api.layout_sections(%L)', :'lv_a')), '42501', null, 'anon may not read layouts');
select is(test_support.q('owner_b', 'select name from api.venues()'), '[{"name": "Heroes Ground"}]'::jsonb, 'org B''s owner sees only org B''s venues');
select is(test_support.q('owner_b', format('select * from api.layout_sections(%L)', :'lv_a')), '[]'::jsonb, 'org B''s owner sees none of org A''s layout');
select is(jsonb_array_length(test_support.q('owner_a', format('select * from api.layout_sections(%L)', :'lv_a'))), 3, 'org A''s owner sees its layout''s three sections');
select is(test_support.q('owner_b', 'select * from api.org_members()'), '[]'::jsonb, 'org B has no members that org A added');

-- direct table access: RLS with FORCE, and no schema access for anon
select throws_ok(test_support.as_('anon', 'select * from core.events'), '42501', null, 'anon cannot read core tables');
select throws_ok(test_support.as_('buyer', 'select * from core.holds'), '42501', null, 'a buyer cannot read the holds table');
select is(test_support.v('owner_b', format('select count(*) from core.event_seats where event_id = %L', :'event_a')), '0'::jsonb,
  'RLS hides org A''s seats from org B');
select is(test_support.v('owner_b', 'select count(*) from core.events'), '1'::jsonb, 'org B sees only its own event');
select lives_ok(test_support.as_('owner_b', format($$update core.events set name = 'Hacked' where id = %L$$, :'event_a')),
  'an update of another org''s row runs...');
select is((select name from core.events where id = :'event_a'), 'Test Match', '...but changes nothing');
select is(test_support.v('door_a', format('select count(*) from core.event_seats where event_id = %L', :'event_a')), '88'::jsonb,
  'org A''s door staff can read org A''s inventory');
select lives_ok(test_support.as_('door_a', format($$update core.events set name = 'Door rename' where id = %L$$, :'event_a')),
  'a non-manager''s direct update runs...');
select is((select name from core.events where id = :'event_a'), 'Test Match', '...but RLS lets only managers write');

-- public reads do not show drafts; holds cannot reach drafts or other events' seats
select is((select count(*)::int from jsonb_array_elements(test_support.q('anon', 'select name from api.list_events(limit_count => 100)')) r
  where r ->> 'name' = 'Secret Draft'), 0, 'a draft is not listed');
select throws_ok(test_support.as_('anon', format('select * from api.event_sections(%L)', :'draft_a')), 'PT404', null, 'anon cannot read a draft''s sections');
select throws_ok(test_support.as_('owner_b', format('select * from api.event_sections(%L)', :'draft_a')), 'PT404', null, 'org B cannot read org A''s draft');
select lives_ok(test_support.as_('owner_a', format('select * from api.event_sections(%L)', :'draft_a')), 'org A reads its own draft''s sections');
select throws_ok(test_support.as_('anon', format($$select api.hold_tickets(event_id => %L, items => '[]', session_id => 'sess-aaaaaaaa')$$, :'draft_a')),
  'P0001', null, 'holding validates before anything else');
select throws_ok(test_support.as_('anon', format($$select api.hold_best_available(event_id => %L, quantity => 1, session_id => 'sess-aaaaaaaa')$$, :'draft_a')),
  'PT404', null, 'a draft cannot be held');
select throws_ok(test_support.as_('anon', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-aaaaaaaa')$$,
  :'event_b', test_support.seats(:'stand', array['A1']))), 'PT404', null, 'seats of org A''s event cannot be held through org B''s event');

select * from finish();
rollback;
