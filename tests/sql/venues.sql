-- Venues and layouts: the set-based section builder (labels, numbering, rows of different
-- lengths, arcs, attributes), validation, publishing, versioning, and a 60,000-seat build.
begin;
\ir _fixture.sql
select plan(27);

select test_support.v('owner_a', $$select api.create_venue('Builder Ground', 'Bulawayo')$$) #>> '{}' as venue \gset
select test_support.v('owner_a', format($$select api.create_layout(%L, 'Test')$$, :'venue')) #>> '{}' as lv \gset

select is(test_support.q('owner_a', format($$select seat_count from api.build_seated_section(layout_version_id => %L, name => 'Letters',
  rows => 10, seats_per_row => 6, numbering => 'rtl')$$, :'lv')), '[{"seat_count": 60}]'::jsonb, 'rows x seats are built');
select id as letters from core.sections where layout_version_id = :'lv' and name = 'Letters' \gset
select is((select array_agg(distinct row_label order by row_label) from core.seats where section_id = :'letters'),
  array['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K'], 'lettered rows skip I and O');
select is((select seat_number from core.seats where section_id = :'letters' and row_label = 'A' and seat_index = 1), 6,
  'right-to-left numbering puts the highest number on the left');
select is((select attributes from core.seats where section_id = :'letters' and row_label = 'A' and seat_index = 1), array['aisle'],
  'row ends are aisle seats');

select lives_ok(test_support.as_('owner_a', format($$select api.build_seated_section(layout_version_id => %L, name => 'OddEven',
  rows => 2, seats_per_row => 6, numbering => 'odd_even', row_labels => 'numbers', first_row => '5', accessible_rows => '{5}')$$, :'lv')),
  'odd/even numbering with numbered rows');
select id as oddeven from core.sections where layout_version_id = :'lv' and name = 'OddEven' \gset
select is((select array_agg(seat_number order by seat_index) from core.seats where section_id = :'oddeven' and row_label = '5'),
  array[5, 3, 1, 2, 4, 6], 'odd numbers run left from the centre, even numbers right');
select is((select array_agg(distinct row_label order by row_label) from core.seats where section_id = :'oddeven'), array['5', '6'],
  'numbered rows start at first_row');
select ok((select bool_and('accessible' = any(attributes)) from core.seats where section_id = :'oddeven' and row_label = '5'),
  'accessible rows are marked');

select lives_ok(test_support.as_('owner_a', format($$select api.build_seated_section(layout_version_id => %L, name => 'Bowl',
  rows => 3, seats_per_row_list => '{10,12,14}', arc_radius => 50, arc_direction_deg => 90, row_spacing => 1)$$, :'lv')),
  'an arc with a per-row list of seats');
select id as bowl from core.sections where layout_version_id = :'lv' and name = 'Bowl' \gset
select is((select array_agg(c order by r) from (select row_index r, count(*)::int c from core.seats where section_id = :'bowl' group by 1) x),
  array[10, 12, 14], 'each row has its own number of seats');
select ok((select bool_and(abs(sqrt(x * x + y * y) - (49 + row_index)) < 0.05) from core.seats where section_id = :'bowl'),
  'seats of row r lie on the arc of radius 50 + (r - 1) around the centre');
select ok((select bool_and(y > 45) from core.seats where section_id = :'bowl'), 'direction 90 puts the arc south of the centre');
select ok((select distance from core.seats where section_id = :'bowl' and row_index = 1 and seat_index = 5)
          < (select distance from core.seats where section_id = :'bowl' and row_index = 1 and seat_index = 1),
  'on an arc the middle of a row ranks above its ends (default focal point in front of the stand)');

select throws_ok(test_support.as_('owner_a', format($$select api.build_seated_section(layout_version_id => %L, name => 'Bad', rows => 0, seats_per_row => 5)$$, :'lv')),
  'P0001', 'Rows 0 must be between 1 and 200', 'zero rows are refused');
select throws_ok(test_support.as_('owner_a', format($$select api.build_seated_section(layout_version_id => %L, name => 'Bad', rows => 2, seats_per_row => 5, numbering => 'zigzag')$$, :'lv')),
  'P0001', 'Numbering "zigzag" must be ltr, rtl or odd_even', 'an unknown numbering is refused');
select throws_ok(test_support.as_('owner_a', format($$select api.build_seated_section(layout_version_id => %L, name => 'Bad', rows => 3, seats_per_row_list => '{1,2}')$$, :'lv')),
  'P0001', 'seats_per_row_list has 2 entries but the section has 3 rows', 'a per-row list of the wrong length is refused');
select throws_ok(test_support.as_('owner_a', format($$select api.build_seated_section(layout_version_id => %L, name => 'Letters', rows => 1, seats_per_row => 5)$$, :'lv')),
  '23505', null, 'a section name is unique in a layout');
select throws_ok(test_support.as_('owner_a', format($$select api.build_seated_section(layout_version_id => %L, name => 'Bad', rows => 2, seats_per_row => 501)$$, :'lv')),
  'P0001', 'Seats per row 501 must be between 1 and 500', 'more than 500 seats in a row are refused');

-- publishing and versions
select throws_ok(test_support.as_('owner_a', format($$select api.create_event(layout_version_id => %L, name => 'Too early', starts_at => now() + interval '3 days')$$, :'lv')),
  'PT409', null, 'events cannot be created from a draft layout');
select is(test_support.v('owner_a', format('select api.publish_layout_version(%L)', :'lv')), '108'::jsonb, 'publishing returns the capacity');
select throws_ok(test_support.as_('owner_a', format($$select api.add_price_zone(%L, 'Late')$$, :'lv')), 'PT409',
  'Layout version 1 is published and cannot be changed; copy it to a new version first', 'a published version is frozen');
select test_support.v('owner_a', format($$select api.create_event(layout_version_id => %L, name => 'From v1', starts_at => now() + interval '3 days')$$, :'lv')) #>> '{}' as ev1 \gset
select test_support.v('owner_a', format('select api.copy_layout_version(%L)', :'lv')) #>> '{}' as lv2 \gset
select is((select count(*)::int from core.seats s join core.sections x on x.id = s.section_id where x.layout_version_id = :'lv2'), 108,
  'a copied version has every seat');
select lives_ok(test_support.as_('owner_a', format($$select api.add_standing_section(%L, 'New Terrace', 500)$$, :'lv2')), 'the new version can be edited');
select is((select count(*)::int from core.event_seats where event_id = :'ev1'), 108, 'the event made from version 1 keeps its inventory');
select is((select version from core.layout_versions where id = :'lv2'), 2, 'the copy is version 2');
select throws_ok(test_support.as_('owner_a', format($$select api.publish_layout_version(%L)$$,
  test_support.v('owner_a', format($$select api.create_layout(%L, 'Empty')$$, :'venue')) #>> '{}')), 'PT422', null, 'an empty layout cannot be published');

-- a 60,000-place stadium: three 20,000-seat arcs built and copied into an event
select test_support.v('owner_a', format($$select api.create_layout(%L, 'Stadium')$$, :'venue')) #>> '{}' as big \gset
select clock_timestamp() as t0 \gset
select test_support.run('owner_a', format($$select api.build_seated_section(layout_version_id => %L, name => 'Stand ' || d,
  rows => 100, seats_per_row => 200, arc_radius => 60, arc_direction_deg => d, seat_spacing => 0.5, row_spacing => 0.8) from unnest('{0,120,240}'::int[]) d$$, :'big'));
select test_support.run('owner_a', format('select api.publish_layout_version(%L)', :'big'));
select test_support.run('owner_a', format($$select api.create_event(layout_version_id => %L, name => 'Big one', starts_at => now() + interval '4 days')$$, :'big'));
select diag('60,000 seats built and copied into an event in ' || round(extract(epoch from clock_timestamp() - :'t0'::timestamptz)::numeric, 2) || ' s');
select is((select count(*)::int from core.event_seats es join core.events e on e.id = es.event_id where e.name = 'Big one' and e.org_id = :'org_a'), 60000,
  'a 60,000-seat stadium is built set-based and copied into an event');

select * from finish();
rollback;
