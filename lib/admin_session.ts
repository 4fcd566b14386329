// Staff sessions for /admin, kept in Deno KV: a random id in an HttpOnly, SameSite=Strict
// cookie (Secure over https), an idle expiry (renewed on use) and an absolute one. Logging
// out deletes the KV entry, so a stolen cookie stops working at once. CSRF tokens for admin
// forms are an HMAC of the session id (lib/session.ts's sign), like the buyer's.
import { projectRoot } from "./config.ts";
import { isHttps, readCookies, sameText, sign } from "./session.ts";

export const ADMIN_COOKIE = "mutambo_admin";
export const IDLE_MS = 2 * 60 * 60 * 1000; // 2 hours without a request
export const ABSOLUTE_MS = 12 * 60 * 60 * 1000; // 12 hours after sign-in

export interface AdminSession {
  id: string;
  userId: string;
  email: string;
  name: string;
  /** The org acted for (null: a platform admin who has not chosen one). */
  orgId: string | null;
  role: string;
  createdAt: number;
  lastSeenAt: number;
}

/** The claims the session's requests run with: `rpc(fn, args, { claims })`. */
export interface StaffClaims extends Record<string, unknown> {
  role: string;
  sub: string;
  org_id?: string;
}

/** What routes/admin/_middleware.ts puts into `ctx.state.staff`. */
export interface StaffState {
  userId: string;
  orgId: string | null;
  role: string;
  email: string;
  name: string;
  claims: StaffClaims;
  /** Extra, from api.my_permissions(): */
  orgName: string;
  permissions: Record<string, boolean>;
  orgs: { org_id: string; org_name: string; org_slug: string; role: string }[];
  isPlatformAdmin: boolean;
  sessionId: string;
  /** The CSRF token for this session's forms (hidden field `_csrf`). */
  csrf: string;
}

export interface AdminState extends Record<string, unknown> {
  staff: StaffState;
  sessionId: string;
  secure: boolean;
  setCookies: string[];
}

let kvPromise: Promise<Deno.Kv> | undefined;

/** The app's KV store: MUTAMBO_KV_PATH, else .data/kv.sqlite3. */
export function kv(): Promise<Deno.Kv> {
  kvPromise ??= (async () => {
    const path = Deno.env.get("MUTAMBO_KV_PATH") ?? `${projectRoot}.data/kv.sqlite3`;
    if (!Deno.env.get("MUTAMBO_KV_PATH")) {
      await Deno.mkdir(`${projectRoot}.data`, { recursive: true });
    }
    return await Deno.openKv(path);
  })();
  return kvPromise;
}

/** Closes the KV store (tests). */
export async function closeKv(): Promise<void> {
  if (!kvPromise) return;
  const store = await kvPromise;
  kvPromise = undefined;
  store.close();
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

function ttl(session: AdminSession, now: number): number {
  return Math.max(1, Math.min(session.lastSeenAt + IDLE_MS, session.createdAt + ABSOLUTE_MS) - now);
}

export async function createSession(
  fields: Omit<AdminSession, "id" | "createdAt" | "lastSeenAt">,
): Promise<AdminSession> {
  const now = Date.now();
  const session: AdminSession = { ...fields, id: newId(), createdAt: now, lastSeenAt: now };
  await (await kv()).set(["admin_session", session.id], session, { expireIn: ttl(session, now) });
  return session;
}

/** The session named by the request's cookie, if it exists and has not expired (renews idle time). */
export async function loadSession(req: Request): Promise<AdminSession | null> {
  const id = readCookies(req).get(ADMIN_COOKIE);
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const store = await kv();
  const entry = await store.get<AdminSession>(["admin_session", id]);
  const session = entry.value;
  if (!session) return null;
  const now = Date.now();
  if (now - session.lastSeenAt > IDLE_MS || now - session.createdAt > ABSOLUTE_MS) {
    await store.delete(["admin_session", id]);
    return null;
  }
  if (now - session.lastSeenAt > 60_000) {
    session.lastSeenAt = now;
    await store.set(["admin_session", id], session, { expireIn: ttl(session, now) });
  }
  return session;
}

export async function updateSession(session: AdminSession): Promise<void> {
  await (await kv()).set(["admin_session", session.id], session, {
    expireIn: ttl(session, Date.now()),
  });
}

export async function deleteSession(id: string): Promise<void> {
  await (await kv()).delete(["admin_session", id]);
}

export function sessionCookie(id: string, req: Request, url: URL): string {
  return `${ADMIN_COOKIE}=${id}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${
    ABSOLUTE_MS / 1000
  }${isHttps(req, url) ? "; Secure" : ""}`;
}

export function clearCookie(req: Request, url: URL): string {
  return `${ADMIN_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0${
    isHttps(req, url) ? "; Secure" : ""
  }`;
}

export function claimsOf(session: AdminSession): StaffClaims {
  const claims: StaffClaims = { role: session.role, sub: session.userId };
  if (session.orgId) claims.org_id = session.orgId;
  return claims;
}

/** The CSRF token of admin forms: bound to the admin session, or before sign-in to the buyer session. */
export function adminCsrfToken(sessionId: string): Promise<string> {
  return sign("admin-csrf", sessionId);
}

export async function checkAdminCsrf(sent: unknown, sessionId: string): Promise<boolean> {
  return typeof sent === "string" && sameText(sent, await adminCsrfToken(sessionId));
}

/** A safe place to go after sign-in: a path under /admin, never another site. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/admin") || next.startsWith("//") || next.includes("\\")) {
    return "/admin";
  }
  if (next.startsWith("/admin/login") || next.startsWith("/admin/logout")) return "/admin";
  return next;
}
