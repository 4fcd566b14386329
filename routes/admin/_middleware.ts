// Every /admin request: the staff session from Deno KV, the caller's permissions from SQL
// (api.my_permissions, which also signs out a member whose role changed or who was
// removed), and CSRF on every non-GET request. Anonymous visitors go to
// /admin/login?next=…; the sign-in and password pages are open.
//
// Contract used by other admin pages (e.g. routes/admin/events/[id]/check-in.tsx):
//   ctx.state.staff = { userId, orgId, role, email, name, claims, … }
//   rpc(fn, args, { claims: ctx.state.staff.claims })
// Forms must send the hidden field `_csrf` = ctx.state.staff.csrf (or the header
// x-csrf-token for fetch requests).
import type { RouteContext } from "../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../lib/rest/mod.ts";
import {
  adminCsrfToken,
  type AdminState,
  checkAdminCsrf,
  claimsOf,
  clearCookie,
  deleteSession,
  loadSession,
  type StaffState,
} from "../../lib/admin_session.ts";
import { csrfRefusal } from "../../lib/csrf.ts";

const OPEN_PATHS = new Set(["/admin/login", "/admin/password/forgot", "/admin/password/reset"]);

async function sentCsrf(req: Request): Promise<unknown> {
  const header = req.headers.get("x-csrf-token");
  if (header) return header;
  const type = req.headers.get("content-type") ?? "";
  if (
    !type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")
  ) {
    return null;
  }
  try {
    return (await req.clone().formData()).get("_csrf");
  } catch {
    return null;
  }
}

interface Me {
  user_id: string;
  email: string;
  display_name: string;
  role: string;
  org_id: string | null;
  org_name: string | null;
  is_platform_admin: boolean;
  permissions: Record<string, boolean>;
  orgs: StaffState["orgs"];
}

export async function handler(ctx: RouteContext<unknown, AdminState>): Promise<Response> {
  const path = ctx.url.pathname.replace(/\/+$/, "") || "/";
  const open = OPEN_PATHS.has(path) || path.startsWith("/admin/banners/");
  const session = open ? null : await loadSession(ctx.req);
  const writing = ctx.req.method !== "GET" && ctx.req.method !== "HEAD";

  if (!open && !session) {
    if (session === null && ctx.req.headers.get("cookie")?.includes("mutambo_admin=")) {
      ctx.state.setCookies.push(clearCookie(ctx.req, ctx.url));
    }
    const next = ctx.req.method === "GET" ? ctx.url.pathname + ctx.url.search : "/admin";
    return ctx.redirect(`/admin/login?next=${encodeURIComponent(next)}`);
  }
  if (writing) {
    // Before sign-in the token is bound to the buyer session cookie; after, to the admin session.
    const boundTo = session ? session.id : ctx.state.sessionId;
    if (!(await checkAdminCsrf(await sentCsrf(ctx.req), boundTo))) return csrfRefusal();
  }
  if (!session) return await ctx.next();

  const claims = claimsOf(session);
  let me: Me;
  try {
    me = await rpc<Me>("my_permissions", {}, { claims });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      await deleteSession(session.id);
      ctx.state.setCookies.push(clearCookie(ctx.req, ctx.url));
      return ctx.redirect(
        `/admin/login?expired=1&next=${encodeURIComponent(ctx.url.pathname)}`,
      );
    }
    throw error;
  }
  ctx.state.staff = {
    userId: session.userId,
    orgId: session.orgId,
    role: session.role,
    email: me.email,
    name: me.display_name,
    claims,
    orgName: me.org_name ?? "",
    permissions: me.permissions,
    orgs: me.orgs,
    isPlatformAdmin: me.is_platform_admin,
    sessionId: session.id,
    csrf: await adminCsrfToken(session.id),
  };
  let response: Response;
  try {
    response = await ctx.next();
  } catch (error) {
    // A refusal or unknown id from the SQL that a page did not handle itself: say it plainly.
    if (!(error instanceof ApiError) || error.status >= 500) throw error;
    response = new Response(refusalPage(error), {
      status: error.status,
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  }
  // Admin pages are private: never cached by the browser or a proxy.
  const headers = new Headers(response.headers);
  headers.set("cache-control", "no-store");
  headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "same-origin");
  return new Response(response.body, { status: response.status, headers });
}

function refusalPage(error: ApiError): string {
  const esc = (t: string) =>
    t.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const title = error.status === 404
    ? "Not found"
    : error.status === 403
    ? "Not allowed"
    : "Cannot do that";
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Mutambo admin</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1><p>${
    esc(error.message)
  }</p><p><a href="/admin/events">Back to events</a></p></body></html>`;
}
