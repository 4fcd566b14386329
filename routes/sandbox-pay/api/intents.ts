// The sandbox provider's API: create a payment intent (Bearer API key, JSON body).
import type { Handlers } from "../../../lib/fresh/mod.ts";
import { createIntent } from "../../../lib/payments/sandbox_party.ts";

export const handler: Handlers = {
  async POST(ctx) {
    const auth = ctx.req.headers.get("authorization") ?? "";
    const key = auth.startsWith("Bearer ") ? auth.slice(7) : null;
    const body = await ctx.req.json().catch(() => null);
    const result = body && typeof body === "object"
      ? await createIntent(key, body as Record<string, unknown>)
      : { status: 400, body: { error: "Send a JSON object" } };
    return Response.json(result.body, { status: result.status });
  },
};
