// Stripe (https://docs.stripe.com/webhooks): `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`;
// each v1 is the hex HMAC-SHA256 of `<t>.<raw body>` with the endpoint's signing secret;
// a timestamp more than 300 s away from now is refused (the default tolerance of Stripe's
// libraries). payment_intent.succeeded / payment_intent.payment_failed carry the
// PaymentIntent (data.object.id is our intent id, amount in the smallest unit, currency in
// lowercase). Payments are created as Checkout Sessions (POST /v1/checkout/sessions, form
// encoded); refunds with POST /v1/refunds.
import type {
  CreatedPayment,
  CreatePaymentInput,
  PaymentProvider,
  RefundInput,
  RefundResult,
  ReturnInfo,
  SettlementLine,
  WebhookResult,
} from "../provider.ts";
import { hmacHex, sameText } from "./crypto.ts";

export const STRIPE_TOLERANCE_SECONDS = 300;

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  baseUrl?: string;
  fetch?: typeof fetch;
}

export class StripeProvider implements PaymentProvider {
  readonly id = "stripe";
  #key: string;
  #whsec: string;
  #base: string;
  #fetch: typeof fetch;

  constructor(options: StripeOptions) {
    this.#key = options.secretKey;
    this.#whsec = options.webhookSecret;
    this.#base = options.baseUrl ?? "https://api.stripe.com";
    this.#fetch = options.fetch ?? fetch;
  }

  async #post(path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await this.#fetch(`${this.#base}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${this.#key}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(form).toString(),
    });
    const json = await res.json() as Record<string, unknown> & { error?: { message?: string } };
    if (!res.ok) throw new Error(`Stripe ${path} failed: ${json.error?.message ?? res.status}`);
    return json;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const session = await this.#post("/v1/checkout/sessions", {
      mode: "payment",
      success_url: input.returnUrl,
      cancel_url: input.returnUrl,
      client_reference_id: input.reference,
      "line_items[0][quantity]": "1",
      "line_items[0][price_data][currency]": input.currency.toLowerCase(),
      "line_items[0][price_data][unit_amount]": String(input.amountMinor),
      "line_items[0][price_data][product_data][name]": input.description,
      ...(input.buyerEmail ? { customer_email: input.buyerEmail } : {}),
    });
    return {
      intentId: String(session.payment_intent ?? session.id),
      redirectUrl: String(session.url),
    };
  }

  handleReturn(url: URL): ReturnInfo {
    return { intentId: url.searchParams.get("payment_intent"), hint: "unknown" };
  }

  async verifyAndParseWebhook(
    request: { headers: Headers; body: string },
    options: { now?: Date } = {},
  ): Promise<WebhookResult> {
    const header = request.headers.get("stripe-signature") ?? "";
    const parts = header.split(",").map((p) => p.trim().split("=", 2) as [string, string]);
    const t = parts.find(([k]) => k === "t")?.[1];
    const v1s = parts.filter(([k]) => k === "v1").map(([, v]) => v ?? "");
    if (!t || !/^\d{1,12}$/.test(t) || v1s.length === 0) {
      return { ok: false, reason: "Missing or malformed Stripe-Signature header" };
    }
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    if (Math.abs(now - Number(t)) > STRIPE_TOLERANCE_SECONDS) {
      return { ok: false, reason: `Stale Stripe-Signature timestamp ${t}` };
    }
    const expected = await hmacHex("SHA-256", this.#whsec, `${t}.${request.body}`);
    if (!v1s.some((v) => sameText(v, expected))) {
      return { ok: false, reason: "Bad Stripe signature" };
    }
    let event: { id?: string; type?: string; data?: { object?: Record<string, unknown> } };
    try {
      event = JSON.parse(request.body);
    } catch {
      return { ok: false, reason: "Body is not JSON" };
    }
    const obj = event.data?.object ?? {};
    const type = event.type === "payment_intent.succeeded"
      ? "succeeded"
      : event.type === "payment_intent.payment_failed"
      ? "failed"
      : event.type === "payment_intent.canceled"
      ? "cancelled"
      : null;
    if (!type || typeof event.id !== "string" || typeof obj.id !== "string") {
      return { ok: false, reason: `Unsupported Stripe event ${event.type}` };
    }
    const error = obj.last_payment_error as { message?: string } | null | undefined;
    return {
      ok: true,
      event: {
        provider: this.id,
        eventId: event.id,
        intentId: obj.id,
        type,
        amountMinor: typeof obj.amount_received === "number" && type === "succeeded"
          ? obj.amount_received
          : typeof obj.amount === "number"
          ? obj.amount
          : null,
        currency: typeof obj.currency === "string" ? obj.currency.toUpperCase() : null,
        reason: error?.message ?? null,
        payload: event,
      },
    };
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const r = await this.#post("/v1/refunds", {
      payment_intent: input.intentId,
      amount: String(input.amountMinor),
      "metadata[reason]": input.reason,
    });
    const status = String(r.status);
    return {
      refundId: String(r.id),
      status: status === "succeeded" ? "succeeded" : status === "failed" ? "failed" : "pending",
    };
  }

  fetchSettlementReport(): Promise<SettlementLine[]> {
    return Promise.reject(new Error("Stripe payouts are imported from the balance report CSV"));
  }
}
