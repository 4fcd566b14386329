-- Demo data: an organiser in Harare, two stadiums and a conference centre, and upcoming
-- events on sale with real inventory. Built through the api functions (as a platform
-- admin acting for the org), so the demo exercises the same rules as the product.
-- Dates are relative to now() so the events stay upcoming. Run by scripts/seed.ts, in one
-- transaction, only into a database without orgs.

select set_config('request.jwt.claims', '{"role":"platform_admin"}', true);

do $seed$
declare
  org uuid;
  nss uuid; nss_lv uuid; bf uuid; bf_lv uuid; hicc uuid; hicc_lv uuid;
  z_vip uuid; z_cov uuid; z_end uuid; z_open uuid; z_main uuid; z_terr uuid; z_hall uuid; z_floor uuid;
  ev uuid; ev2 uuid;
  adult uuid; child uuid;
  day date := (now() at time zone 'Africa/Harare')::date;
  -- local time (Harare, UTC+2) on day + d at hh:mm
  at_ timestamptz;
begin
  org := api.create_org(name => 'Harare Sports & Events', slug => 'harare-sports-events', city => 'Harare', country => 'ZW');
  perform set_config('request.jwt.claims', json_build_object('role', 'platform_admin', 'org_id', org)::text, true);
  perform api.add_member(email => 'tatenda.moyo@hse.co.zw', display_name => 'Tatenda Moyo', role => 'org_owner');
  perform api.add_member(email => 'rudo.chikwanha@hse.co.zw', display_name => 'Rudo Chikwanha', role => 'event_manager');
  perform api.add_member(email => 'blessing.ncube@hse.co.zw', display_name => 'Blessing Ncube', role => 'box_office_agent');
  perform api.add_member(email => 'farai.dube@hse.co.zw', display_name => 'Farai Dube', role => 'door_staff');

  -- National Sports Stadium, Harare: 60,000 places. The pitch centre is (0, 0), one unit
  -- is a metre; stands are arcs of a bowl around it (y grows to the south, as on a map).
  nss := api.create_venue(name => 'National Sports Stadium', city => 'Harare', country => 'ZW',
                          address => 'Bulawayo Road, Belvedere, Harare');
  nss_lv := api.create_layout(venue_id => nss, name => 'Football bowl');
  z_vip := api.add_price_zone(nss_lv, 'VIP', '#b45309', 1);
  z_cov := api.add_price_zone(nss_lv, 'Covered Stand', '#1d4ed8', 2);
  z_end := api.add_price_zone(nss_lv, 'Ends', '#047857', 3);
  z_open := api.add_price_zone(nss_lv, 'Open Stand', '#6b7280', 4);
  perform api.build_seated_section(layout_version_id => nss_lv, name => 'VIP', price_zone_id => z_vip,
    rows => 20, seats_per_row => 100, numbering => 'odd_even', seat_spacing => 0.55, row_spacing => 0.9,
    arc_radius => 48, arc_direction_deg => 180, focal_x => -28.8, focal_y => 0.0, accessible_rows => array['A'], sort => 1);
  perform api.build_seated_section(layout_version_id => nss_lv, name => 'Covered Stand', price_zone_id => z_cov,
    rows => 40, seats_per_row => 250, seat_spacing => 0.5, row_spacing => 0.85,
    arc_radius => 68, arc_direction_deg => 180, focal_x => -40.8, focal_y => 0.0, accessible_rows => array['A'], restricted_view_rows => array['PP', 'QQ'], sort => 2);
  perform api.build_seated_section(layout_version_id => nss_lv, name => 'Northern End', price_zone_id => z_end,
    rows => 40, seats_per_row => 100, row_labels => 'numbers', seat_spacing => 0.5, row_spacing => 0.85,
    arc_radius => 72, arc_direction_deg => 270, focal_x => 0.0, focal_y => -43.2, sort => 3);
  perform api.build_seated_section(layout_version_id => nss_lv, name => 'Southern End', price_zone_id => z_end,
    rows => 40, seats_per_row => 100, row_labels => 'numbers', seat_spacing => 0.5, row_spacing => 0.85,
    arc_radius => 72, arc_direction_deg => 90, focal_x => 0.0, focal_y => 43.2, sort => 4);
  perform api.add_standing_section(layout_version_id => nss_lv, name => 'Open Stand', capacity => 40000,
    price_zone_id => z_open, x => 95, y => 0, sort => 5);
  perform api.publish_layout_version(nss_lv);

  -- Barbourfields Stadium, Bulawayo: 40,000 places.
  bf := api.create_venue(name => 'Barbourfields Stadium', city => 'Bulawayo', country => 'ZW',
                         address => 'Luveve Road, Mzilikazi, Bulawayo');
  bf_lv := api.create_layout(venue_id => bf, name => 'Football');
  z_vip := api.add_price_zone(bf_lv, 'VIP', '#b45309', 1);
  z_main := api.add_price_zone(bf_lv, 'Main Stand', '#1d4ed8', 2);
  z_terr := api.add_price_zone(bf_lv, 'Terraces', '#6b7280', 3);
  perform api.build_seated_section(layout_version_id => bf_lv, name => 'VIP Box', price_zone_id => z_vip,
    rows => 12, seats_per_row => 50, seat_spacing => 0.6, row_spacing => 1.0, arc_radius => 45, arc_direction_deg => 180, focal_x => -27.0, focal_y => 0.0,
    accessible_rows => array['A'], sort => 1);
  perform api.build_seated_section(layout_version_id => bf_lv, name => 'Main Stand', price_zone_id => z_main,
    rows => 40, seats_per_row => 180, seats_increment => 1, seat_spacing => 0.5, row_spacing => 0.85,
    arc_radius => 58, arc_direction_deg => 180, focal_x => -34.8, focal_y => 0.0, sort => 2);
  -- 40 rows of 180..219 seats = 7,980; the terraces make up the rest of 40,000
  perform api.add_standing_section(layout_version_id => bf_lv, name => 'Soweto Terrace', capacity => 20000,
    price_zone_id => z_terr, x => 90, y => 0, sort => 3);
  perform api.add_standing_section(layout_version_id => bf_lv, name => 'Northern Terrace', capacity => 5710,
    price_zone_id => z_terr, x => 0, y => -80, sort => 4);
  perform api.add_standing_section(layout_version_id => bf_lv, name => 'Southern Terrace', capacity => 5710,
    price_zone_id => z_terr, x => 0, y => 80, sort => 5);
  perform api.publish_layout_version(bf_lv);

  -- Harare International Conference Centre: a seated hall and an exhibition floor.
  hicc := api.create_venue(name => 'Harare International Conference Centre', city => 'Harare', country => 'ZW',
                           address => 'Pennefather Avenue, Harare');
  hicc_lv := api.create_layout(venue_id => hicc, name => 'Plenary');
  z_hall := api.add_price_zone(hicc_lv, 'Main Hall', '#7c3aed', 1);
  z_floor := api.add_price_zone(hicc_lv, 'Expo Floor', '#0f766e', 2);
  perform api.build_seated_section(layout_version_id => hicc_lv, name => 'Main Hall', price_zone_id => z_hall,
    rows => 40, seats_per_row => 50, seat_spacing => 0.55, row_spacing => 1.0, origin_y => 10, accessible_rows => array['A'],
    sort => 1);
  perform api.add_standing_section(layout_version_id => hicc_lv, name => 'Expo Floor', capacity => 1500,
    price_zone_id => z_floor, x => 0, y => 60, sort => 2);
  perform api.publish_layout_version(hicc_lv);

  -- 1. Football: Dynamos vs Highlanders at the National Sports Stadium.
  at_ := ((day + 9)::timestamp + time '15:00') at time zone 'Africa/Harare';
  ev := api.create_event(layout_version_id => nss_lv, name => 'Dynamos vs Highlanders', starts_at => at_,
    ends_at => at_ + interval '2 hours', doors_open_at => at_ - interval '3 hours', category => 'football',
    performers => array['Dynamos FC', 'Highlanders FC', 'Castle Lager Premier Soccer League'],
    description => 'The biggest fixture in Zimbabwean football. DeMbare host Bosso in the Castle Lager Premier Soccer '
      || 'League at the National Sports Stadium. Gates open three hours before kick-off; no vuvuzelas in the VIP stand.',
    banner_url => '/banners/dynamos-highlanders.svg', currency => 'USD');
  perform api.create_ticket_type(event_id => ev, name => 'Adult',
    prices => '{"VIP": 3000, "Covered Stand": 1000, "Ends": 700, "Open Stand": 300}', max_per_order => 10, sort => 1);
  perform api.create_ticket_type(event_id => ev, name => 'Child (under 12)',
    prices => '{"Covered Stand": 500, "Ends": 300, "Open Stand": 200}', max_per_order => 6, capacity => 5000, sort => 2);
  perform api.create_ticket_type(event_id => ev, name => 'Parking (Gate 3)', kind => 'addon', price_minor => 500,
    capacity => 800, max_per_order => 2, description => 'One car, secure parking at Gate 3');
  perform api.set_event_status(ev, 'on_sale');

  -- 2. Rugby: Zimbabwe Sables vs Namibia, a Rugby Africa Cup test.
  at_ := ((day + 23)::timestamp + time '16:00') at time zone 'Africa/Harare';
  ev := api.create_event(layout_version_id => nss_lv, name => 'Zimbabwe Sables vs Namibia', starts_at => at_,
    ends_at => at_ + interval '2 hours', doors_open_at => at_ - interval '2 hours', category => 'rugby',
    performers => array['Zimbabwe Sables', 'Namibia Welwitschias', 'Rugby Africa Cup'],
    description => 'Rugby Africa Cup test: the Sables face the Welwitschias in Harare with a place in the final at stake. '
      || 'Curtain-raiser by the Zimbabwe Under-20 side at 13:30.',
    banner_url => '/banners/sables-namibia.svg', currency => 'USD');
  adult := api.create_ticket_type(event_id => ev, name => 'Adult',
    prices => '{"VIP": 2500, "Covered Stand": 1000, "Ends": 500, "Open Stand": 300}', sort => 1);
  child := api.create_ticket_type(event_id => ev, name => 'Student', description => 'Bring your student card',
    prices => '{"Covered Stand": 500, "Ends": 300, "Open Stand": 200}', max_per_order => 4, sort => 2);
  perform api.create_ticket_type(event_id => ev, name => 'Rugby club members', hidden => true, unlock_code => 'SABLES2026',
    prices => '{"VIP": 2000, "Covered Stand": 800}', max_per_order => 4, sort => 3);
  perform api.create_quota(event_id => ev, name => 'Concessions', capacity => 6000, ticket_type_ids => array[child]);
  perform api.set_event_status(ev, 'on_sale');

  -- 3. Music festival over two days (a series; each day its own inventory).
  at_ := ((day + 37)::timestamp + time '12:00') at time zone 'Africa/Harare';
  ev := api.create_event(layout_version_id => nss_lv, name => 'Harare Sungura & Jazz Festival', starts_at => at_,
    ends_at => at_ + interval '11 hours', category => 'festival',
    performers => array['Jah Prayzah', 'Winky D', 'Alick Macheso', 'Sulumani Chimbetu', 'Tamy Moyo', 'Mokoomba'],
    description => 'Two days of sungura, Afro-jazz, dancehall and Afro-fusion on two stages, with food stalls from across '
      || 'Zimbabwe. Headliners Jah Prayzah and Winky D; Alick Macheso closes Sunday.',
    banner_url => '/banners/sungura-jazz.svg', currency => 'USD');
  perform api.create_ticket_type(event_id => ev, name => 'General admission',
    prices => '{"Open Stand": 1500, "Ends": 2000, "Covered Stand": 2500}', sort => 1);
  perform api.create_ticket_type(event_id => ev, name => 'VIP lounge', prices => '{"VIP": 7500}', max_per_order => 6, sort => 2);
  perform api.set_event_status(ev, 'on_sale');
  ev2 := api.add_event_date(event_id => ev, starts_at => at_ + interval '1 day');
  perform api.set_event_status(ev2, 'on_sale');

  -- 4. Tech conference at the HICC.
  at_ := ((day + 51)::timestamp + time '08:30') at time zone 'Africa/Harare';
  ev := api.create_event(layout_version_id => hicc_lv, name => 'Zimbabwe Tech Summit', starts_at => at_,
    ends_at => at_ + interval '9 hours', category => 'conference',
    performers => array['Strive Masiyiwa', 'Econet', 'Cassava', 'Harare tech community'],
    description => 'Fintech, mobile money, agritech and AI built in Africa: talks, workshops and an expo floor with over 80 '
      || 'startups. Lunch and Wi-Fi included with a Main Hall pass.',
    banner_url => '/banners/tech-summit.svg', currency => 'USD', orphan_seat_rule => false);
  perform api.create_ticket_type(event_id => ev, name => 'Conference pass', prices => '{"Main Hall": 4500, "Expo Floor": 1000}', sort => 1);
  perform api.create_ticket_type(event_id => ev, name => 'Early bird', prices => '{"Main Hall": 3000}',
    sales_end => now() + interval '14 days', capacity => 300, sort => 2);
  perform api.set_event_status(ev, 'on_sale');

  -- 5. Football in Bulawayo: Highlanders vs CAPS United at Barbourfields.
  at_ := ((day + 16)::timestamp + time '15:00') at time zone 'Africa/Harare';
  ev := api.create_event(layout_version_id => bf_lv, name => 'Highlanders vs CAPS United', starts_at => at_,
    ends_at => at_ + interval '2 hours', category => 'football', doors_open_at => at_ - interval '3 hours',
    performers => array['Highlanders FC', 'CAPS United FC', 'Castle Lager Premier Soccer League'],
    description => 'Bosso welcome the Green Machine to the Emagumeni. Soweto Terrace is standing only.',
    banner_url => '/banners/highlanders-caps.svg', currency => 'USD');
  perform api.create_ticket_type(event_id => ev, name => 'Adult',
    prices => '{"VIP": 2000, "Main Stand": 800, "Terraces": 300}', sort => 1);
  perform api.set_event_status(ev, 'on_sale');
end
$seed$;
