// The refund worker: refunds__submit messages (queued by core.create_refund, sql/231, for
// every refund request, including the orders__refund and payments__refund messages its
// trigger turns into refunds) are sent to the order's provider through the provider
// interface, and the provider's answer is reported with api.confirm_refund, which posts the
// ledger once. Delivery is at least once, so:
//   * a refund already decided (api.refund_for_submission) is not sent to the provider again;
//   * a provider call that throws leaves the message for the outbox's retry with backoff;
//   * api.confirm_refund is idempotent (a decided refund stays decided).
// Cash refunds (box office) have no provider: the money is handed back at the counter, so the
// worker confirms them at once. Every provider call carries an idempotency key that is stable
// per refund (refundKey), so a submission retried after a crash (the provider refunded, we died
// before recording it) names the same refund at the provider instead of making a second one.
// A provider answering "pending" is recorded with api.record_refund_pending (sql/290) and the
// message is done: the provider's refund webhook or the refunds__check poll (queued by the
// pg_cron job refunds__poll for refunds pending too long) settles it with api.apply_refund_event.
// A provider without a refund API (ManualRefundError: Paynow, M-Pesa) is recorded with
// api.record_refund_manual and the message is done: finance refunds by hand from
// /admin/finance (api.complete_manual_refund, sql/292).
//
// Register in main.ts / workers/mod.ts: `handlers: { ...emailHandlers(), ...refundHandlers() }`.
import { rpc } from "../lib/rest/mod.ts";
import { ManualRefundError, type PaymentProvider } from "../lib/payments/provider.ts";
import { anyProvider } from "../lib/payments/adapters.ts";
import { SERVICE_CLAIMS } from "../lib/payments/service.ts";
import type { HandlerContext, OutboxHandler, OutboxMessage } from "./outbox.ts";

interface Refund {
  id: string;
  status: "requested" | "succeeded" | "failed";
  provider: string;
  intent_id: string | null;
  amount_minor: number;
  currency: string;
  reason: string;
  provider_refund_id: string | null;
  provider_status: "pending" | "succeeded" | "failed" | "manual" | null;
}

export interface RefundWorkerOptions {
  /** The provider for an id (default: the sandbox at `origin`, adapters from env vars). */
  provider?: (id: string, origin: string) => PaymentProvider | null;
}

/** The idempotency key of a refund at its provider: the same on every submission. */
export function refundKey(refundId: string): string {
  return `mutambo-refund-${refundId}`;
}

const call = <T>(fn: string, args: Record<string, unknown>) =>
  rpc<T>(fn, args, { claims: SERVICE_CLAIMS });

function providerOf(
  refund: Refund,
  context: Pick<HandlerContext, "origin">,
  options: RefundWorkerOptions,
): PaymentProvider {
  const provider = (options.provider ?? anyProvider)(refund.provider, context.origin);
  if (!provider) throw new Error(`Payment provider "${refund.provider}" is not configured`);
  return provider;
}

/**
 * Submits one refund; throws (so the outbox retries) when the provider cannot be reached.
 * Returns the refund's status afterwards ("pending" while the provider processes it).
 */
export async function submitRefund(
  refundId: string,
  context: Pick<HandlerContext, "origin">,
  options: RefundWorkerOptions = {},
): Promise<Refund["status"] | "pending"> {
  const refund = await call<Refund>("refund_for_submission", { refund_id: refundId });
  if (refund.status !== "requested") return refund.status; // a redelivery: already decided
  if (refund.provider_status === "pending") return "pending"; // accepted: the poll takes over
  if (refund.provider_status === "manual") return "pending"; // finance makes it by hand
  if (refund.provider === "cash") {
    await call("confirm_refund", {
      refund_id: refund.id,
      status: "succeeded",
      provider_refund_id: `cash:${refund.id}`,
    });
    return "succeeded";
  }
  const provider = providerOf(refund, context, options);
  if (!refund.intent_id) throw new Error(`Refund ${refund.id} has no payment to refund`);
  let answer;
  try {
    answer = await provider.refund({
      intentId: refund.intent_id,
      amountMinor: Number(refund.amount_minor),
      currency: refund.currency,
      reason: refund.reason,
      idempotencyKey: refundKey(refund.id),
    });
  } catch (e) {
    if (!(e instanceof ManualRefundError)) throw e;
    // no refund API: for finance to make by hand (sql/292), not retried
    await call("record_refund_manual", { refund_id: refund.id, reason: e.message });
    return "pending";
  }
  if (answer.status === "pending") {
    await call("record_refund_pending", {
      refund_id: refund.id,
      provider_refund_id: answer.refundId,
    });
    return "pending";
  }
  await call("confirm_refund", {
    refund_id: refund.id,
    status: answer.status,
    provider_refund_id: answer.refundId,
    reason: answer.status === "failed" ? `Refused by ${provider.id}` : null,
  });
  return answer.status;
}

/** Asks the provider for the status of a refund it accepted as pending, and applies it once. */
export async function checkRefund(
  refundId: string,
  context: Pick<HandlerContext, "origin">,
  options: RefundWorkerOptions = {},
): Promise<Refund["status"] | "pending"> {
  const refund = await call<Refund>("refund_for_submission", { refund_id: refundId });
  if (refund.status !== "requested") return refund.status;
  if (!refund.provider_refund_id) return await submitRefund(refundId, context, options);
  const provider = providerOf(refund, context, options);
  if (!provider.refundStatus) {
    throw new Error(`${provider.id} cannot report a refund's status; check its dashboard`);
  }
  const answer = await provider.refundStatus(refund.provider_refund_id);
  const applied = await call<{ refund_status: Refund["status"] }>("apply_refund_event", {
    provider: provider.id,
    provider_event_id: `poll:${refund.id}:${answer.status}`,
    provider_refund_id: refund.provider_refund_id,
    status: answer.status,
    intent_id: refund.intent_id,
    reason: answer.status === "failed" ? `Refused by ${provider.id}` : null,
    payload: { polled: true, refund_id: answer.refundId, status: answer.status },
  });
  return applied.refund_status === "requested" ? "pending" : applied.refund_status;
}

function refundIdOf(message: OutboxMessage): string {
  const id = message.payload.refund_id;
  if (typeof id !== "string" || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new Error(`Message ${message.id} has no refund_id`);
  }
  return id;
}

/** Outbox handlers for refunds, to spread into the worker's handlers. */
export function refundHandlers(options: RefundWorkerOptions = {}): Record<string, OutboxHandler> {
  return {
    refunds__submit: async (message: OutboxMessage, context: HandlerContext) => {
      await submitRefund(refundIdOf(message), context, options);
    },
    refunds__check: async (message: OutboxMessage, context: HandlerContext) => {
      await checkRefund(refundIdOf(message), context, options);
    },
  };
}
