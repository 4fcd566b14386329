-- Orgs, users and memberships.
begin;
\ir _fixture.sql
select plan(11);

select throws_ok(test_support.as_('admin', $$select api.create_org('Bad Slug Org', 'Bad Slug')$$), 'P0001',
  'Slug "Bad Slug" must be lowercase letters, digits and single dashes', 'a malformed org slug is refused');
select throws_ok(test_support.as_('admin', format($$select api.create_org('Copy', %L)$$, (select slug from core.orgs where id = :'org_a'))),
  '23505', null, 'org slugs are unique');
select throws_ok(test_support.as_('owner_a', $$select api.create_org('Mine', 'mine-org')$$), 'PT403',
  'Only a platform administrator can create organisations', 'org owners cannot create orgs');
select ok(test_support.v('admin', $$select api.create_org('Bulawayo Live', 'bulawayo-live', 'Bulawayo')$$) is not null, 'a platform admin creates an org');

select test_support.v('owner_a', $$select api.add_member('Chipo@Example.com', 'Chipo Banda', 'box_office_agent')$$) #>> '{}' as chipo \gset
select is((select role from core.memberships where org_id = :'org_a' and user_id = :'chipo'), 'box_office_agent', 'the owner adds a member with a role');
select is((select email from core.users where id = :'chipo'), 'chipo@example.com', 'emails are stored in lower case');
select is(test_support.v('owner_a', $$select api.add_member('chipo@example.com', null, 'finance')$$) #>> '{}', :'chipo',
  'adding an existing user by email (any case) changes their role, no duplicate user');
select is(test_support.q('owner_a', 'select email, role from api.org_members()'), '[{"role": "finance", "email": "chipo@example.com"}]'::jsonb,
  'org_members lists the org''s members');
select throws_ok(test_support.as_('owner_a', $$select api.add_member('x@example.com', 'X', 'emperor')$$), 'P0001',
  'Role "emperor" is not an organisation role', 'an unknown role is refused');
select throws_ok(test_support.as_('owner_a', $$select api.add_member('not-an-email', 'X', 'finance')$$), 'P0001',
  'Email "not-an-email" is not a valid address', 'a malformed email is refused');
select throws_ok(test_support.as_('manager_a', $$select api.add_member('y@example.com', 'Y', 'finance')$$), 'PT403', null,
  'an event manager cannot add members');

select * from finish();
rollback;
