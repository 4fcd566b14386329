// Webhooks from the provider adapters: /webhooks/paystack, /webhooks/stripe,
// /webhooks/flutterwave, /webhooks/paynow, /webhooks/mpesa (the sandbox keeps its own static
// route, which wins over this one). The adapter verifies the request (signature, timestamp,
// source) with the secrets from env vars (lib/payments/adapters.ts lists them); anything
// refused is logged with api.log_webhook_rejection and answered 401, never applied. A
// verified event is applied once by api.apply_payment_event, as the sandbox's are: replays
// and out-of-order events leave one outcome. Refund events (parseRefundWebhook) are applied by
// api.apply_refund_event the same way. A 2xx is sent only once the event is stored.
import type { Handlers } from "../../lib/fresh/mod.ts";
import type { WebhookResult } from "../../lib/payments/provider.ts";
import { ApiError } from "../../lib/rest/mod.ts";
import { applyEvent, applyRefundEvent, logRejection } from "../../lib/payments/service.ts";
import { ADAPTER_IDS, adapterFromEnv } from "../../lib/payments/adapters.ts";

interface WebhookRequest {
  headers: Headers;
  body: string;
  url: string;
  remoteIp?: string;
}
type Verify = (request: WebhookRequest) => Promise<WebhookResult>;

const SIGNATURE_HEADER: Record<string, string> = {
  paystack: "x-paystack-signature",
  stripe: "stripe-signature",
  flutterwave: "verif-hash",
};

export const handler: Handlers = {
  async POST(ctx) {
    const id = String(ctx.params.provider ?? "");
    if (!(ADAPTER_IDS as readonly string[]).includes(id)) {
      return Response.json({ error: `No payment provider "${id.slice(0, 40)}"` }, { status: 404 });
    }
    const body = await ctx.req.text();
    const header = SIGNATURE_HEADER[id];
    const signature = header ? ctx.req.headers.get(header) : null;
    const provider = adapterFromEnv(id);
    if (!provider) {
      await logRejection(id, `${id} is not configured on this server`, { signature, body });
      return Response.json({ error: `${id} is not configured` }, { status: 503 });
    }
    const addr = ctx.info?.remoteAddr;
    // M-Pesa also checks the callback URL's token and the sender's address
    const request: WebhookRequest = { headers: ctx.req.headers, body, url: ctx.req.url };
    if (addr && "hostname" in addr) request.remoteIp = addr.hostname;
    // refund events (Stripe refund.*, Paystack refund.*) come to the same URL
    const refund = provider.parseRefundWebhook ? await provider.parseRefundWebhook(request) : null;
    if (refund && !refund.ok) {
      await logRejection(id, refund.reason, { signature, body });
      return Response.json({ error: refund.reason }, { status: 401 });
    }
    if (refund?.ok) {
      try {
        return Response.json({ received: true, ...(await applyRefundEvent(refund.refund)) });
      } catch (e) {
        if (e instanceof ApiError && e.status < 500) {
          await logRejection(id, e.message, { signature, body });
          return Response.json({ error: e.message }, { status: 400 });
        }
        throw e;
      }
    }
    const verified = await (provider.verifyAndParseWebhook as Verify)(request);
    if (!verified.ok) {
      await logRejection(id, verified.reason, { signature, body });
      return Response.json({ error: verified.reason }, { status: 401 });
    }
    try {
      const result = await applyEvent(verified.event);
      return Response.json({ received: true, ...result });
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) {
        await logRejection(id, e.message, { signature, body });
        return Response.json({ error: e.message }, { status: 400 });
      }
      throw e; // 500: the provider retries later
    }
  },
};
