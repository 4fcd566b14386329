// Paystack (https://paystack.com/docs): transactions are initialized with
// POST /transaction/initialize (Bearer secret key; amount in the subunit, e.g. kobo/cents),
// the buyer pays on the returned authorization_url, and Paystack posts webhooks whose raw
// body is signed with `x-paystack-signature`: hex HMAC-SHA512 of the body with the secret
// key. `charge.success` means paid; data.reference is our intent id, data.id Paystack's
// transaction id. Refunds: POST /refund {transaction, amount}.
// Idempotency: Paystack documents no idempotency header for POST /refund, so a retried
// submission is deduped by reference: our key (stable per refund) goes into merchant_note, and
// before creating a refund we list the transaction's refunds (GET /refund?transaction=…) and
// return the one carrying that key. Refund status: GET /refund/<id>; the webhook events
// refund.pending / refund.processing / refund.processed / refund.failed report it.
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

/** Paystack's refund status in our three words. */
function refundStatus(status: unknown): RefundResult["status"] {
  return status === "processed" ? "succeeded" : status === "failed" ? "failed" : "pending";
}

export interface PaystackOptions {
  secretKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
}

export class PaystackProvider implements PaymentProvider {
  readonly id = "paystack";
  #secret: string;
  #base: string;
  #fetch: typeof fetch;

  constructor(options: PaystackOptions) {
    this.#secret = options.secretKey;
    this.#base = options.baseUrl ?? "https://api.paystack.co";
    this.#fetch = options.fetch ?? fetch;
  }

  async #call(path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await this.#fetch(`${this.#base}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${this.#secret}`, "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const json = await res.json() as {
      status?: boolean;
      message?: string;
      data?: Record<string, unknown>;
    };
    if (!res.ok || json.status !== true || !json.data) {
      throw new Error(`Paystack ${path} failed: ${json.message ?? res.status}`);
    }
    return json.data;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const reference = `${input.reference}-${crypto.randomUUID().slice(0, 8)}`;
    const data = await this.#call("/transaction/initialize", {
      email: input.buyerEmail,
      amount: input.amountMinor,
      currency: input.currency,
      reference,
      callback_url: input.returnUrl,
      channels: input.method === "mobile_money" ? ["mobile_money"] : ["card"],
      metadata: { order_code: input.reference },
    });
    return {
      intentId: String(data.reference ?? reference),
      redirectUrl: String(data.authorization_url),
    };
  }

  handleReturn(url: URL): ReturnInfo {
    return {
      intentId: url.searchParams.get("reference") ?? url.searchParams.get("trxref"),
      hint: "unknown",
    };
  }

  async #verified(request: { headers: Headers; body: string }): Promise<
    | { ok: true; payload: { event?: string; data: Record<string, unknown> } }
    | { ok: false; reason: string }
  > {
    const signature = request.headers.get("x-paystack-signature") ?? "";
    if (!signature) return { ok: false, reason: "Missing x-paystack-signature header" };
    const expected = await hmacHex("SHA-512", this.#secret, request.body);
    if (!sameText(signature.toLowerCase(), expected)) {
      return { ok: false, reason: "Bad Paystack signature" };
    }
    try {
      const payload = JSON.parse(request.body);
      return { ok: true, payload: { ...payload, data: payload.data ?? {} } };
    } catch {
      return { ok: false, reason: "Body is not JSON" };
    }
  }

  async verifyAndParseWebhook(request: { headers: Headers; body: string }): Promise<WebhookResult> {
    const verified = await this.#verified(request);
    if (!verified.ok) return verified;
    const payload = verified.payload;
    const data = payload.data ?? {};
    const type = payload.event === "charge.success"
      ? "succeeded"
      : payload.event === "charge.failed"
      ? "failed"
      : null;
    if (!type || typeof data.reference !== "string") {
      return { ok: false, reason: `Unsupported Paystack event ${payload.event}` };
    }
    return {
      ok: true,
      event: {
        provider: this.id,
        eventId: `${payload.event}:${data.id}`,
        intentId: data.reference,
        type,
        amountMinor: typeof data.amount === "number" ? data.amount : null,
        currency: typeof data.currency === "string" ? data.currency : null,
        reason: typeof data.gateway_response === "string" ? data.gateway_response : null,
        payload,
      },
    };
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const marker = `[${input.idempotencyKey}]`;
    const listed = await this.#call(
      `/refund?transaction=${encodeURIComponent(input.intentId)}&perPage=100`,
    ) as unknown as Record<string, unknown>[] | Record<string, unknown>;
    const earlier = (Array.isArray(listed) ? listed : []).find((r) =>
      String(r.merchant_note ?? "").includes(marker)
    );
    if (earlier) return { refundId: String(earlier.id), status: refundStatus(earlier.status) };
    const data = await this.#call("/refund", {
      transaction: input.intentId,
      amount: input.amountMinor,
      currency: input.currency,
      merchant_note: `${input.reason.slice(0, 200)} ${marker}`,
    });
    return { refundId: String(data.id), status: refundStatus(data.status) };
  }

  async refundStatus(providerRefundId: string): Promise<RefundResult> {
    const data = await this.#call(`/refund/${encodeURIComponent(providerRefundId)}`);
    return { refundId: String(data.id ?? providerRefundId), status: refundStatus(data.status) };
  }

  async parseRefundWebhook(
    request: { headers: Headers; body: string },
  ): Promise<RefundWebhookResult | null> {
    const verified = await this.#verified(request);
    if (!verified.ok) return verified;
    const { event, data } = verified.payload;
    if (!event?.startsWith("refund.")) return null;
    const id = data.id ?? data.refund_reference;
    if (id === undefined || id === null) {
      return { ok: false, reason: `Paystack ${event} has no refund id` };
    }
    const status = event === "refund.processed"
      ? "succeeded"
      : event === "refund.failed"
      ? "failed"
      : "pending";
    return {
      ok: true,
      refund: {
        provider: this.id,
        eventId: `${event}:${id}`,
        providerRefundId: String(id),
        intentId: typeof data.transaction_reference === "string"
          ? data.transaction_reference
          : null,
        status,
        amountMinor: typeof data.amount === "number" ? data.amount : null,
        reason: status === "failed" ? `Paystack refund failed: ${String(data.status ?? "")}` : null,
        payload: verified.payload,
      },
    };
  }

  fetchSettlementReport(): Promise<SettlementLine[]> {
    return Promise.reject(new Error("Paystack settlements are imported from the dashboard CSV"));
  }
}
