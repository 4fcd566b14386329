// The payment side of our server: starting a payment for an order, applying verified webhooks
// and sealing the order link for the confirmation email. It calls the SQL API with the
// server's payment service claims (platform_admin); SQL decides everything.
import { ApiError, rpc } from "../rest/mod.ts";
import { jwtSecret } from "../config.ts";
import type { PaymentMethod, PaymentProvider, ProviderEvent, RefundEvent } from "./provider.ts";
import { SandboxProvider } from "./sandbox.ts";

export const SERVICE_CLAIMS = { role: "platform_admin" } as const;

/** The provider for `id`; the sandbox's API is at SANDBOX_PAY_URL or the request's origin. */
export function providerFor(id: string, origin: string): PaymentProvider {
  if (id === "sandbox") return new SandboxProvider(Deno.env.get("SANDBOX_PAY_URL") ?? origin);
  throw new Error(`Unknown payment provider "${id}"`);
}

export interface PayableOrder {
  id: string;
  code: string;
  total_minor: number;
  currency: string;
  buyer_email?: string | null;
  buyer_phone?: string | null;
  event?: { name: string };
}

/** Creates a provider intent for the order, records the attempt, returns the provider's page. */
export async function startPayment(
  order: PayableOrder,
  options: {
    accessToken: string;
    method: PaymentMethod;
    origin: string;
    /** The provider the buyer chose (lib/payments/checkout.ts); the sandbox when absent. */
    provider?: PaymentProvider;
  },
): Promise<string> {
  const provider = options.provider ?? providerFor("sandbox", options.origin);
  const returnUrl = new URL("/checkout/return", options.origin);
  returnUrl.searchParams.set("o", order.code);
  returnUrl.searchParams.set("k", options.accessToken);
  const created = await provider.createPayment({
    amountMinor: order.total_minor,
    currency: order.currency,
    reference: order.code,
    description: `Tickets ${order.event?.name ?? ""} · order ${order.code}`.trim(),
    method: options.method,
    returnUrl: returnUrl.toString(),
    notifyUrl: new URL(`/webhooks/${provider.id}`, options.origin).toString(),
    buyerEmail: order.buyer_email ?? null,
    buyerPhone: order.buyer_phone ?? null,
  });
  await rpc("record_payment_attempt", {
    order_id: order.id,
    provider: provider.id,
    intent_id: created.intentId,
    amount_minor: order.total_minor,
    currency: order.currency,
    method: options.method,
  }, { claims: SERVICE_CLAIMS });
  return created.redirectUrl;
}

export interface ApplyOutcome {
  outcome: string;
  replay: boolean;
  order_code: string;
  order_status: string;
  payment_status: string;
}

/** Applies a verified event once (SQL dedupes by provider event id). */
export async function applyEvent(event: ProviderEvent): Promise<ApplyOutcome> {
  return await rpc<ApplyOutcome>("apply_payment_event", {
    provider: event.provider,
    provider_event_id: event.eventId,
    intent_id: event.intentId,
    type: event.type,
    amount_minor: event.amountMinor,
    currency: event.currency,
    reason: event.reason,
    payload: event.payload,
  }, { claims: SERVICE_CLAIMS });
}

/** Applies a verified refund event once (SQL dedupes by provider event id). */
export async function applyRefundEvent(
  event: RefundEvent,
): Promise<{ outcome: string; replay: boolean; refund_id: string; refund_status: string }> {
  return await rpc("apply_refund_event", {
    provider: event.provider,
    provider_event_id: event.eventId,
    provider_refund_id: event.providerRefundId,
    status: event.status,
    intent_id: event.intentId,
    amount_minor: event.amountMinor,
    reason: event.reason,
    payload: event.payload,
  }, { claims: SERVICE_CLAIMS });
}

/** Records a refused webhook (never applied); logging must not fail the answer. */
export async function logRejection(
  provider: string,
  reason: string,
  request: { signature: string | null; body: string },
): Promise<void> {
  console.warn(`webhook ${provider} rejected: ${reason}`);
  await rpc("log_webhook_rejection", {
    provider,
    reason,
    signature_header: request.signature,
    body_excerpt: request.body.slice(0, 2000),
  }, { claims: SERVICE_CLAIMS }).catch((e) =>
    console.error("logging a webhook rejection failed", e)
  );
}

// ---------------------------------------------------------------------------------------
// Sealed order links (AES-GCM with a key derived from the server secret)

let sealKey: Promise<CryptoKey> | undefined;
function key(): Promise<CryptoKey> {
  sealKey ??= (async () => {
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(`order-links:${jwtSecret()}`),
    );
    return await crypto.subtle.importKey("raw", digest, "AES-GCM", false, ["encrypt", "decrypt"]);
  })();
  return sealKey;
}

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

export async function seal(text: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      await key(),
      new TextEncoder().encode(text),
    ),
  );
  return `v1.${b64(iv)}.${b64(data)}`;
}

export async function unseal(sealed: string): Promise<string> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("Not a sealed link");
  const bytes = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes(iv) },
    await key(),
    bytes(data),
  );
  return new TextDecoder().decode(plain);
}

/** Keeps the buyer's order path (`/o/<code>?k=<token>`) for the confirmation email. */
export async function storeOrderLink(orderId: string, path: string): Promise<void> {
  await rpc("store_order_link", { order_id: orderId, sealed: await seal(path) }, {
    claims: SERVICE_CLAIMS,
  });
}

export { ApiError };
