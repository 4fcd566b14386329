-- Outbox dead letters: failures back off and die after max_attempts; staff with
-- manage_integrations see their org's dead letters (without tokens) and retry them; other orgs
-- and roles without the permission are refused.
begin;
\ir _fixture.sql
select plan(12);

insert into core.outbox (org_id, topic, payload, attempts)
values (:'org_a', 'users__send_invite', '{"email":"x@example.com","token":"secret-token"}', 8) returning id as dead_a \gset
insert into core.outbox (org_id, topic, payload, attempts)
values (:'org_b', 'users__send_invite', '{"email":"y@example.com"}', 8) returning id as dead_b \gset

select is(core.outbox_failed(:dead_a, 'SMTP 550', 8), true, 'the 8th failure makes a dead letter');
select core.outbox_failed(:dead_b, 'SMTP 550', 8);
select is((select dead_at is not null and done_at is null from core.outbox where id = :dead_a), true,
  'dead, not done, not deleted');
select is((select count(*)::int from core.outbox_claim(array['users__send_invite'], 100, 60) where id in (:dead_a, :dead_b)),
  0, 'dead letters are never claimed');

select is(test_support.q('owner_a', 'select id, topic, summary, last_error from api.outbox_dead_letters()')
            @> jsonb_build_array(jsonb_build_object('id', :dead_a, 'last_error', 'SMTP 550')), true,
  'the owner sees the dead letter of the org');
select is(test_support.v('owner_a', format('select count(*) from api.outbox_dead_letters() where id = %s', :dead_b))::int, 0,
  'but not another org''s');
select is(test_support.v('owner_a', format('select summary ? ''token'' from api.outbox_dead_letters() where id = %s', :dead_a)),
  'false'::jsonb, 'tokens are not shown');
select throws_ok(test_support.as_('door_a', 'select * from api.outbox_dead_letters()'), 'PT403', null,
  'door staff may not see dead letters');
select throws_ok(test_support.as_('manager_a', format('select api.retry_outbox_message(%s)', :dead_a)), 'PT403', null,
  'an event manager may not retry');
select throws_ok(test_support.as_('owner_a', format('select api.retry_outbox_message(%s)', :dead_b)), 'PT404', null,
  'another org''s message is unknown');

select lives_ok(test_support.as_('owner_a', format('select api.retry_outbox_message(%s)', :dead_a)), 'the owner retries');
select is((select dead_at is null and attempts = 0 and available_at <= now() from core.outbox where id = :dead_a), true,
  'a retried message is due again with its attempts reset');
select throws_ok(test_support.as_('owner_a', format('select api.retry_outbox_message(%s)', :dead_a)), 'PT409', null,
  'a message that is not dead cannot be retried');

select * from finish();
rollback;
