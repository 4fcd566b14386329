// The org switcher: only orgs that api.my_permissions listed for this user (memberships, or
// every org for a platform admin) can be chosen; the next request re-checks in SQL.
import type { RouteContext } from "../../lib/fresh/mod.ts";
import { type AdminState, loadSession, updateSession } from "../../lib/admin_session.ts";
import { text } from "../../components/admin/ui.tsx";

export const handler = {
  async POST(ctx: RouteContext<unknown, AdminState>) {
    const orgId = text(await ctx.req.formData(), "org_id");
    const choice = ctx.state.staff.orgs.find((o) => o.org_id === orgId);
    const session = await loadSession(ctx.req);
    if (!choice || !session) {
      return new Response(`Organisation "${orgId}" is not one of yours`, { status: 404 });
    }
    session.orgId = choice.org_id;
    session.role = choice.role;
    await updateSession(session);
    return ctx.redirect("/admin/events");
  },
};
