// The buyer's browser session: a random id in an HttpOnly cookie (no server-side store).
// The id is passed to the hold functions as the hold's owner. Holds this session made are
// remembered in a second cookie, signed with the server secret, so that a hold's page opens
// only in the browser that made it (the hold token in the URL is required as well).
import { jwtSecret } from "./config.ts";

export const SESSION_COOKIE = "mutambo_sid";
export const HOLDS_COOKIE = "mutambo_holds";
const MAX_HOLDS = 6;

/** What routes/_middleware.ts puts into ctx.state. */
export interface BuyerState extends Record<string, unknown> {
  sessionId: string;
  /** Set-Cookie values the middleware adds to the response. */
  setCookies: string[];
  secure: boolean;
}

export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return "s_" + base64url(bytes);
}

/** A session id we issued looks like this; anything else gets a new one. */
export function isSessionId(value: string | undefined): value is string {
  return value !== undefined && /^s_[A-Za-z0-9_-]{24}$/.test(value);
}

export function readCookies(req: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export function cookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAge?: number },
): string {
  let text = `${name}=${value}; Path=/; HttpOnly; SameSite=Lax`;
  if (options.maxAge !== undefined) text += `; Max-Age=${options.maxAge}`;
  if (options.secure) text += "; Secure";
  return text;
}

/** True when the request reached us over https (directly or through a proxy that says so). */
export function isHttps(req: Request, url: URL): boolean {
  return url.protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
}

let keyPromise: Promise<CryptoKey> | undefined;
function hmacKey(): Promise<CryptoKey> {
  keyPromise ??= crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(jwtSecret()),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return keyPromise;
}

/** HMAC-SHA256 of `purpose:text` with the server secret, base64url. */
export async function sign(purpose: string, text: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(),
    new TextEncoder().encode(`${purpose}:${text}`),
  );
  return base64url(new Uint8Array(mac));
}

/** Compares two strings in time independent of where they differ. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A hold this session made: its token and the event's slug (to start again after expiry). */
export interface OwnedHold {
  token: string;
  slug: string;
}

/** The holds remembered for this session (signature checked; anything forged is ignored). */
export async function ownedHolds(req: Request, sessionId: string): Promise<OwnedHold[]> {
  const raw = readCookies(req).get(HOLDS_COOKIE);
  if (!raw) return [];
  const dot = raw.lastIndexOf(".");
  if (dot < 0) return [];
  const body = raw.slice(0, dot);
  if (!sameText(raw.slice(dot + 1), await sign(`holds:${sessionId}`, body))) return [];
  return body.split("~").flatMap((entry) => {
    const [token, slug] = entry.split("!");
    return token && slug && /^h_[0-9a-f]{48}$/.test(token) ? [{ token, slug }] : [];
  });
}

/** The holds cookie after adding or removing one hold. */
export async function holdsCookie(
  holds: OwnedHold[],
  state: Pick<BuyerState, "sessionId" | "secure">,
): Promise<string> {
  const kept = holds.slice(-MAX_HOLDS);
  if (kept.length === 0) return cookie(HOLDS_COOKIE, "", { secure: state.secure, maxAge: 0 });
  const body = kept.map((h) => `${h.token}!${h.slug.replace(/[^a-z0-9-]/g, "")}`).join("~");
  const value = `${body}.${await sign(`holds:${state.sessionId}`, body)}`;
  return cookie(HOLDS_COOKIE, value, { secure: state.secure, maxAge: 60 * 60 * 24 });
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}
