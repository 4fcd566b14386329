-- The designer's SQL (260): read a layout for drawing, move/turn, delete, zone, seat
-- attribute switches, JSON import (all or nothing), and the role/published refusals.
begin;
\ir _fixture.sql
select plan(12);

select test_support.v('owner_a', $$select api.create_venue('Designer Ground', 'Gweru')$$) #>> '{}' as venue \gset
select test_support.v('owner_a', format($$select api.create_layout(%L, 'Main')$$, :'venue')) #>> '{}' as lv \gset
select test_support.v('owner_a', format($$select api.add_price_zone(%L, 'Gold', '#b45309', 1)$$, :'lv')) #>> '{}' as gold \gset
select test_support.v('owner_a', format($$select section_id from api.build_seated_section(layout_version_id => %L, name => 'East',
  rows => 3, seats_per_row => 4, origin_x => 10, origin_y => 20)$$, :'lv')) #>> '{}' as east \gset

select is((test_support.v('owner_a', format($$select api.layout_designer(%L)$$, :'lv')) -> 'sections' -> 0 -> 'rows' -> 0 -> 'numbers'),
  '[1, 2, 3, 4]'::jsonb, 'the designer reads rows of seats as columns');
select lives_ok(test_support.as_('owner_a', format($$select api.move_section(%L, 5, -5, 90)$$, :'east')), 'a section can be moved and turned');
select is((select array[x, y] from core.seats where section_id = :'east' and row_label = 'A' and seat_number = 1),
  array[15.0, 13.5]::real[], 'seats turn around the label point, then move');
select lives_ok(test_support.as_('owner_a', format($$select api.set_section_zone(%L, %L)$$, :'east', :'gold')), 'zone set');
select is((select price_zone_id from core.sections where id = :'east'), :'gold'::uuid, 'the section is in the zone');
select is(test_support.v('owner_a', format($$select api.set_seat_attribute(%L, '[{"row": "A", "numbers": [1, 2]}]', 'accessible')$$, :'east')),
  '2'::jsonb, 'two seats marked accessible');
select is((select attributes from core.seats where section_id = :'east' and row_label = 'A' and seat_number = 1),
  array['accessible', 'aisle'], 'other attributes are kept');
select throws_ok(test_support.as_('door_a', format($$select api.delete_section(%L)$$, :'east')), 'PT403', null,
  'door staff may not change layouts');
select is(test_support.v('owner_a', format($$select api.import_layout(%L, %L)$$, :'lv',
  '{"format": "mutambo.layout/1", "zones": [{"name": "Floor", "color": "#0f766e", "rank": 2}],
    "sections": [{"name": "Pit", "kind": "standing", "capacity": 300, "zone": "Floor"},
                 {"name": "Box", "kind": "seated", "rows": [{"label": "A", "numbers": [1, 2], "x": [0, 1], "y": [0, 0], "attributes": ["aisle", ""]}]}]}')),
  '2'::jsonb, 'a layout imports standing and explicit-seat sections');
select throws_ok(test_support.as_('owner_a', format($$select api.import_layout(%L, %L)$$, :'lv',
  '{"format": "mutambo.layout/1", "sections": [{"name": "Ok", "kind": "standing", "capacity": 5}, {"name": "Bad", "kind": "standing", "capacity": 0}]}')),
  'P0001', 'Capacity 0 must be between 1 and 200000', 'import stops at a bad section');
select is((select count(*)::int from core.sections where layout_version_id = :'lv' and name = 'Ok'), 0, 'a failed import adds nothing');
select lives_ok(test_support.as_('owner_a', format($$select api.delete_section(%L)$$, :'east')), 'a draft section can be deleted');

select * from finish();
rollback;
