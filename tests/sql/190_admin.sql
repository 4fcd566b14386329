-- Admin sign-in, passwords, team and the admin's order/audit functions: each role allowed or
-- refused as core.role_permissions says, and nothing across orgs.
begin;
\ir _fixture.sql
select plan(53);

insert into test_support.actors values
  ('finance_a', 'finance', :'org_a', gen_random_uuid()),
  ('readonly_a', 'read_only', :'org_a', gen_random_uuid()),
  ('promoter_a', 'promoter', :'org_a', gen_random_uuid());
insert into core.users (id, email, display_name)
select sub, name || '-' || substr(md5(random()::text), 1, 8) || '@example.com', initcap(replace(name, '_', ' '))
from test_support.actors where name in ('finance_a', 'readonly_a', 'promoter_a');
insert into core.memberships (org_id, user_id, role)
select org_id, sub, role from test_support.actors where org_id is not null and role <> 'platform_admin';
update core.users set is_platform_admin = true where id = (select sub from test_support.actors where name = 'admin');
select email as owner_email from core.users where id = (select sub from test_support.actors where name = 'owner_a') \gset
select sub as manager_sub from test_support.actors where name = 'manager_a' \gset
select sub as owner_sub from test_support.actors where name = 'owner_a' \gset
update core.users set password_hash = crypt('correct horse battery', gen_salt('bf', 4)) where email = :'owner_email';

-- login -----------------------------------------------------------------------------------
select is(test_support.v('anon', format($$select api.login(%L, 'correct horse battery') ->> 'user_id'$$, upper(:'owner_email'))) #>> '{}',
  :'owner_sub', 'login: the right password (email in any case) signs in');
select throws_ok(test_support.as_('anon', format($$select api.login(%L, 'wrong password!')$$, :'owner_email')),
  'PT401', 'Email or password is wrong', 'login: a wrong password gets the generic message');
select throws_ok(test_support.as_('anon', $$select api.login('nobody@example.com', 'correct horse battery')$$),
  'PT401', 'Email or password is wrong', 'login: an unknown email gets the same message');
select throws_ok(test_support.as_('anon', format($$select api.login(%L, 'x')$$,
  (select email from core.users where id = :'manager_sub'))), 'PT401', 'Email or password is wrong',
  'login: a user without a password cannot sign in');
select ok(test_support.v('anon', format($$select api.login(%L, 'correct horse battery') -> 'memberships' -> 0 ->> 'role'$$, :'owner_email')) #>> '{}' = 'org_owner',
  'login lists the memberships');
select throws_ok(test_support.as_('buyer', format($$select api.login(%L, 'x')$$, :'owner_email')), '42501', null,
  'login is for anon only');

-- password reset ----------------------------------------------------------------------------
select lives_ok(test_support.as_('anon', format($$select api.request_password_reset(%L)$$, :'owner_email')), 'reset requested');
select lives_ok(test_support.as_('anon', $$select api.request_password_reset('nobody@example.com')$$), 'unknown address: same answer');
select throws_ok(test_support.as_('anon', $$select api.request_password_reset('not-an-email')$$), 'P0001', null, 'malformed address refused');
select payload ->> 'token' as reset_token from core.outbox where topic = 'users__send_password_reset' order by id desc limit 1 \gset
select is((select count(*)::int from core.outbox where topic = 'users__send_password_reset' and payload ->> 'email' = :'owner_email'), 1,
  'one outbox row for the known address, none for the unknown');
select ok(not exists (select from core.user_tokens where token_hash = convert_to(:'reset_token', 'UTF8'))
  and exists (select from core.user_tokens where token_hash = digest(:'reset_token', 'sha256')), 'only the token''s hash is stored');
select throws_ok(test_support.as_('anon', format($$select api.reset_password(%L, 'short')$$, :'reset_token')), 'P0001',
  'The password must be at least 10 characters long', 'reset: short passwords refused with a clear message');
select lives_ok(test_support.as_('anon', format($$select api.reset_password(%L, 'a brand new password')$$, :'reset_token')), 'reset with the token');
select throws_ok(test_support.as_('anon', format($$select api.reset_password(%L, 'another new password')$$, :'reset_token')), 'PT404', null,
  'the token works once');
select is(test_support.v('anon', format($$select api.login(%L, 'a brand new password') ->> 'email'$$, :'owner_email')) #>> '{}', :'owner_email',
  'the new password signs in');
select lives_ok(test_support.as_('anon', format($$select api.request_password_reset(%L)$$, :'owner_email')), 'another reset');
select payload ->> 'token' as reset2 from core.outbox where topic = 'users__send_password_reset' order by id desc limit 1 \gset
update core.user_tokens set expires_at = now() - interval '1 minute' where token_hash = digest(:'reset2', 'sha256');
select throws_ok(test_support.as_('anon', format($$select api.reset_password(%L, 'a brand new password 2')$$, :'reset2')), 'PT410', null,
  'an expired token says so');

-- my_permissions ----------------------------------------------------------------------------
select is(test_support.v('door_a', $$select api.my_permissions() -> 'permissions' ->> 'manage_events'$$) #>> '{}', 'false', 'door staff may not manage events');
select is(test_support.v('door_a', $$select api.my_permissions() -> 'permissions' ->> 'check_in'$$) #>> '{}', 'true', 'door staff may check in');
select is(test_support.v('finance_a', $$select api.my_permissions() -> 'permissions' ->> 'refund'$$) #>> '{}', 'true', 'finance may refund');
select is(test_support.v('admin', $$select jsonb_array_length(api.my_permissions() -> 'orgs') > 1$$) #>> '{}', 'true', 'a platform admin sees every org');
update test_support.actors set role = 'org_owner' where name = 'door_a';
select throws_ok(test_support.as_('door_a', $$select api.my_permissions()$$), 'PT401', null, 'a role claim without the membership is refused');
update test_support.actors set role = 'door_staff' where name = 'door_a';

-- team ----------------------------------------------------------------------------------------
select lives_ok(test_support.as_('owner_a', $$select api.invite_member('new.person@example.com', 'New Person', 'finance')$$), 'owner invites');
select is((select payload ->> 'role' from core.outbox where topic = 'users__send_invite' order by id desc limit 1), 'finance', 'invite queued with a token');
select ok((select payload ->> 'token' from core.outbox where topic = 'users__send_invite' order by id desc limit 1) is not null, 'new users get a set-password token');
select throws_ok(test_support.as_('owner_a', $$select api.invite_member('new.person@example.com', 'New Person', 'finance')$$), '23505', null, 'no double membership');
select throws_ok(test_support.as_('manager_a', $$select api.invite_member('x1@example.com', 'X', 'finance')$$), 'PT403', null, 'manager may not invite');
select throws_ok(test_support.as_('door_a', $$select api.invite_member('x2@example.com', 'X', 'finance')$$), 'PT403', null, 'door staff may not invite');
select throws_ok(test_support.as_('owner_a', $$select api.invite_member('x3@example.com', 'X', 'platform_admin')$$), 'P0001', null, 'not an org role');
select throws_ok(test_support.as_('owner_a', format($$select api.set_member_role(%L, 'read_only')$$, :'owner_sub')), 'PT409',
  'The organisation must keep at least one owner', 'the last owner stays');
select lives_ok(test_support.as_('owner_a', format($$select api.set_member_role(%L, 'finance')$$, :'manager_sub')), 'owner re-roles');
select throws_ok(test_support.as_('owner_b', format($$select api.remove_member(%L)$$, :'manager_sub')), 'PT404', null, 'another org''s member is not found');
select throws_ok(test_support.as_('promoter_a', format($$select api.remove_member(%L)$$, :'manager_sub')), 'PT403', null, 'promoter may not remove');
select lives_ok(test_support.as_('owner_a', format($$select api.remove_member(%L)$$, :'manager_sub')), 'owner removes');
select is((select count(*)::int from core.audit_log where org_id = :'org_a' and action in ('member.invited', 'member.role_changed', 'member.removed')), 3,
  'team changes are audited');
update test_support.actors set role = 'finance' where name = 'manager_a';
insert into core.memberships values (:'org_a', :'manager_sub', 'event_manager');
update test_support.actors set role = 'event_manager' where name = 'manager_a';

create function test_support.hold(actor text, labels text[]) returns text
language sql as $$
  select test_support.v(actor, format('select api.hold_seats(event_id => %L, seat_ids => %L, session_id => %L)',
    (select id from core.events where name = 'Test Match' and org_id = (select org_id from test_support.actors where name = 'owner_a')),
    test_support.seats((select s.id from core.event_sections s join core.events e on e.id = s.event_id
                        where e.name = 'Test Match' and s.name = 'Stand' and e.org_id = (select org_id from test_support.actors where name = 'owner_a')), labels),
    'sess-' || actor || '-0001')) ->> 'token'
$$;
-- orders -------------------------------------------------------------------------------------
select test_support.hold('buyer', array['B1', 'B2']) as t1 \gset
select test_support.v('buyer', format($$select api.create_order(hold_token => %L, buyer_email => 'chipo@example.com', buyer_name => 'Chipo Banda',
  buyer_phone => '+263771234567', attendees => '["Chipo Banda", "Tari Banda"]')$$, :'t1')) ->> 'id' as o1 \gset
select test_support.run('owner_a', format($$select api.mark_order_paid(%L, 'ref-190-1')$$, :'o1'));
select is(test_support.v('owner_a', $$select count(*) from api.search_orders(q => 'chipo@EXAMPLE')$$) #>> '{}', '1', 'search by email');
select is(test_support.v('box_a', $$select count(*) from api.search_orders(q => '0771 234 567')$$) #>> '{}', '1', 'search by phone digits');
select is(test_support.v('readonly_a', format($$select count(*) from api.search_orders(q => %L)$$, (select left(code, 4) || '-' || right(code, 4) from core.orders where id = :'o1'))) #>> '{}', '1', 'search by printed code');
select is(test_support.v('owner_b', $$select count(*) from api.search_orders(q => 'chipo')$$) #>> '{}', '0', 'another org finds nothing');
select throws_ok(test_support.as_('door_a', $$select * from api.search_orders()$$), 'PT403', null, 'door staff may not search orders');
select throws_ok(test_support.as_('owner_b', format($$select api.admin_order(%L)$$, :'o1')), 'PT404', null, 'another org''s order is not found');
select throws_ok(test_support.as_('door_a', format($$select api.set_attendee_name(%L, (select id from core.tickets where order_id = %L limit 1), 'X Y')$$, :'o1', :'o1')),
  'PT403', null, 'door staff may not rename attendees');
select lives_ok(test_support.as_('box_a', format($$select api.set_attendee_name(%L, %L, 'Rufaro Banda')$$, :'o1',
  (select id from core.tickets where order_id = :'o1' order by order_item_id limit 1))), 'box office renames an attendee');
select is((select details ->> 'to' from core.audit_log where action = 'ticket.attendee_changed' order by id desc limit 1), 'Rufaro Banda', 'the rename is audited');
select lives_ok(test_support.as_('box_a', format($$select api.resend_tickets(%L)$$, :'o1')), 'box office resends tickets');
select throws_ok(test_support.as_('box_a', format($$select api.refund_order(%L, 'Customer asked')$$, :'o1')), 'PT403', null, 'box office may not refund');
select throws_ok(test_support.as_('readonly_a', format($$select api.resend_tickets(%L)$$, :'o1')), 'PT403', null, 'read-only may not resend');
select lives_ok(test_support.as_('finance_a', format($$select api.refund_order(%L, 'Partial goodwill', 500)$$, :'o1')), 'finance records a partial refund');
select is(test_support.v('owner_a', format($$select api.refund_order(%L, 'Customer asked') ->> 'status'$$, :'o1')) #>> '{}', 'refund_pending', 'a full refund cancels into refund_pending');
select throws_ok(test_support.as_('box_a', $$select * from api.export_orders()$$), 'PT403', null, 'box office may not export');
select is(test_support.v('owner_b', $$select count(*) from api.export_orders()$$) #>> '{}', '0', 'export is per org');
select throws_ok(test_support.as_('box_a', $$select * from api.audit_entries()$$), 'PT403', null, 'box office may not read the audit log');
select is(test_support.v('owner_b', $$select count(*) from api.audit_entries(of_type => 'order')$$) #>> '{}', '0', 'no other org''s audit rows');

select * from finish();
rollback;
