-- Per-event signing keys: first writer wins, the private key stays hidden, org scoping.
begin;
\ir _fixture.sql
select plan(12);

select '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}' as pub,
       '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}' as priv,
       '{"kty":"EC","crv":"P-256","x":"AAAOJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}' as pub2,
       '{"kty":"EC","crv":"P-256","x":"AAAOJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}' as priv2 \gset

select test_support.v('manager_a', format('select api.register_event_signing_key(%L, %L, %L)', :'event_a', :'pub', :'priv')) as k1 \gset
select is(:'k1'::jsonb -> 'public_jwk' ->> 'x', 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', 'the manager registers the event''s key pair');
select ok(not (:'k1'::jsonb -> 'public_jwk' ? 'd'), 'the private key is never returned');
select is(test_support.v('owner_a', format('select api.register_event_signing_key(%L, %L, %L)', :'event_a', :'pub2', :'priv2')) ->> 'kid',
  :'k1'::jsonb ->> 'kid', 'first writer wins: a second pair returns the stored one');
select throws_ok(test_support.as_('manager_a', format('select api.register_event_signing_key(%L, %L, %L)', :'event_a', :'priv', :'priv')),
  'P0001', null, 'a public key with d is refused');
select throws_ok(test_support.as_('owner_b', format('select api.event_public_key(%L)', :'event_a')), 'PT404', null,
  'another org cannot read the key');
select throws_ok(test_support.as_('manager_a', 'select private_jwk from core.event_signing_keys'), '42501', null,
  'staff cannot select the private key column');
select is(test_support.v('door_a', format('select api.event_public_key(%L)', :'event_a')) ->> 'kid', :'k1'::jsonb ->> 'kid',
  'door staff of the org read the public key');
set local role authenticator;
select core.event_signing_private_key(:'event_a') ->> 'd' as d \gset
reset role;
select is(:'d'::text, 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI', 'the server''s login role reads the private key');

-- Ed25519 (what new events get): stored as EdDSA; the private key must be the public one's
select '{"kty":"OKP","crv":"Ed25519","x":"cqI9KAW06N5BlRtXrrWWcbn3sj-9DrWrwGqxchQwLQ0"}' as edpub,
       '{"kty":"OKP","crv":"Ed25519","x":"cqI9KAW06N5BlRtXrrWWcbn3sj-9DrWrwGqxchQwLQ0","d":"M3Ia5WWi8kUTccB6rVf7CTsGYrR2_qv6cVBue7zqMH8","key_ops":["sign"],"ext":true}' as edpriv \gset
select throws_ok(test_support.as_('owner_b', format('select api.register_event_signing_key(%L, %L, %L)', :'event_b', :'edpub', :'priv')),
  'P0001', 'private_jwk must be the private key (with d) of public_jwk', 'a P-256 private key for an Ed25519 public key is refused');
select throws_ok(test_support.as_('owner_b', format('select api.register_event_signing_key(%L, %L, %L)', :'event_b',
  '{"kty":"OKP","crv":"X25519","x":"cqI9KAW06N5BlRtXrrWWcbn3sj-9DrWrwGqxchQwLQ0"}', :'edpriv')), 'P0001', null,
  'a key of another curve is refused');
select test_support.v('owner_b', format('select api.register_event_signing_key(%L, %L, %L)', :'event_b', :'edpub', :'edpriv')) as k2 \gset
select is(:'k2'::jsonb - 'created_at' - 'kid' - 'event_id',
  '{"alg":"EdDSA","public_jwk":{"kty":"OKP","crv":"Ed25519","x":"cqI9KAW06N5BlRtXrrWWcbn3sj-9DrWrwGqxchQwLQ0"}}'::jsonb || jsonb_build_object('public_jwk',
    '{"kty":"OKP","crv":"Ed25519","x":"cqI9KAW06N5BlRtXrrWWcbn3sj-9DrWrwGqxchQwLQ0"}'::jsonb || jsonb_build_object('kid', :'k2'::jsonb ->> 'kid')),
  'an Ed25519 pair is stored as EdDSA, with only its key fields');
set local role authenticator;
select core.event_signing_private_key(:'event_b') - 'kid' as edstored \gset
reset role;
select is(:'edstored'::jsonb, '{"kty":"OKP","crv":"Ed25519","x":"cqI9KAW06N5BlRtXrrWWcbn3sj-9DrWrwGqxchQwLQ0","d":"M3Ia5WWi8kUTccB6rVf7CTsGYrR2_qv6cVBue7zqMH8"}'::jsonb,
  'the server reads the Ed25519 private key as it was given, without key_ops');

select * from finish();
rollback;
