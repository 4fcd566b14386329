// The server side of /scan: pairing (anon → device token), online scans and offline syncs.
// The server verifies each QR code's signature with the event's public key (Web
// Crypto) and tells SQL what it found (signature_ok); SQL checks the ticket id against its
// secret and decides admission (api.scan / api.sync_scans). TypeScript decides nothing.
import { jwtSecret } from "../config.ts";
import { ApiError, type JwtClaims, rpc, signJwt, verifyJwt } from "../rest/mod.ts";
import { clockSkewSeconds, secretKey } from "../rest/jwt.ts";
import { fromBase64url, parsePayload } from "../tickets/signing.ts";
import { importVerifyingKey, verifyBytes } from "../tickets/key_algorithms.ts";
import { ScanBatcher } from "./batch.ts";
import { scanDb } from "../db.ts";
import { scanRecorded } from "./signal.ts";
import { BoundedCache } from "./cache.ts";

/** Device tokens last this long; revocation (checked on every request) ends them sooner. */
export const DEVICE_TOKEN_SECONDS = 60 * 60 * 24 * 14;

export interface PairedDevice {
  device_id: string;
  org_id: string;
  event_id: string;
  gate_id: string;
  device_name: string;
  event_name: string;
  gate_name: string;
}

// Answers carry their length: a scan's answer is a few hundred bytes, which the server's gzip
// (lib/compress.ts) then leaves alone instead of compressing on the gates' hot path.
const encoder = new TextEncoder();
function jsonText(text: string, status = 200, headers: Record<string, string> = {}): Response {
  const bytes = encoder.encode(text);
  return new Response(bytes, {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(bytes.length),
      "cache-control": "no-store",
      ...headers,
    },
  });
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return jsonText(JSON.stringify(body), status, headers);
}

function errorResponse(error: unknown): Response {
  if (error instanceof ApiError) return json(error.toJSON(), error.status, error.headers);
  console.error(error);
  return json({ code: "500", message: "Something went wrong", details: null, hint: null }, 500);
}

async function body(req: Request): Promise<Record<string, unknown>> {
  try {
    const value = await req.json();
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch { /* below */ }
  throw new ApiError(400, "PGRST102", "Send a JSON object");
}

// Tokens that verified, by their text: a device sends the same token with every scan, so its
// HMAC is checked once per process. The expiry is still checked on every use, and revocation
// is checked by SQL on every request.
const verifiedTokens = new BoundedCache<string, JwtClaims>(10_000);

/** The scanner claims of the request's bearer token (401 without a valid scanner token). */
export async function deviceClaims(req: Request): Promise<JwtClaims> {
  const match = /^bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  if (!match) {
    throw new ApiError(401, "PT401", "This device is not paired", {
      hint: "Pair the device again",
    });
  }
  const token = match[1]!;
  let claims = verifiedTokens.get(token);
  if (
    claims && typeof claims.exp === "number" && claims.exp + clockSkewSeconds <= Date.now() / 1000
  ) {
    verifiedTokens.delete(token);
    claims = undefined;
  }
  if (!claims) {
    claims = await verifyJwt(token, secretKey(jwtSecret()));
    verifiedTokens.set(token, claims);
  }
  if (claims.role !== "scanner") {
    throw new ApiError(403, "PT403", "Only a paired scanner device may scan");
  }
  return claims;
}

const keys = new Map<string, { key: CryptoKey | null; at: number }>();

/** The event's public key, imported once per process (an event without a key is asked again after 30 s). */
async function eventKey(eventId: string, claims: JwtClaims): Promise<CryptoKey | null> {
  const cached = keys.get(eventId);
  if (cached && (cached.key || Date.now() - cached.at < 30_000)) return cached.key;
  let key: CryptoKey | null = null;
  try {
    const jwk =
      (await rpc<{ public_jwk: JsonWebKey }>("event_public_key", { event_id: eventId }, { claims }))
        .public_jwk;
    key = await importVerifyingKey(jwk);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  keys.set(eventId, { key, at: Date.now() });
  return key;
}

// What the signature check said about a code (Ed25519 0.06 ms of CPU, ECDSA P-256 0.3 ms),
// by the code's text: a ticket scanned again (a repeat, two gates at once, a retry) is not
// verified again. Only codes of an
// event whose key is known are verified, so the answer cannot change while the process runs.
const verifiedCodes = new BoundedCache<string, boolean>(50_000);

/**
 * What the server found about a code's signature: true/false for a QR of the device's event
 * whose key is known, null when it cannot tell (order codes, other events, no key yet).
 */
export async function signatureOk(code: string, claims: JwtClaims): Promise<boolean | null> {
  let parsed;
  try {
    parsed = parsePayload(code);
  } catch {
    return null;
  }
  if (parsed.eventId !== String(claims.event_id).toLowerCase()) return null;
  const key = await eventKey(parsed.eventId, claims);
  if (!key) return null;
  if (!parsed.signature) return false;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = fromBase64url(parsed.signature);
  } catch {
    return false;
  }
  if (signature.length !== 64) return false;
  const known = verifiedCodes.get(code);
  if (known !== undefined) return known;
  const ok = await verifyBytes(key, signature, new TextEncoder().encode(parsed.signed));
  verifiedCodes.set(code, ok);
  return ok;
}

/** POST /scan/api/pair {code, name} → {token, device}. */
export async function pairHandler(req: Request): Promise<Response> {
  try {
    const { code, name } = await body(req);
    const device = await rpc<PairedDevice>("pair_device", {
      code: typeof code === "string" ? code : "",
      device_name: typeof name === "string" ? name : "",
    });
    const token = await signJwt({
      role: "scanner",
      org_id: device.org_id,
      event_id: device.event_id,
      gate_id: device.gate_id,
      device_id: device.device_id,
    }, { expiresIn: DEVICE_TOKEN_SECONDS });
    return json({ token, device });
  } catch (e) {
    return errorResponse(e);
  }
}

// Online scans go through one batcher per process (group commit, lib/scan/batch.ts), on
// connections of their own, one per lane. MUTAMBO_SCAN_LANES sets how many scan transactions
// may be in flight at once.
const lanes = Number(Deno.env.get("MUTAMBO_SCAN_LANES") ?? "2");
export const scanBatcher: ScanBatcher = new ScanBatcher({
  lanes,
  sql: () => scanDb(scanBatcher.lanes),
});

/**
 * POST /scan/api/scan {id, code, direction} with the device token → the decision. The answer's
 * Server-Timing (decide;dur=ms) is the time from the handler's start to the decision: token,
 * signature, the wait for a free lane and api.scan, without the network and the client.
 */
export async function scanHandler(req: Request): Promise<Response> {
  const start = performance.now();
  try {
    const claims = await deviceClaims(req);
    const { id, code, direction } = await body(req);
    const text = typeof code === "string" ? code.trim().slice(0, 400) : "";
    const decision = await scanBatcher.submit(claims, {
      scan_id: typeof id === "string" ? id : "",
      code: text,
      direction: direction === "out" ? "out" : "in",
      signature_ok: await signatureOk(text, claims),
    });
    scanRecorded(String(claims.event_id));
    return jsonText(decision, 200, {
      "server-timing": `decide;dur=${(performance.now() - start).toFixed(2)}`,
    });
  } catch (e) {
    return errorResponse(e);
  }
}

/** POST /scan/api/sync {scans: [...]} with the device token → {applied, replayed, duplicates, results}. */
export async function syncHandler(req: Request): Promise<Response> {
  try {
    const claims = await deviceClaims(req);
    const { scans } = await body(req);
    if (!Array.isArray(scans)) {
      throw new ApiError(400, "P0001", "scans must be a list of offline scans");
    }
    const checked = [];
    for (const s of scans as Record<string, unknown>[]) {
      const code = typeof s?.code === "string" ? s.code.trim().slice(0, 400) : "";
      const ok = await signatureOk(code, claims);
      checked.push({ ...s, code, ...(ok === null ? {} : { signature_ok: ok }) });
    }
    return json(await rpc("sync_scans", { scans: checked }, { claims }));
  } catch (e) {
    return errorResponse(e);
  }
}
