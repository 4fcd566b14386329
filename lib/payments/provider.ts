// One interface for every payment provider. The sandbox implements it now; the Money issue
// adds Paynow, Paystack, Flutterwave, M-Pesa and Stripe adapters behind the same shape.
// Providers only talk to the outside world and check signatures: every decision (is the order
// paid, is this event a replay, must the money go back) is made in SQL by
// api.record_payment_attempt and api.apply_payment_event (sql/151_payments.sql).

/** How the buyer pays through a provider (cash at the box office has no provider). */
export type PaymentMethod = "card" | "mobile_money";

export interface CreatePaymentInput {
  /** Integer minor units of `currency`. */
  amountMinor: number;
  currency: string;
  /** Our reference shown to the buyer and in settlements: the order code. */
  reference: string;
  description: string;
  method: PaymentMethod;
  /** Where the provider sends the buyer back (it appends its own query parameters). */
  returnUrl: string;
  /** Where the provider posts its signed webhooks for this payment. */
  notifyUrl: string;
  buyerEmail?: string | null;
  buyerPhone?: string | null;
}

export interface CreatedPayment {
  /** The provider's id of the payment intent: our payment reference. */
  intentId: string;
  /** The provider's hosted page for the buyer. */
  redirectUrl: string;
}

/** What the buyer's return tells us. Never trusted to mark anything paid: only webhooks do. */
export interface ReturnInfo {
  intentId: string | null;
  /** The provider's hint, for the message while we wait for the webhook. */
  hint: "succeeded" | "failed" | "cancelled" | "unknown";
}

/** A verified provider event, in the shape api.apply_payment_event takes. */
export interface ProviderEvent {
  provider: string;
  eventId: string;
  intentId: string;
  type: "succeeded" | "failed" | "cancelled";
  amountMinor: number | null;
  currency: string | null;
  reason: string | null;
  payload: unknown;
}

export type WebhookResult =
  | { ok: true; event: ProviderEvent }
  | { ok: false; reason: string };

export interface RefundInput {
  intentId: string;
  amountMinor: number;
  currency: string;
  reason: string;
  /**
   * Stable per refund (`mutambo-refund-<refund id>`): sent as the provider's documented
   * idempotency header, or used to find a refund made before (providers without one), so a
   * submission retried after a crash never refunds twice.
   */
  idempotencyKey: string;
}

/** A verified word from the provider on a refund (webhook or status poll). */
export interface RefundEvent {
  provider: string;
  eventId: string;
  providerRefundId: string;
  /** The refunded payment's intent id, when the event names it (finds a refund whose id we have not stored yet). */
  intentId: string | null;
  status: "pending" | "succeeded" | "failed";
  amountMinor: number | null;
  reason: string | null;
  payload: unknown;
}

export type RefundWebhookResult =
  | { ok: true; refund: RefundEvent }
  | { ok: false; reason: string };

export interface RefundResult {
  refundId: string;
  status: "pending" | "succeeded" | "failed";
}

/**
 * Thrown by refund() of a provider that has no refund API (Paynow; M-Pesa reversals need an
 * initiator of their own): the refund worker records the refund as one for finance to make by
 * hand (api.record_refund_manual) instead of retrying it.
 */
export class ManualRefundError extends Error {
  override name = "ManualRefundError";
}

export interface SettlementLine {
  intentId: string;
  reference: string;
  amountMinor: number;
  feeMinor: number;
  currency: string;
  settledAt: Date;
}

export interface PaymentProvider {
  /** Lowercase id stored with payments (`sandbox`, `paynow`, …). */
  readonly id: string;
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  handleReturn(url: URL): ReturnInfo;
  /** Checks the signature and freshness of a webhook request and parses it. */
  verifyAndParseWebhook(
    request: { headers: Headers; body: string },
    options?: { now?: Date },
  ): Promise<WebhookResult>;
  refund(input: RefundInput): Promise<RefundResult>;
  /** The provider's current status of a refund it accepted as pending (for the poll). */
  refundStatus?(providerRefundId: string): Promise<RefundResult>;
  /**
   * A verified refund event from a webhook request, or null when the request is not about a
   * refund (then verifyAndParseWebhook handles it as a payment event).
   */
  parseRefundWebhook?(
    request: { headers: Headers; body: string },
    options?: { now?: Date },
  ): Promise<RefundWebhookResult | null>;
  fetchSettlementReport(range: { from: Date; to: Date }): Promise<SettlementLine[]>;
}
