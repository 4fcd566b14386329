// Sign-out (POST with the session's CSRF token): the KV session is deleted at once.
import type { RouteContext } from "../../lib/fresh/mod.ts";
import { type AdminState, clearCookie, deleteSession } from "../../lib/admin_session.ts";

export const handler = {
  async POST(ctx: RouteContext<unknown, AdminState>) {
    await deleteSession(ctx.state.staff.sessionId);
    ctx.state.setCookies.push(clearCookie(ctx.req, ctx.url));
    return ctx.redirect("/admin/login?signed_out=1");
  },
};
