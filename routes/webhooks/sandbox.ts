// Webhooks from the sandbox provider. Verified (signature, 5-minute timestamp tolerance) and
// applied once by SQL; anything refused is logged and answered 400, never applied. A 2xx tells
// the provider to stop retrying, so it is sent only once the event is stored.
import type { Handlers } from "../../lib/fresh/mod.ts";
import { ApiError } from "../../lib/rest/mod.ts";
import { applyEvent, logRejection, providerFor } from "../../lib/payments/service.ts";

export const handler: Handlers = {
  async POST(ctx) {
    const body = await ctx.req.text();
    const signature = ctx.req.headers.get("sandbox-signature");
    const provider = providerFor("sandbox", ctx.url.origin);
    const verified = await provider.verifyAndParseWebhook({ headers: ctx.req.headers, body });
    if (!verified.ok) {
      await logRejection(provider.id, verified.reason, { signature, body });
      return Response.json({ error: verified.reason }, { status: 400 });
    }
    try {
      const result = await applyEvent(verified.event);
      return Response.json({ received: true, ...result });
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) {
        await logRejection(provider.id, e.message, { signature, body });
        return Response.json({ error: e.message }, { status: 400 });
      }
      throw e; // 500: the provider retries later
    }
  },
};
