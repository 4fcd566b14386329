// The server side of /scan: pairing (anon → device token), online scans and offline syncs.
// The server verifies each QR code's ECDSA signature with the event's public key (Web
// Crypto) and tells SQL what it found (signature_ok); SQL checks the ticket id against its
// secret and decides admission (api.scan / api.sync_scans). TypeScript decides nothing.
import { jwtSecret } from "../config.ts";
import { ApiError, type JwtClaims, rpc, signJwt, verifyJwt } from "../rest/mod.ts";
import { secretKey } from "../rest/jwt.ts";
import { toApiError } from "../rest/errors.ts";
import { db } from "../db.ts";
import { fromBase64url, parsePayload } from "../tickets/signing.ts";

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

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
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

/** The scanner claims of the request's bearer token (401 without a valid scanner token). */
export async function deviceClaims(req: Request): Promise<JwtClaims> {
  const match = /^bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  if (!match) {
    throw new ApiError(401, "PT401", "This device is not paired", {
      hint: "Pair the device again",
    });
  }
  const claims = await verifyJwt(match[1]!, secretKey(jwtSecret()));
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
    key = await crypto.subtle.importKey(
      "jwk",
      { kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y! },
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  keys.set(eventId, { key, at: Date.now() });
  return key;
}

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
  return await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    signature,
    new TextEncoder().encode(parsed.signed),
  );
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

/** POST /scan/api/scan {id, code, direction} with the device token → the decision. */
export async function scanHandler(req: Request): Promise<Response> {
  try {
    const claims = await deviceClaims(req);
    const { id, code, direction } = await body(req);
    const text = typeof code === "string" ? code.trim().slice(0, 400) : "";
    return json(
      await callScan(claims, {
        scan_id: typeof id === "string" ? id : "",
        code: text,
        direction: direction === "out" ? "out" : "in",
        signature_ok: await signatureOk(text, claims),
      }),
    );
  } catch (e) {
    return errorResponse(e);
  }
}

/**
 * api.scan the way /rest calls a function (one transaction, SET LOCAL ROLE and
 * request.jwt.claims, the pre-request hook, the function, COMMIT; SQLSTATEs mapped to HTTP
 * the same way), with the three statements pipelined: one round trip instead of several,
 * on the hottest path at the gates.
 */
async function callScan(
  claims: JwtClaims,
  args: { scan_id: string; code: string; direction: string; signature_ok: boolean | null },
): Promise<unknown> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(args.scan_id)) {
    throw new ApiError(
      400,
      "P0001",
      `Scan id "${args.scan_id.slice(0, 40)}" must be a uuid made by the device`,
    );
  }
  try {
    const [, , rows] = await db().begin((tx) => [
      tx`select set_config('role', 'scanner', true), set_config('request.jwt.claims', ${
        JSON.stringify(claims)
      }, true),
                set_config('request.method', 'POST', true), set_config('request.path', '/scan/api/scan', true)`,
      tx`select auth.pre_request()`,
      tx`select api.scan(scan_id => ${args.scan_id}::uuid, code => ${args.code}, direction => ${args.direction},
                         signature_ok => ${args.signature_ok}::boolean) as r`,
    ]);
    return (rows as unknown as { r: unknown }[])[0]!.r;
  } catch (e) {
    throw toApiError(e, true);
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
