-- The sale's hot helpers (sql/294): plpgsql, so their plans are kept per connection instead of
-- being made again in every transaction, and with the results of the SQL versions they replaced.
begin;
\ir _fixture.sql
select plan(11);

select is(
  (select array_agg(p.proname::text order by p.proname) from pg_proc p
   where p.pronamespace = 'core'::regnamespace and p.prolang = (select oid from pg_language where lanname = 'plpgsql')
     and p.proname in ('hold_json', 'order_json', 'money_text', 'default_zone_ticket_type', 'audit', 'enqueue', 'order_code_check')),
  array['audit', 'default_zone_ticket_type', 'enqueue', 'hold_json', 'money_text', 'order_code_check', 'order_json'],
  'the seven helpers are plpgsql (a SQL function is planned again in every transaction)');

select is(core.money_text(123456, 'USD'), 'USD 1234.56', 'money_text: two minor units');
select is(core.money_text(-5, 'ZAR'), 'ZAR -0.05', 'money_text: negative amounts');
select is(core.money_text(250000, 'UGX'), 'UGX 250000', 'money_text: a currency without minor units');
select is(core.money_text(7, 'XXX'), 'XXX 0.07', 'money_text: an unknown currency has two');
select is(core.money_text(null, 'USD'), null, 'money_text: no amount, no text');

-- the check letter, against the SQL of 122 written out
select is(
  (select count(*)::int from (select left(md5(g::text), 7) as b from generate_series(1, 200) g) s,
     translate(upper(s.b), '01IOL', '23456') as body
   where core.order_code_check(body) is distinct from
     (select substr(core.order_code_alphabet(),
                    (sum(i * (strpos(core.order_code_alphabet(), substr(body, i, 1)) - 1)) % 31)::int + 1, 1)
      from generate_series(1, length(body)) i)),
  0, 'order_code_check gives the letters the SQL version gave');
select ok(core.normalize_order_code(core.new_order_code()) is not null, 'a new order code still passes its check');

select lives_ok($$select core.audit(null, 'test.helper', 'test', 'x', null)$$, 'audit writes');
select is((select actor_role || ' ' || details::text from core.audit_log where action = 'test.helper'),
  'system {}', 'audit: no claims is the system, no details is {}');
select core.enqueue(null, 'test__helper', '{"n": 1}') as queued \gset
select is((select topic || ' ' || payload::text from core.outbox where id = :queued), 'test__helper {"n": 1}',
  'enqueue returns the id of the row it queued');

select * from finish();
rollback;
