// The sandbox provider's API: its settlement report as CSV (Bearer API key; ?from=&to= ISO times).
import type { Handlers } from "../../../lib/fresh/mod.ts";
import { settlementReport } from "../../../lib/payments/sandbox_party.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const auth = ctx.req.headers.get("authorization") ?? "";
    const key = auth.startsWith("Bearer ") ? auth.slice(7) : null;
    const from = new Date(ctx.url.searchParams.get("from") ?? "");
    const to = new Date(ctx.url.searchParams.get("to") ?? "");
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      return new Response("Give from and to as ISO times, like 2026-11-01T00:00:00Z\n", {
        status: 400,
      });
    }
    const result = await settlementReport(key, { from, to });
    return new Response(result.body, {
      status: result.status,
      headers: { "content-type": result.status === 200 ? "text/csv; charset=utf-8" : "text/plain" },
    });
  },
};
