// Flutterwave v3 (https://developer.flutterwave.com/docs/webhooks): the dashboard's secret
// hash is sent back verbatim in the `verif-hash` header (compare, no HMAC). `charge.completed`
// with data.status "successful" is paid, "failed" failed; data.tx_ref is our intent id,
// data.id Flutterwave's transaction id, data.amount in MAJOR units (converted here).
// Payments: POST /v3/payments (hosted link); refunds: POST /v3/transactions/<id>/refund with
// the `X-Idempotency-Key` header Flutterwave documents for its POST endpoints (a repeat with
// the same key returns the first response, marked X-Idempotency-Cache-Hit: true), polled with
// GET /v3/refunds/<id> (status "completed" is done).
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
import { sameText, toMinor } from "./crypto.ts";

/** Flutterwave's refund status in our three words. */
function refundStatus(status: unknown): RefundResult["status"] {
  return status === "completed" || status === "successful"
    ? "succeeded"
    : status === "failed"
    ? "failed"
    : "pending";
}

export interface FlutterwaveOptions {
  secretKey: string;
  secretHash: string;
  baseUrl?: string;
  fetch?: typeof fetch;
}

export class FlutterwaveProvider implements PaymentProvider {
  readonly id = "flutterwave";
  #key: string;
  #hash: string;
  #base: string;
  #fetch: typeof fetch;

  constructor(options: FlutterwaveOptions) {
    this.#key = options.secretKey;
    this.#hash = options.secretHash;
    this.#base = options.baseUrl ?? "https://api.flutterwave.com";
    this.#fetch = options.fetch ?? fetch;
  }

  async #post(
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#key}`,
      "content-type": "application/json",
    };
    if (idempotencyKey) headers["x-idempotency-key"] = idempotencyKey;
    const res = await this.#fetch(`${this.#base}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    const json = await res.json() as {
      status?: string;
      message?: string;
      data?: Record<string, unknown>;
    };
    if (!res.ok || json.status !== "success" || !json.data) {
      throw new Error(`Flutterwave ${path} failed: ${json.message ?? res.status}`);
    }
    return json.data;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const txRef = `${input.reference}-${crypto.randomUUID().slice(0, 8)}`;
    const data = await this.#post("/v3/payments", {
      tx_ref: txRef,
      amount: (input.amountMinor / 100).toFixed(2),
      currency: input.currency,
      redirect_url: input.returnUrl,
      customer: {
        email: input.buyerEmail ?? undefined,
        phonenumber: input.buyerPhone ?? undefined,
      },
      payment_options: input.method === "mobile_money" ? "mobilemoney" : "card",
      customizations: { title: input.description },
    });
    return { intentId: txRef, redirectUrl: String(data.link) };
  }

  handleReturn(url: URL): ReturnInfo {
    const status = url.searchParams.get("status");
    return {
      intentId: url.searchParams.get("tx_ref"),
      hint: status === "successful"
        ? "succeeded"
        : status === "cancelled"
        ? "cancelled"
        : "unknown",
    };
  }

  verifyAndParseWebhook(request: { headers: Headers; body: string }): Promise<WebhookResult> {
    const hash = request.headers.get("verif-hash") ?? "";
    if (!hash || !sameText(hash, this.#hash)) {
      return Promise.resolve({ ok: false, reason: "Bad or missing verif-hash header" });
    }
    let payload: { event?: string; data?: Record<string, unknown> };
    try {
      payload = JSON.parse(request.body);
    } catch {
      return Promise.resolve({ ok: false, reason: "Body is not JSON" });
    }
    const d = payload.data ?? {};
    const type = d.status === "successful" ? "succeeded" : d.status === "failed" ? "failed" : null;
    if (payload.event !== "charge.completed" || !type || typeof d.tx_ref !== "string") {
      return Promise.resolve({
        ok: false,
        reason: `Unsupported Flutterwave event ${payload.event}`,
      });
    }
    return Promise.resolve({
      ok: true,
      event: {
        provider: this.id,
        eventId: `charge.completed:${d.id}:${d.status}`,
        intentId: d.tx_ref,
        type,
        amountMinor: toMinor(d.amount),
        currency: typeof d.currency === "string" ? d.currency : null,
        reason: typeof d.processor_response === "string" ? d.processor_response : null,
        payload,
      },
    });
  }

  async refund(input: RefundInput & { transactionId?: string }): Promise<RefundResult> {
    const data = await this.#post(
      `/v3/transactions/${encodeURIComponent(input.transactionId ?? input.intentId)}/refund`,
      {
        amount: (input.amountMinor / 100).toFixed(2),
        comments: input.reason,
      },
      input.idempotencyKey,
    );
    return { refundId: String(data.id), status: refundStatus(data.status) };
  }

  async refundStatus(providerRefundId: string): Promise<RefundResult> {
    const data = await this.#post(`/v3/refunds/${encodeURIComponent(providerRefundId)}`);
    return { refundId: String(data.id ?? providerRefundId), status: refundStatus(data.status) };
  }

  fetchSettlementReport(): Promise<SettlementLine[]> {
    return Promise.reject(new Error("Flutterwave settlements are imported from the dashboard CSV"));
  }
}
