-- Door scanning (sql/170): pairing, every scan result, replays, re-entry, order codes,
-- device revocation, RLS per device event, offline sync with duplicates, the manifest.
begin;
\ir _fixture.sql
select plan(68);

-- A paid ticket of `ev` (order + item + ticket rows, as the engine would leave them).
create function test_support.ticket(ev uuid, tt uuid, section uuid, who text, n int default 1) returns uuid
language plpgsql as $$
declare
  o uuid;
  e core.events;
  first uuid;
  t uuid;
  item bigint;
begin
  select * into e from core.events where id = ev;
  insert into core.orders (org_id, event_id, code, access_token_hash, status, channel, buyer_email, currency,
                           subtotal_minor, discount_minor, fees_minor, tax_minor, tax_inclusive, total_minor, lines, expires_at, paid_at,
                           payment_provider, payment_reference)
  values (e.org_id, e.id, core.new_order_code(), '\x00', 'paid', 'web', 'fan@example.com', e.currency, 0, 0, 0, 0, true, 0, '[]',
          now() + interval '1 hour', now(), 'test', gen_random_uuid()::text)
  returning id into o;
  for i in 1..n loop
    insert into core.order_items (order_id, org_id, kind, ticket_type_id, event_section_id, description, attendee_name, price_minor)
    values (o, e.org_id, 'admission', tt, section, 'Ticket', who, 0) returning id into item;
    insert into core.tickets (org_id, event_id, order_id, order_item_id, ticket_type_id, attendee_name, secret)
    values (e.org_id, e.id, o, item, tt, who, core.new_ticket_secret()) returning id into t;
    first := coalesce(first, t);
  end loop;
  return first;
end $$;

-- The QR text of a ticket (unsigned part + a dummy signature; SQL checks id and secret).
create function test_support.qr(ticket uuid) returns text
language sql as $$
  select 'MT1.' || core.b64url(uuid_send(t.id)) || '.' || core.b64url(uuid_send(t.event_id)) || '.' ||
         core.secret_check(t.secret) || '.' || 'sz1abc' || '.' || repeat('A', 86)
  from core.tickets t where t.id = ticket
$$;

-- Runs `query` with a scanner device's token: claims set, pre-request hook, then the query.
create function test_support.dev(device uuid, query text, claims jsonb default null) returns jsonb
language plpgsql as $$
declare
  d core.scan_devices;
  result jsonb;
begin
  select * into d from core.scan_devices where id = device;
  perform set_config('request.jwt.claims', coalesce(claims, jsonb_build_object('role', 'scanner', 'org_id', d.org_id,
    'event_id', d.event_id, 'gate_id', d.gate_id, 'device_id', d.id))::text, true);
  perform set_config('role', 'scanner', true);
  perform auth.pre_request();
  execute format('select to_jsonb(x) from (%s) x(v)', query) into result;
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
  return result -> 'v';
end $$;

create function test_support.scan(device uuid, code text, direction text default 'in', scan_id uuid default gen_random_uuid()) returns jsonb
language sql as $$
  select test_support.dev(device, format('select api.scan(scan_id => %L, code => %L, direction => %L)', scan_id, code, direction))
$$;

-- Gates and pairing ------------------------------------------------------------------------
select test_support.v('manager_a', format('select api.save_gate(%L, %L, sort => 1)', :'event_a', 'North')) #>> '{}' as north \gset
select test_support.v('manager_a', format('select api.save_gate(%L, %L, sort => 2)', :'event_a', 'South')) #>> '{}' as south \gset
select test_support.v('owner_b', format('select api.save_gate(%L, %L)', :'event_b', 'Main')) #>> '{}' as gate_b \gset
select throws_ok(test_support.as_('manager_a', format('select api.save_gate(%L, %L)', :'event_a', 'North')), '23505', null,
  'a gate name is unique per event');
select throws_ok(test_support.as_('door_a', format('select api.save_gate(%L, %L)', :'event_a', 'East')), 'PT403', null,
  'door staff may not add gates');

select test_support.v('door_a', format('select api.create_pairing_code(%L, %L)', :'event_a', :'north')) as p1 \gset
select ok(:'p1'::jsonb ->> 'code' ~ '^[2-9A-HJKMNP-Z]{8}$', 'door staff create a pairing code of 8 characters');
select throws_ok(test_support.as_('box_a', format('select api.create_pairing_code(%L, %L)', :'event_a', :'north')), 'PT403', null,
  'a box office agent may not pair devices');
select throws_ok(test_support.as_('owner_b', format('select api.create_pairing_code(%L, %L)', :'event_a', :'north')), 'PT404', null,
  'another org cannot make codes for our event');
select throws_ok(test_support.as_('manager_a', format('select api.create_pairing_code(%L, %L)', :'event_a', :'gate_b')), 'PT404', null,
  'a gate of another event is refused');

select test_support.v('anon', format('select api.pair_device(%L, %L)', lower(:'p1'::jsonb ->> 'code_display'), 'North phone 1')) as d1 \gset
select :'d1'::jsonb ->> 'device_id' as dev_n \gset
select is(:'d1'::jsonb ->> 'gate_name', 'North', 'anon pairs a device with the code (any case, with the dash)');
select throws_ok(test_support.as_('anon', format('select api.pair_device(%L, %L)', :'p1'::jsonb ->> 'code', 'Again')), 'PT404', null,
  'a pairing code works once');
select throws_ok(test_support.as_('anon', format('select api.pair_device(%L, %L)', 'ZZZZ-ZZZ2', 'X')), 'P0001', null,
  'a mistyped code (wrong check character) is a clear 400');
insert into core.device_pairings (code, org_id, event_id, gate_id, expires_at)
values ('ABCDEFG' || core.order_code_check('ABCDEFG'), :'org_a', :'event_a', :'north', now() - interval '1 minute');
select throws_ok(test_support.as_('anon', format('select api.pair_device(%L, %L)', 'ABCDEFG' || core.order_code_check('ABCDEFG'), 'X')),
  'PT410', null, 'an expired code is refused');

select (test_support.v('anon', format('select api.pair_device(%L, %L)',
  test_support.v('manager_a', format('select api.create_pairing_code(%L, %L)', :'event_a', :'south')) ->> 'code', 'South phone'))) ->> 'device_id' as dev_s \gset
select (test_support.v('anon', format('select api.pair_device(%L, %L)',
  test_support.v('owner_b', format('select api.create_pairing_code(%L, %L)', :'event_b', :'gate_b')) ->> 'code', 'B phone'))) ->> 'device_id' as dev_b \gset

-- Tickets
select test_support.ticket(:'event_a', :'tt_adult', :'stand', 'Tendai Moyo') as t1 \gset
select test_support.ticket(:'event_a', :'tt_adult', :'stand', 'Ama Mensah') as t2 \gset
select test_support.ticket(:'event_b', :'tt_b', null, 'Chanda Banda') as tb \gset
select test_support.ticket(:'event_a', :'tt_adult', :'stand', 'Kofi Boateng') as t_cancel \gset
update core.tickets set status = 'cancelled', cancelled_at = now() where id = :'t_cancel';

-- Results without lists (one implicit list: any gate, single entry) -----------------------
select gen_random_uuid() as s1 \gset
select test_support.scan(:'dev_n', test_support.qr(:'t1'), 'in', :'s1') as r \gset
select is(:'r'::jsonb ->> 'result', 'admitted', 'a valid ticket is admitted');
select is(:'r'::jsonb -> 'ticket' ->> 'attendee_name', 'Tendai Moyo', 'the answer carries the attendee''s name');
select is(:'r'::jsonb -> 'ticket' ->> 'ticket_type', 'Adult', 'and the ticket type');
select is(test_support.scan(:'dev_n', test_support.qr(:'t1'), 'in', :'s1') ->> 'result', 'admitted', 'the same scan id replays its answer');
select ok((test_support.scan(:'dev_n', test_support.qr(:'t1'), 'in', :'s1') ->> 'replay')::boolean, 'marked as a replay');
select is((select count(*)::int from core.scans where id = :'s1'), 1, 'a replay records nothing new');
select test_support.scan(:'dev_s', test_support.qr(:'t1')) as r \gset
select is(:'r'::jsonb ->> 'result', 'already_used', 'a second scan of the ticket is already_used');
select is(:'r'::jsonb ->> 'used_gate', 'North', 'with the gate where it was used');
select ok((:'r'::jsonb ->> 'used_at')::timestamptz is not null, 'and when');
select is(test_support.scan(:'dev_n', test_support.qr(:'tb')) ->> 'result', 'wrong_event', 'a ticket of another org''s event is wrong_event');
select is(test_support.scan(:'dev_b', test_support.qr(:'t2')) ->> 'result', 'wrong_event', 'and the other way round');
select is(test_support.scan(:'dev_n', test_support.qr(:'t_cancel')) ->> 'result', 'cancelled_or_refunded', 'a cancelled ticket never admits');
select is(test_support.scan(:'dev_n', overlay(test_support.qr(:'t2') placing 'AAAAAAAAAAAA' from 51 for 12)) ->> 'result', 'invalid',
  'an altered check (not this ticket''s secret) is invalid');
select is(test_support.scan(:'dev_n', 'hello world') ->> 'result', 'invalid', 'an unreadable code is invalid');
select is(test_support.dev(:'dev_n', format('select api.scan(scan_id => %L, code => %L, signature_ok => false)', gen_random_uuid(),
  test_support.qr(:'t2'))) ->> 'result', 'invalid', 'a code whose signature the server refused is invalid');
select is((select count(*)::int from core.ticket_checkins where ticket_id = :'t2'), 0, 'refused scans admit nobody');

-- Lists: wrong gate, not yet valid, no list, re-entry -------------------------------------
select test_support.v('manager_a', format('select api.save_check_in_list(event_id => %L, name => %L, ticket_type_ids => array[%L]::uuid[])',
  :'event_a', 'General', :'tt_adult')) #>> '{}' as l_general \gset
select test_support.v('manager_a', format('select api.save_check_in_list(event_id => %L, name => %L, ticket_type_ids => array[%L]::uuid[], gate_ids => array[%L]::uuid[])',
  :'event_a', 'Members', :'tt_members', :'south')) #>> '{}' as l_members \gset
select test_support.v('manager_a', format('select api.save_check_in_list(event_id => %L, name => %L, ticket_type_ids => array[%L]::uuid[], valid_from => now() + interval ''1 hour'')',
  :'event_a', 'Children late', :'tt_child')) #>> '{}' as l_child \gset
select test_support.v('manager_a', format('select api.save_check_in_list(event_id => %L, name => %L, mode => %L, section_ids => array[%L]::uuid[])',
  :'event_a', 'Terrace', 'reentry', :'terrace')) #>> '{}' as l_terrace \gset
select throws_ok(test_support.as_('manager_a', format('select api.save_check_in_list(event_id => %L, name => %L, gate_ids => array[%L]::uuid[])',
  :'event_a', 'Bad', :'gate_b')), 'P0001', null, 'a list with another event''s gate is refused');
select throws_ok(test_support.as_('door_a', format('select api.save_check_in_list(event_id => %L, name => %L)', :'event_a', 'Door')), 'PT403', null,
  'door staff may not change lists');

select test_support.ticket(:'event_a', :'tt_members', :'stand', 'Member One') as t_member \gset
select test_support.scan(:'dev_n', test_support.qr(:'t_member')) as r \gset
select is(:'r'::jsonb ->> 'result', 'wrong_gate', 'a members ticket at the North gate is wrong_gate');
select is(:'r'::jsonb -> 'right_gates', '["South"]'::jsonb, 'with the right gate');
select is(test_support.scan(:'dev_s', test_support.qr(:'t_member')) ->> 'result', 'admitted', 'and admitted at South');
select test_support.ticket(:'event_a', :'tt_child', :'upper', 'Small One') as t_child \gset
select test_support.scan(:'dev_n', test_support.qr(:'t_child')) as r \gset
select is(:'r'::jsonb ->> 'result', 'not_yet_valid', 'a ticket before its list''s window is not_yet_valid');
select ok((:'r'::jsonb ->> 'valid_from')::timestamptz > now(), 'with the time it becomes valid');
select test_support.ticket(:'event_a', :'tt_parking', null, 'Car') as t_parking \gset
select is(test_support.scan(:'dev_n', test_support.qr(:'t_parking')) ->> 'result', 'invalid', 'a ticket no list lets in is invalid');

select test_support.ticket(:'event_a', :'tt_adult', :'terrace', 'Terrace Fan') as t_terrace \gset
select is(test_support.scan(:'dev_n', test_support.qr(:'t_terrace')) ->> 'result', 'admitted', 're-entry list: first entry admitted');
select is(test_support.scan(:'dev_s', test_support.qr(:'t_terrace')) ->> 'result', 'already_used', 'inside: a second entry is already_used');
select is(test_support.scan(:'dev_n', test_support.qr(:'t_terrace'), 'out') ->> 'result', 'exited', 'the exit is recorded');
select is(test_support.scan(:'dev_n', test_support.qr(:'t_terrace'), 'out') ->> 'result', 'invalid', 'no second exit without an entry');
select test_support.scan(:'dev_s', test_support.qr(:'t_terrace')) as r \gset
select is(:'r'::jsonb ->> 'result', 'admitted', 'after the exit it enters again');
select ok((:'r'::jsonb ->> 'reentry')::boolean, 'marked as a re-entry');
select is((select entries from core.ticket_checkins where ticket_id = :'t_terrace'), 2, 'two entries counted');
select is(test_support.scan(:'dev_n', test_support.qr(:'t2'), 'out') ->> 'result', 'invalid', 'a single-entry ticket has no exit');

-- Order codes: one ticket at a time ---------------------------------------------------------
select test_support.ticket(:'event_a', :'tt_adult', :'stand', 'Family', 2) as t_fam \gset
select code as fam_code from core.orders where id = (select order_id from core.tickets where id = :'t_fam') \gset
select is(test_support.scan(:'dev_n', lower(left(:'fam_code', 4) || '-' || right(:'fam_code', 4))) ->> 'result', 'admitted',
  'an order code typed by hand admits its first ticket');
select is(test_support.scan(:'dev_n', :'fam_code') ->> 'order_admitted', '1', 'and says how many of the order were in before');
select is(test_support.scan(:'dev_n', :'fam_code') ->> 'result', 'already_used', 'once all tickets of the order are in: already_used');

-- Revocation, roles, RLS --------------------------------------------------------------------
select is(jsonb_array_length(test_support.dev(:'dev_b', 'select jsonb_agg(id) from core.tickets')), 1,
  'a device sees only its own event''s tickets');
select is(test_support.dev(:'dev_b', format('select count(*) from core.tickets where event_id = %L', :'event_a'))::int, 0,
  'a device of event B sees none of event A');
select ok(test_support.dev(:'dev_n', 'select count(*) from core.tickets')::int >= 8, 'a device of event A sees event A''s tickets');
select throws_ok(format('select test_support.dev(%L, %L)', :'dev_n', 'select secret from core.tickets'), '42501', null,
  'a device cannot read ticket secrets');
select throws_ok(test_support.as_('door_a', format('select api.scan(%L, %L)', gen_random_uuid(), 'x')), '42501', null,
  'staff tokens cannot call the scan function');
select throws_ok(format('select test_support.dev(%L, %L, %L)', :'dev_n', 'select 1', jsonb_build_object('role', 'scanner', 'org_id', :'org_a')),
  'PT401', null, 'a scanner token without its device is refused');
select test_support.run('door_a', format('select api.revoke_device(%L)', :'dev_s'));
select throws_ok(format('select test_support.scan(%L, %L)', :'dev_s', 'x'), 'PT401', null, 'a revoked device is refused (PT401)');
select is((select count(*)::int from core.scans where device_id = :'dev_s'), 4, 'every scan the device made was recorded');

-- Offline sync: two devices admitted the same ticket --------------------------------------
select (test_support.v('anon', format('select api.pair_device(%L, %L)',
  test_support.v('manager_a', format('select api.create_pairing_code(%L, %L)', :'event_a', :'south')) ->> 'code', 'South phone 2'))) ->> 'device_id' as dev_s2 \gset
select test_support.ticket(:'event_a', :'tt_adult', :'stand', 'Offline Fan') as t_off \gset
select gen_random_uuid() as early_id, gen_random_uuid() as late_id \gset
-- the device with the LATER scan syncs first
select test_support.dev(:'dev_s2', format('select api.sync_scans(%L::jsonb)', jsonb_build_array(jsonb_build_object(
  'id', :'late_id', 'code', test_support.qr(:'t_off'), 'scanned_at', now() - interval '5 minutes', 'result', 'admitted')))) as sy1 \gset
select is(:'sy1'::jsonb -> 'results' -> 0 ->> 'result', 'admitted', 'the first offline admission to arrive is admitted');
select test_support.dev(:'dev_n', format('select api.sync_scans(%L::jsonb)', jsonb_build_array(
  jsonb_build_object('id', gen_random_uuid(), 'code', test_support.qr(:'t2'), 'scanned_at', now() - interval '9 minutes', 'result', 'admitted'),
  jsonb_build_object('id', :'early_id', 'code', test_support.qr(:'t_off'), 'scanned_at', now() - interval '10 minutes', 'result', 'admitted'),
  jsonb_build_object('id', gen_random_uuid(), 'code', test_support.qr(:'t_cancel'), 'scanned_at', now() - interval '8 minutes', 'result', 'admitted'),
  jsonb_build_object('id', gen_random_uuid(), 'code', 'junk', 'scanned_at', now() - interval '7 minutes', 'result', 'invalid')))) as sy2 \gset
select is((select result from core.scans where id = :'early_id'), 'admitted', 'the earlier offline admission stands, though it synced later');
select is((select result from core.scans where id = :'late_id'), 'duplicate_offline', 'the later one becomes duplicate_offline');
select is((select first_scan_id from core.ticket_checkins where ticket_id = :'t_off'), :'early_id'::uuid, 'the entry state points at the earliest scan');
select is((select result from core.scans where device_id = :'dev_n' and offline and detail ->> 'device_result' = 'invalid'), 'invalid',
  'an offline refusal is recorded as a refusal');
select test_support.v('manager_a', format('select api.offline_conflicts(%L)', :'event_a')) as rep \gset
select is((:'rep'::jsonb ->> 'count')::int, 2, 'the organiser''s report lists the duplicate and the cancelled ticket admitted offline');
select is((select x ->> 'scan_id' from jsonb_array_elements(:'rep'::jsonb -> 'items') x where x ->> 'result' = 'duplicate_offline'),
  :'late_id', 'the duplicate is in the report');
select is((select x -> 'standing' ->> 'scan_id' from jsonb_array_elements(:'rep'::jsonb -> 'items') x where x ->> 'result' = 'duplicate_offline'),
  :'early_id', 'with the scan that stands');
select count(*) as before_scans from core.scans \gset
select test_support.dev(:'dev_s2', format('select api.sync_scans(%L::jsonb)', jsonb_build_array(jsonb_build_object(
  'id', :'late_id', 'code', test_support.qr(:'t_off'), 'scanned_at', now() - interval '5 minutes', 'result', 'admitted')))) as sy3 \gset
select is((:'sy3'::jsonb ->> 'replayed')::int, 1, 'a replayed sync is recognised');
select is((select count(*) from core.scans), :'before_scans'::bigint, 'and changes nothing');

-- The manifest ------------------------------------------------------------------------------
select test_support.dev(:'dev_n', 'select api.scan_manifest()') as m \gset
select is((:'m'::jsonb -> 'tickets' ->> 'n')::int, (select count(*)::int from core.tickets where event_id = :'event_a'),
  'the full manifest lists every ticket of the event');
select is(length(:'m'::jsonb -> 'tickets' ->> 'ids'), 8 * (:'m'::jsonb -> 'tickets' ->> 'n')::int, 'as 6-byte id prefixes (8 base64 characters)');
select is((:'m'::jsonb -> 'used' ->> 'n')::int, (select count(*)::int from core.ticket_checkins where event_id = :'event_a'),
  'and the used set');
select is(jsonb_array_length(:'m'::jsonb -> 'lists'), 4, 'with the check-in lists');
select is(test_support.dev(:'dev_n', format('select api.scan_manifest(%s)', (:'m'::jsonb ->> 'version')::bigint + 1000000)) -> 'tickets' ->> 'n', '0',
  'since a later version nothing has changed');

select * from finish();
rollback;
