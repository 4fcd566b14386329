// The refund worker: refunds__submit messages (queued by core.create_refund, sql/231, for
// every refund request, including the orders__refund and payments__refund messages its
// trigger turns into refunds) are sent to the order's provider through the provider
// interface, and the provider's answer is reported with api.confirm_refund, which posts the
// ledger once. Delivery is at least once, so:
//   * a refund already decided (api.refund_for_submission) is not sent to the provider again;
//   * a provider call that throws leaves the message for the outbox's retry with backoff;
//   * api.confirm_refund is idempotent (a decided refund stays decided).
// Cash refunds (box office) have no provider: the money is handed back at the counter, so the
// worker confirms them at once. A provider answering "pending" (Paystack processes refunds
// asynchronously) is left requested: the message fails and is retried until the provider
// reports it processed or failed.
//
// Register in main.ts / workers/mod.ts: `handlers: { ...emailHandlers(), ...refundHandlers() }`.
import { rpc } from "../lib/rest/mod.ts";
import type { PaymentProvider } from "../lib/payments/provider.ts";
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
}

export interface RefundWorkerOptions {
  /** The provider for an id (default: the sandbox at `origin`, adapters from env vars). */
  provider?: (id: string, origin: string) => PaymentProvider | null;
}

/** Submits one refund; throws (so the outbox retries) when the provider cannot answer yet. */
export async function submitRefund(
  refundId: string,
  context: Pick<HandlerContext, "origin">,
  options: RefundWorkerOptions = {},
): Promise<Refund["status"]> {
  const call = <T>(fn: string, args: Record<string, unknown>) =>
    rpc<T>(fn, args, { claims: SERVICE_CLAIMS });
  const refund = await call<Refund>("refund_for_submission", { refund_id: refundId });
  if (refund.status !== "requested") return refund.status; // a redelivery: already decided
  if (refund.provider === "cash") {
    await call("confirm_refund", {
      refund_id: refund.id,
      status: "succeeded",
      provider_refund_id: `cash:${refund.id}`,
    });
    return "succeeded";
  }
  const provider = (options.provider ?? anyProvider)(refund.provider, context.origin);
  if (!provider) throw new Error(`Payment provider "${refund.provider}" is not configured`);
  if (!refund.intent_id) throw new Error(`Refund ${refund.id} has no payment to refund`);
  const answer = await provider.refund({
    intentId: refund.intent_id,
    amountMinor: Number(refund.amount_minor),
    currency: refund.currency,
    reason: refund.reason,
  });
  if (answer.status === "pending") {
    throw new Error(
      `${provider.id} accepted refund ${answer.refundId} but has not processed it yet`,
    );
  }
  await call("confirm_refund", {
    refund_id: refund.id,
    status: answer.status,
    provider_refund_id: answer.refundId,
    reason: answer.status === "failed" ? `Refused by ${provider.id}` : null,
  });
  return answer.status;
}

/** Outbox handlers for refunds, to spread into the worker's handlers. */
export function refundHandlers(options: RefundWorkerOptions = {}): Record<string, OutboxHandler> {
  return {
    refunds__submit: async (message: OutboxMessage, context: HandlerContext) => {
      const id = message.payload.refund_id;
      if (typeof id !== "string" || !/^[0-9a-f-]{36}$/i.test(id)) {
        throw new Error(`Message ${message.id} has no refund_id`);
      }
      await submitRefund(id, context, options);
    },
  };
}
