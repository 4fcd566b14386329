// The scanner page's signature check: Web Crypto, and for Ed25519 on browsers without it the
// @noble/ed25519 fallback, which must agree with Web Crypto on good, altered and foreign codes.
import assert from "node:assert/strict";
import { verifier } from "../../lib/scan/offline.ts";
import { generateEventKeyPair, parsePayload, signTicket } from "../../lib/tickets/signing.ts";
import { fromBase64url } from "../../lib/tickets/signing.ts";

const ticket = {
  id: "0b6f3c1e-8a4d-4f5e-9c2b-7d1a2e3f4a5b",
  event_id: "f1e2d3c4-b5a6-4789-8a9b-0c1d2e3f4a5b",
  secret: "Zk3p9_Qw-8sLx2vBn7mRt1Yc",
  issued_at: "2025-05-01T10:20:30Z",
};

function parts(code: string) {
  const p = parsePayload(code);
  return { signature: fromBase64url(p.signature!), data: new TextEncoder().encode(p.signed) };
}

Deno.test("offline verifier: the Ed25519 fallback agrees with Web Crypto", async () => {
  const { publicJwk, privateJwk } = await generateEventKeyPair();
  assert.equal(publicJwk.kty, "OKP", "new events get Ed25519 keys");
  const other = await generateEventKeyPair();
  const good = parts(await signTicket(ticket, privateJwk));
  const foreign = parts(await signTicket(ticket, other.privateJwk));
  const altered = { signature: good.signature, data: good.data.slice() };
  altered.data[10] = altered.data[10]! ^ 1;
  for (const webCrypto of [true, false]) {
    const verify = await verifier(publicJwk, { webCrypto });
    assert.equal(
      await verify(good.signature, good.data),
      true,
      `good code, webCrypto ${webCrypto}`,
    );
    assert.equal(await verify(foreign.signature, foreign.data), false, "signed with another key");
    assert.equal(await verify(altered.signature, altered.data), false, "altered payload");
    assert.equal(await verify(new Uint8Array(64), good.data), false, "zero signature");
  }
});

Deno.test("offline verifier: ECDSA P-256 keys of older events still verify", async () => {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const privateJwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const good = parts(await signTicket(ticket, privateJwk));
  const verify = await verifier(publicJwk, { webCrypto: false }); // no fallback needed for P-256
  assert.equal(await verify(good.signature, good.data), true);
  good.data[12] = good.data[12]! ^ 1;
  assert.equal(await verify(good.signature, good.data), false);
});
