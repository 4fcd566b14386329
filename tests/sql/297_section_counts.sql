-- The recount of section counts writes only the sections whose counts changed.
begin;
\ir _fixture.sql
select plan(7);

select core.refresh_section_counts(:'event_a');
select is(core.refresh_section_counts(:'event_a'), 0, 'a recount that finds the same numbers writes nothing');
select ctid as stand_ctid from core.event_section_counts where event_section_id = :'stand' \gset
select lives_ok('select core.refresh_section_counts(null)', 'the every-minute recount of every event on sale runs');
select is((select ctid::text from core.event_section_counts where event_section_id = :'stand'), :'stand_ctid',
  'and leaves an unchanged section''s row as it was');

update core.event_seats set state = 'sold' where id = test_support.seat(:'stand', 'A1');
-- the Upper's rows are numbered: row 1, seat 1 is "11"
update core.event_seats set state = 'blocked' where id = test_support.seat(:'upper', '11');
select is(core.refresh_section_counts(:'event_a'), 2, 'a sale and a block: the two sections they changed are written');
select is((select sold from core.event_section_counts where event_section_id = :'stand'), 1, 'the Stand counts its sold seat');
select is((select blocked from core.event_section_counts where event_section_id = :'upper'), 1, 'the Upper counts its blocked seat');
select is((select count(*)::int from core.event_section_counts where event_id = :'event_a'),
  (select count(*)::int from core.event_sections where event_id = :'event_a'), 'every section still has its count row');

select * from finish();
rollback;
