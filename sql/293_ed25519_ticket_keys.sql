-- Ticket keys may be Ed25519 ("EdDSA", JWK kty OKP crv Ed25519), and new events get one.
--
-- Why: the scanner route verifies the signature of every QR code it has not seen before. On
-- this server Web Crypto verifies Ed25519 in 0.06 ms of CPU and ECDSA P-256 in 0.3 ms; at a
-- thousand scans a second that was a fifth of a core (bench/signatures.ts, bench/scan.ts).
-- The signature is 64 bytes either way, so the QR text keeps its form. Events keyed with ECDSA
-- P-256 ("ES256") keep their pair, and their printed tickets stay valid. Which scheme a key
-- uses is told by its JWK (lib/tickets/key_algorithms.ts); alg says the same, for readers of
-- the table.

alter table core.event_signing_keys drop constraint event_signing_keys_alg_check;
alter table core.event_signing_keys drop constraint event_signing_keys_public_jwk_check;
alter table core.event_signing_keys drop constraint event_signing_keys_private_jwk_check;
alter table core.event_signing_keys alter column alg drop default;
alter table core.event_signing_keys add constraint event_signing_keys_alg_check check (
  case alg
    when 'ES256' then public_jwk ->> 'kty' = 'EC' and public_jwk ->> 'crv' = 'P-256'
                      and private_jwk ->> 'kty' = 'EC' and private_jwk ->> 'crv' = 'P-256'
    when 'EdDSA' then public_jwk ->> 'kty' = 'OKP' and public_jwk ->> 'crv' = 'Ed25519'
                      and private_jwk ->> 'kty' = 'OKP' and private_jwk ->> 'crv' = 'Ed25519'
    else false
  end);
alter table core.event_signing_keys add constraint event_signing_keys_public_jwk_check check (not public_jwk ? 'd');
alter table core.event_signing_keys add constraint event_signing_keys_private_jwk_check check (private_jwk ? 'd');

-- The key's scheme by its JWK: 'EdDSA', 'ES256', or null for anything else.
create function core.signing_key_alg(public_jwk jsonb) returns text
language sql immutable
as $$
  select case
    when jsonb_typeof(public_jwk) <> 'object' then null
    when public_jwk ->> 'kty' = 'OKP' and public_jwk ->> 'crv' = 'Ed25519' then 'EdDSA'
    when public_jwk ->> 'kty' = 'EC' and public_jwk ->> 'crv' = 'P-256' then 'ES256'
  end
$$;

create or replace function core.register_event_signing_key(ev uuid, public_jwk jsonb, private_jwk jsonb) returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events;
  k core.event_signing_keys;
  alg text := core.signing_key_alg(public_jwk);
  b64 constant text := '^[A-Za-z0-9_-]{43}$'; -- 32 bytes in base64url
begin
  select * into e from core.events where id = ev;
  if not found then
    raise exception 'Event % not found', coalesce(ev::text, 'null') using errcode = 'PT404';
  end if;
  if alg is null or public_jwk ? 'd' or coalesce(public_jwk ->> 'x', '') !~ b64
     or (alg = 'ES256' and coalesce(public_jwk ->> 'y', '') !~ b64) then
    raise exception 'public_jwk must be an Ed25519 public key (kty OKP, crv Ed25519, x) or a P-256 one (kty EC, crv P-256, x, y), in JWK form without d'
      using errcode = 'P0001';
  end if;
  if private_jwk is null or core.signing_key_alg(private_jwk) is distinct from alg
     or coalesce(private_jwk ->> 'd', '') !~ b64
     or private_jwk ->> 'x' is distinct from public_jwk ->> 'x'
     or (alg = 'ES256' and private_jwk ->> 'y' is distinct from public_jwk ->> 'y') then
    raise exception 'private_jwk must be the private key (with d) of public_jwk' using errcode = 'P0001';
  end if;
  insert into core.event_signing_keys (event_id, org_id, kid, alg, public_jwk, private_jwk)
  values (e.id, e.org_id, 'k_' || translate(encode(public.gen_random_bytes(12), 'base64'), '+/', '-_'), alg,
          case alg when 'EdDSA' then jsonb_build_object('kty', 'OKP', 'crv', 'Ed25519', 'x', public_jwk ->> 'x')
                   else jsonb_build_object('kty', 'EC', 'crv', 'P-256', 'x', public_jwk ->> 'x', 'y', public_jwk ->> 'y') end,
          case alg when 'EdDSA' then jsonb_build_object('kty', 'OKP', 'crv', 'Ed25519', 'x', private_jwk ->> 'x',
                                                        'd', private_jwk ->> 'd')
                   else jsonb_build_object('kty', 'EC', 'crv', 'P-256', 'x', private_jwk ->> 'x', 'y', private_jwk ->> 'y',
                                           'd', private_jwk ->> 'd') end)
  on conflict (event_id) do nothing;
  select * into k from core.event_signing_keys where event_id = e.id;
  return jsonb_build_object('event_id', k.event_id, 'kid', k.kid, 'alg', k.alg, 'public_jwk', k.public_jwk || jsonb_build_object('kid', k.kid),
                            'created_at', k.created_at);
end
$$;

comment on function api.register_event_signing_key(uuid, jsonb, jsonb) is 'Registers an event''s ticket-signing key pair (JWKs made with Web Crypto): Ed25519 (kty OKP) or ECDSA P-256 (kty EC). First writer wins: when the event already has a pair, nothing changes and the stored one is returned. Returns {event_id, kid, alg (EdDSA or ES256), public_jwk, created_at}; the private key is never returned. Managers of the event''s org (the server registers on its own through core.register_event_signing_key). Errors: PT404, PT403, P0001 malformed keys.';
comment on function api.event_public_key(uuid) is 'The public key that verifies the QR codes of an event''s tickets, for the org''s staff and scanners: {event_id, kid, alg, public_jwk}, alg EdDSA (Ed25519, JWK kty OKP) for events keyed since sql/293, ES256 (ECDSA P-256, kty EC) before. Errors: PT404 no key yet, unknown event or another org''s.';
