// The server side of /scan: pairing (anon → device token), online scans and offline syncs.
// The server verifies each QR code's ECDSA signature with the event's public key (Web
// Crypto) and tells SQL what it found (signature_ok); SQL checks the ticket id against its
// secret and decides admission (api.scan / api.sync_scans). TypeScript decides nothing.
import { jwtSecret } from "../config.ts";
import { ApiError, type JwtClaims, rpc, signJwt, verifyJwt } from "../rest/mod.ts";
import { secretKey } from "../rest/jwt.ts";
import { parsePayload, verifyTicket } from "../tickets/signing.ts";

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

const keys = new Map<string, { jwk: JsonWebKey | null; at: number }>();

async function eventKey(eventId: string, claims: JwtClaims): Promise<JsonWebKey | null> {
  const cached = keys.get(eventId);
  if (cached && (cached.jwk || Date.now() - cached.at < 30_000)) return cached.jwk;
  let jwk: JsonWebKey | null = null;
  try {
    jwk =
      (await rpc<{ public_jwk: JsonWebKey }>("event_public_key", { event_id: eventId }, { claims }))
        .public_jwk;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  keys.set(eventId, { jwk, at: Date.now() });
  return jwk;
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
  const jwk = await eventKey(parsed.eventId, claims);
  if (!jwk) return null;
  return (await verifyTicket(code.trim(), jwk)).ok;
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
    const result = await rpc("scan", {
      scan_id: id,
      code: text,
      direction: direction === "out" ? "out" : "in",
      signature_ok: await signatureOk(text, claims),
    }, { claims });
    return json(result);
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
