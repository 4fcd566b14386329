// Every buyer page: a session cookie with a random id (HttpOnly, SameSite=Lax, Secure over
// https). The id is the owner of the holds this browser makes. The /rest API, the seat
// map's shared, cacheable reads (/seatmap/) and the scanner devices' API (/scan/api/, bearer
// tokens; a thousand answers a second at the gates) are left alone.
import type { RouteContext } from "../lib/fresh/mod.ts";
import {
  type BuyerState,
  cookie,
  isHttps,
  isSessionId,
  newSessionId,
  readCookies,
  SESSION_COOKIE,
} from "../lib/session.ts";

export async function handler(ctx: RouteContext<unknown, BuyerState>): Promise<Response> {
  const path = ctx.url.pathname;
  if (path.startsWith("/rest/") || path.startsWith("/seatmap/") || path.startsWith("/scan/api/")) {
    return await ctx.next();
  }
  const secure = isHttps(ctx.req, ctx.url);
  const existing = readCookies(ctx.req).get(SESSION_COOKIE);
  const sessionId = isSessionId(existing) ? existing : newSessionId();
  ctx.state.sessionId = sessionId;
  ctx.state.secure = secure;
  ctx.state.setCookies = sessionId === existing
    ? []
    : [cookie(SESSION_COOKIE, sessionId, { secure, maxAge: 60 * 60 * 24 * 30 })];
  const response = await ctx.next();
  if (ctx.state.setCookies.length === 0) return response;
  const headers = new Headers(response.headers);
  for (const value of ctx.state.setCookies) headers.append("set-cookie", value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
