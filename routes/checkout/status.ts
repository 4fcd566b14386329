// The payment status as JSON for the return page's island (polling): by order code + key.
import type { Handlers } from "../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../lib/rest/mod.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const code = ctx.url.searchParams.get("o") ?? "";
    const key = ctx.url.searchParams.get("k") ?? "";
    try {
      const status = await rpc<{ order_status: string; payment: { status: string } | null }>(
        "payment_status",
        { code, access_token: key },
      );
      return Response.json(
        { order_status: status.order_status, payment_status: status.payment?.status ?? null },
        { headers: { "cache-control": "no-store" } },
      );
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) {
        return Response.json({ error: e.message }, { status: e.status });
      }
      throw e;
    }
  },
};
