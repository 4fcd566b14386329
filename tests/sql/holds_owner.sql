-- Hold ownership by session (api.get_hold / extend_hold / release_hold in sql/105_holds.sql): the token alone is enough, but a
-- caller that names its session sees, extends and releases only that session's holds.
begin;
\ir _fixture.sql
select plan(7);

select test_support.v('anon', format($$select api.hold_seats(event_id => %L, seat_ids => %L, session_id => 'sess-owner-0001')$$,
  :'event_a', test_support.seats(:'stand', array['D4', 'D5']))) as h \gset
select :'h'::jsonb ->> 'token' as t \gset

select is(test_support.v('anon', format('select api.get_hold(%L) ->> %L', :'t', 'token')), to_jsonb(:'t'::text),
  'the token alone reads the hold');
select is(test_support.v('anon', format('select api.get_hold(%L, %L) ->> %L', :'t', 'sess-owner-0001', 'token')), to_jsonb(:'t'::text),
  'the owning session reads its hold');
select throws_ok(test_support.as_('anon', format('select api.get_hold(%L, %L)', :'t', 'sess-other-0002')), 'PT404', null,
  'another session does not find the hold');
select throws_ok(test_support.as_('anon', format('select api.extend_hold(%L, %L)', :'t', 'sess-other-0002')), 'PT404', null,
  'another session cannot extend the hold');
select throws_ok(test_support.as_('anon', format('select api.release_hold(%L, %L)', :'t', 'sess-other-0002')), 'PT404', null,
  'another session cannot release the hold');
select is((select count(*)::int from core.event_seats where hold_id = (select id from core.holds where token = :'t') and held_until > now()), 2,
  'the refused calls left the seats held');
select lives_ok(test_support.as_('anon', format('select api.release_hold(%L, %L)', :'t', 'sess-owner-0001')),
  'the owning session releases its hold');

select * from finish();
rollback;
