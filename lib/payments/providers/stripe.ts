// Stripe (https://docs.stripe.com/webhooks): `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`;
// each v1 is the hex HMAC-SHA256 of `<t>.<raw body>` with the endpoint's signing secret;
// a timestamp more than 300 s away from now is refused (the default tolerance of Stripe's
// libraries). payment_intent.succeeded / payment_intent.payment_failed carry the
// PaymentIntent (data.object.id is our intent id, amount in the smallest unit, currency in
// lowercase). Payments are created as Checkout Sessions (POST /v1/checkout/sessions, form
// encoded); refunds with POST /v1/refunds carrying Stripe's documented `Idempotency-Key`
// header (https://docs.stripe.com/api/idempotent_requests: a retry with the same key returns
// the first result), polled with GET /v1/refunds/<id>, and reported by the refund.created /
// refund.updated / refund.failed events (data.object is the Refund: id, status pending /
// requires_action / succeeded / failed / canceled, amount, payment_intent).
import type {
  CreatedPayment,
  CreatePaymentInput,
  PaymentProvider,
  RefundInput,
  RefundResult,
  RefundWebhookResult,
  ReturnInfo,
  SettlementLine,
  WebhookResult,
} from "../provider.ts";
import { hmacHex, sameText } from "./crypto.ts";

export const STRIPE_TOLERANCE_SECONDS = 300;

const REFUND_EVENTS = [
  "refund.created",
  "refund.updated",
  "refund.failed",
  "charge.refund.updated",
];

interface StripeEvent {
  id?: string;
  type?: string;
  data?: { object?: Record<string, unknown> };
}

/** Stripe's refund status in our three words (requires_action waits like pending). */
function refundStatus(status: unknown): RefundResult["status"] {
  return status === "succeeded"
    ? "succeeded"
    : status === "failed" || status === "canceled"
    ? "failed"
    : "pending";
}

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

  async #post(
    path: string,
    form: Record<string, string>,
    idempotencyKey?: string,
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#key}`,
      "content-type": "application/x-www-form-urlencoded",
    };
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const res = await this.#fetch(`${this.#base}${path}`, {
      method: "POST",
      headers,
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

  /** The signed event, or why it is refused. */
  async #verified(
    request: { headers: Headers; body: string },
    options: { now?: Date },
  ): Promise<{ ok: true; event: StripeEvent } | { ok: false; reason: string }> {
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
    try {
      return { ok: true, event: JSON.parse(request.body) };
    } catch {
      return { ok: false, reason: "Body is not JSON" };
    }
  }

  async verifyAndParseWebhook(
    request: { headers: Headers; body: string },
    options: { now?: Date } = {},
  ): Promise<WebhookResult> {
    const verified = await this.#verified(request, options);
    if (!verified.ok) return verified;
    const event = verified.event;
    const obj = event.data?.object ?? {};
    // Checkout Sessions (what createPayment makes) report checkout.session.completed with
    // payment_status "paid" and checkout.session.expired; the PaymentIntent events are kept
    // for intents whose id we recorded (a session that already had its payment_intent).
    const session = event.type?.startsWith("checkout.session.");
    const type = event.type === "payment_intent.succeeded" ||
        (event.type === "checkout.session.completed" && obj.payment_status === "paid")
      ? "succeeded"
      : event.type === "payment_intent.payment_failed"
      ? "failed"
      : event.type === "payment_intent.canceled" || event.type === "checkout.session.expired"
      ? "cancelled"
      : null;
    const received = session ? obj.amount_total : obj.amount_received;
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
        amountMinor: typeof received === "number" && type === "succeeded"
          ? received
          : typeof obj.amount === "number"
          ? obj.amount
          : null,
        currency: typeof obj.currency === "string" ? obj.currency.toUpperCase() : null,
        reason: error?.message ?? null,
        payload: event,
      },
    };
  }

  /**
   * The PaymentIntent to refund: our intent id is the Checkout Session's id when the session
   * had no PaymentIntent yet at creation (Stripe makes it when the buyer pays), and
   * POST /v1/refunds takes only a PaymentIntent (or charge); the session names it once paid
   * (GET /v1/checkout/sessions/<id>, payment_intent).
   */
  async #paymentIntentOf(intentId: string): Promise<string> {
    if (!intentId.startsWith("cs_")) return intentId;
    const res = await this.#fetch(
      `${this.#base}/v1/checkout/sessions/${encodeURIComponent(intentId)}`,
      { headers: { authorization: `Bearer ${this.#key}` } },
    );
    const session = await res.json() as { payment_intent?: unknown; error?: { message?: string } };
    if (!res.ok) {
      throw new Error(`Stripe session ${intentId}: ${session.error?.message ?? res.status}`);
    }
    const pi = typeof session.payment_intent === "string"
      ? session.payment_intent
      : (session.payment_intent as { id?: unknown } | null)?.id;
    if (typeof pi !== "string") throw new Error(`Stripe session ${intentId} has no payment`);
    return pi;
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const r = await this.#post("/v1/refunds", {
      payment_intent: await this.#paymentIntentOf(input.intentId),
      amount: String(input.amountMinor),
      "metadata[reason]": input.reason,
      "metadata[mutambo_refund]": input.idempotencyKey,
    }, input.idempotencyKey);
    return { refundId: String(r.id), status: refundStatus(r.status) };
  }

  async refundStatus(providerRefundId: string): Promise<RefundResult> {
    const res = await this.#fetch(
      `${this.#base}/v1/refunds/${encodeURIComponent(providerRefundId)}`,
      { headers: { authorization: `Bearer ${this.#key}` } },
    );
    const r = await res.json() as Record<string, unknown> & { error?: { message?: string } };
    if (!res.ok) {
      throw new Error(`Stripe refund ${providerRefundId}: ${r.error?.message ?? res.status}`);
    }
    return { refundId: String(r.id), status: refundStatus(r.status) };
  }

  async parseRefundWebhook(
    request: { headers: Headers; body: string },
    options: { now?: Date } = {},
  ): Promise<RefundWebhookResult | null> {
    const verified = await this.#verified(request, options);
    if (!verified.ok) return verified;
    const event = verified.event;
    const obj = event.data?.object ?? {};
    if (!REFUND_EVENTS.includes(String(event.type)) || obj.object !== "refund") return null;
    if (typeof event.id !== "string" || typeof obj.id !== "string") {
      return { ok: false, reason: `Malformed Stripe event ${event.type}` };
    }
    const status = refundStatus(obj.status);
    return {
      ok: true,
      refund: {
        provider: this.id,
        eventId: event.id,
        providerRefundId: obj.id,
        intentId: typeof obj.payment_intent === "string" ? obj.payment_intent : null,
        status,
        amountMinor: typeof obj.amount === "number" ? obj.amount : null,
        reason: status === "failed"
          ? `Stripe refund ${String(obj.status)}: ${
            String(obj.failure_reason ?? "no reason given")
          }`
          : null,
        payload: event,
      },
    };
  }

  fetchSettlementReport(): Promise<SettlementLine[]> {
    return Promise.reject(new Error("Stripe payouts are imported from the balance report CSV"));
  }
}
