import type { RouteContext } from "../../lib/fresh/mod.ts";

export const handler = (ctx: RouteContext) => ctx.redirect("/admin/events");
