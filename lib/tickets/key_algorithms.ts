// The two signature schemes an event's ticket key may use, told apart by the JWK itself.
//
// New events get Ed25519 ("EdDSA", JWK kty OKP): the scanner route verifies every QR it has
// not seen before, and on this server Web Crypto verifies an Ed25519 signature in 0.06 ms of
// CPU against 0.27-0.30 ms for ECDSA P-256 (bench/signatures.ts; Deno 2, pure Rust for both).
// Events keyed before that keep their ECDSA P-256 ("ES256", kty EC) pair: their printed
// tickets stay valid. Both signatures are 64 bytes, so the QR text has the same form.
// Runs on the server and in the scanner page (lib/scan/offline.ts).

export type KeyAlg = "EdDSA" | "ES256";

/** The scheme of a JWK (public or private), or an error for any other key. */
export function jwkAlg(jwk: JsonWebKey): KeyAlg {
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  throw new Error(`Not a ticket signing key: kty ${jwk.kty}, crv ${jwk.crv}`);
}

/** Only the fields that make the key (importKey refuses some extras, e.g. a kid or key_ops). */
export function keyFields(jwk: JsonWebKey, withPrivate: boolean): JsonWebKey {
  const out: JsonWebKey = jwkAlg(jwk) === "EdDSA"
    ? { kty: "OKP", crv: "Ed25519", x: jwk.x! }
    : { kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y! };
  if (withPrivate) out.d = jwk.d!;
  return out;
}

const importParams = {
  EdDSA: { name: "Ed25519" },
  ES256: { name: "ECDSA", namedCurve: "P-256" },
} as const;
const signParams = {
  EdDSA: { name: "Ed25519" },
  ES256: { name: "ECDSA", hash: "SHA-256" },
} as const;

/** A new key pair for an event (Ed25519), as JWKs. */
export async function generateKeyPair(): Promise<
  { publicJwk: JsonWebKey; privateJwk: JsonWebKey }
> {
  const pair = await crypto.subtle.generateKey(importParams.EdDSA, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const privateJwk = keyFields(await crypto.subtle.exportKey("jwk", pair.privateKey), true);
  return { publicJwk: keyFields(privateJwk, false), privateJwk };
}

/** The private JWK as a Web Crypto signing key. */
export function importSigningKey(privateJwk: JsonWebKey): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "jwk",
    keyFields(privateJwk, true),
    importParams[jwkAlg(privateJwk)],
    false,
    ["sign"],
  );
}

/** The public JWK as a Web Crypto verifying key (throws where the browser lacks the scheme). */
export function importVerifyingKey(publicJwk: JsonWebKey): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "jwk",
    keyFields(publicJwk, false),
    importParams[jwkAlg(publicJwk)],
    false,
    ["verify"],
  );
}

function algOf(key: CryptoKey): KeyAlg {
  return key.algorithm.name === "Ed25519" ? "EdDSA" : "ES256";
}

/** The 64-byte signature of `data`. */
export async function signBytes(
  key: CryptoKey,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(signParams[algOf(key)], key, data));
}

/** Whether `signature` is the key's signature of `data`. */
export function verifyBytes(
  key: CryptoKey,
  signature: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  return crypto.subtle.verify(signParams[algOf(key)], key, signature, data);
}
