// What checking a ticket's QR signature costs the server, by key scheme: the scanner route
// verifies every code it has not seen before (lib/scan/server.ts), so at the gates this is
// paid about once per ticket. Web Crypto in Deno, one key per scheme, distinct signed payloads
// like the ones in a QR; CPU is the process's (Web Crypto runs on helper threads).
//
//   deno run -A bench/signatures.ts [--n 2000]
import process from "node:process";
import { ticketPayload } from "../lib/tickets/signing.ts";
import {
  importSigningKey,
  importVerifyingKey,
  keyFields,
  signBytes,
  verifyBytes,
} from "../lib/tickets/key_algorithms.ts";

const i = Deno.args.indexOf("--n");
const N = i >= 0 ? Number(Deno.args[i + 1]) : 2000;

async function keyPair(params: EcKeyGenParams | Algorithm): Promise<JsonWebKey> {
  const pair = await crypto.subtle.generateKey(params, true, ["sign", "verify"]) as CryptoKeyPair;
  return await crypto.subtle.exportKey("jwk", pair.privateKey);
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

for (
  const [name, params] of [
    ["Ed25519 (new events)", { name: "Ed25519" }],
    ["ECDSA P-256 (events keyed before sql/293)", { name: "ECDSA", namedCurve: "P-256" }],
  ] as const
) {
  const privateJwk = await keyPair(params);
  const signKey = await importSigningKey(privateJwk);
  const verifyKey = await importVerifyingKey(keyFields(privateJwk, false));
  const payloads: Uint8Array<ArrayBuffer>[] = [];
  for (let k = 0; k < N; k++) {
    payloads.push(new TextEncoder().encode(
      await ticketPayload({
        id: crypto.randomUUID(),
        event_id: "f1e2d3c4-b5a6-4789-8a9b-0c1d2e3f4a5b",
        secret: crypto.randomUUID(),
        issued_at: new Date(),
      }),
    ));
  }
  let cpu = cpuMs();
  let wall = performance.now();
  const signatures = [];
  for (const p of payloads) signatures.push(await signBytes(signKey, p) as Uint8Array<ArrayBuffer>);
  const signCpu = (cpuMs() - cpu) / N;
  const signWall = (performance.now() - wall) / N;
  cpu = cpuMs();
  wall = performance.now();
  let good = 0;
  for (let k = 0; k < N; k++) {
    if (await verifyBytes(verifyKey, signatures[k]!, payloads[k]!)) good++;
  }
  const verifyCpu = (cpuMs() - cpu) / N;
  const verifyWall = (performance.now() - wall) / N;
  if (good !== N) throw new Error(`${name}: ${N - good} good signatures did not verify`);
  console.log(
    `${name}: verify ${verifyCpu.toFixed(3)} ms CPU (${verifyWall.toFixed(3)} ms wall), ` +
      `sign ${signCpu.toFixed(3)} ms CPU (${signWall.toFixed(3)} ms wall), ${N} signatures`,
  );
}
