// Our adapter for the sandbox provider: its HTTP API, its return parameters and its webhook
// signature (`Sandbox-Signature: t=…,v1=…`, HMAC-SHA256 over `t.body`, 5 minutes tolerance).
import { checkSignature } from "./hmac.ts";
import type {
  CreatedPayment,
  CreatePaymentInput,
  PaymentProvider,
  ProviderEvent,
  RefundInput,
  RefundResult,
  ReturnInfo,
  SettlementLine,
  WebhookResult,
} from "./provider.ts";
import { sandboxApiKey, sandboxWebhookSecret } from "./secrets.ts";
import { parseSettlement } from "./settlements/mod.ts";

const eventTypes: Record<string, ProviderEvent["type"]> = {
  "payment_intent.succeeded": "succeeded",
  "payment_intent.payment_failed": "failed",
  "payment_intent.canceled": "cancelled",
};

export class SandboxProvider implements PaymentProvider {
  readonly id = "sandbox";

  /** `baseUrl` is where the provider's API lives (our own origin in development). */
  constructor(private readonly baseUrl: string) {}

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const response = await fetch(new URL("/sandbox-pay/api/intents", this.baseUrl), {
      method: "POST",
      headers: {
        authorization: `Bearer ${sandboxApiKey()}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        amount_minor: input.amountMinor,
        currency: input.currency,
        reference: input.reference,
        description: input.description,
        method: input.method,
        return_url: input.returnUrl,
        notify_url: input.notifyUrl,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status !== 201 || typeof body.id !== "string") {
      throw new Error(
        `The sandbox provider refused the payment (${response.status}): ${body.error ?? "?"}`,
      );
    }
    return { intentId: body.id, redirectUrl: new URL(body.hosted_url, this.baseUrl).toString() };
  }

  handleReturn(url: URL): ReturnInfo {
    const status = url.searchParams.get("status");
    const hint = status === "succeeded"
      ? "succeeded"
      : status === "failed"
      ? "failed"
      : status === "cancelled"
      ? "cancelled"
      : "unknown";
    return { intentId: url.searchParams.get("intent"), hint };
  }

  async verifyAndParseWebhook(
    request: { headers: Headers; body: string },
    options: { now?: Date } = {},
  ): Promise<WebhookResult> {
    const problem = await checkSignature(
      sandboxWebhookSecret(),
      request.headers.get("sandbox-signature"),
      request.body,
      options.now ? { now: options.now } : {},
    );
    if (problem) return { ok: false, reason: problem };
    let event;
    try {
      event = JSON.parse(request.body);
    } catch {
      return { ok: false, reason: "Body is not JSON" };
    }
    const intent = event?.data?.object;
    const type = eventTypes[event?.type];
    if (typeof event?.id !== "string" || !type || typeof intent?.id !== "string") {
      return { ok: false, reason: `Unknown event "${String(event?.type).slice(0, 40)}"` };
    }
    return {
      ok: true,
      event: {
        provider: this.id,
        eventId: event.id,
        intentId: intent.id,
        type,
        amountMinor: typeof intent.amount_minor === "number" ? intent.amount_minor : null,
        currency: typeof intent.currency === "string" ? intent.currency : null,
        reason: typeof intent.failure_reason === "string" ? intent.failure_reason : null,
        payload: event,
      },
    };
  }

  refund(input?: RefundInput): Promise<RefundResult> {
    // The sandbox accepts every refund at once; its refund id follows from our idempotency
    // key, so a retried submission names the same refund.
    const id = input?.idempotencyKey ?? crypto.randomUUID();
    return Promise.resolve({ refundId: `re_${id}`, status: "succeeded" });
  }

  refundStatus(providerRefundId: string): Promise<RefundResult> {
    return Promise.resolve({ refundId: providerRefundId, status: "succeeded" });
  }

  async fetchSettlementReport(range: { from: Date; to: Date }): Promise<SettlementLine[]> {
    const url = new URL("/sandbox-pay/api/settlements", this.baseUrl);
    url.searchParams.set("from", range.from.toISOString());
    url.searchParams.set("to", range.to.toISOString());
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${sandboxApiKey()}` },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `The sandbox provider refused the settlement report (${response.status}): ${text.trim()}`,
      );
    }
    if (text.trim().split(/\r?\n/).length <= 1) return []; // only the header: nothing settled
    const parsed = await parseSettlement("sandbox", text);
    return parsed.lines.filter((l) => l.type === "payment").map((l) => ({
      intentId: l.intent_id ?? "",
      reference: l.reference,
      amountMinor: l.gross_minor,
      feeMinor: l.fee_minor,
      currency: l.currency,
      settledAt: new Date(l.settled_at),
    }));
  }
}
