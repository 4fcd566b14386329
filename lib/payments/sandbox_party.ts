// The SANDBOX PAYMENT PROVIDER itself: a separate party that happens to run in our process.
// It keeps payment intents in its own Deno KV database, serves its hosted payment page
// (routes/sandbox-pay/…), and delivers signed webhooks to the merchant's notify URL through a
// Deno KV queue (at least once; retried with exponential backoff until a 2xx answer, at most
// MAX_ATTEMPTS times). Our server talks to it only over HTTP (lib/payments/sandbox.ts), as it
// would to Paynow or Stripe.
import { projectRoot } from "../config.ts";
import { signatureHeader } from "./hmac.ts";
import { sandboxApiKey, sandboxWebhookSecret } from "./secrets.ts";
import { sandboxSettlementCsv } from "./settlements/sandbox.ts";
import type { NormalizedLine } from "./settlements/types.ts";

export type IntentStatus = "requires_action" | "succeeded" | "failed" | "cancelled";

export interface Intent {
  id: string;
  amount_minor: number;
  currency: string;
  reference: string;
  description: string;
  method: string;
  return_url: string;
  notify_url: string;
  status: IntentStatus;
  failure_reason: string | null;
  created_at: string;
  decided_at: string | null;
}

export interface SandboxEvent {
  id: string;
  type: "payment_intent.succeeded" | "payment_intent.payment_failed" | "payment_intent.canceled";
  created: number;
  data: { object: Intent };
}

interface Delivery {
  eventId: string;
  attempt: number;
}

export interface DeliveryRecord {
  eventId: string;
  attempts: number;
  delivered: boolean;
  lastStatus: number | null;
  lastError: string | null;
}

export const MAX_ATTEMPTS = 8;

let kvPromise: Promise<Deno.Kv> | undefined;
let listening: Promise<void> | undefined;

function kvPath(): string {
  return Deno.env.get("SANDBOX_KV_PATH") ?? `${projectRoot}.data/sandbox-pay.kv`;
}

async function kv(): Promise<Deno.Kv> {
  kvPromise ??= (async () => {
    const path = kvPath();
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true }).catch(() => {});
    const store = await Deno.openKv(path);
    listening = store.listenQueue((message) => deliver(message as Delivery));
    return store;
  })();
  return await kvPromise;
}

/** Stops the queue listener and closes the store (tests, shutdown). */
export async function closeSandboxParty(): Promise<void> {
  const current = kvPromise;
  kvPromise = undefined;
  if (!current) return;
  (await current).close();
  await listening?.catch(() => {});
}

function randomId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function backoffMs(attempt: number): number {
  const base = Number(Deno.env.get("SANDBOX_RETRY_BASE_MS") ?? "1000");
  return Math.min(base * 2 ** attempt, 10 * 60 * 1000);
}

/** The provider's API: POST /sandbox-pay/api/intents. Throws a Response-worthy message on bad input. */
export async function createIntent(
  apiKey: string | null,
  input: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  if (apiKey !== sandboxApiKey()) return { status: 401, body: { error: "Invalid API key" } };
  const amount = input.amount_minor;
  const currency = input.currency;
  if (typeof amount !== "number" || !Number.isInteger(amount) || amount < 0) {
    return { status: 400, body: { error: `amount_minor must be a whole number, not ${amount}` } };
  }
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) {
    return { status: 400, body: { error: `currency must be a 3-letter code, not ${currency}` } };
  }
  for (const field of ["return_url", "notify_url"]) {
    try {
      new URL(String(input[field]));
    } catch {
      return { status: 400, body: { error: `${field} must be an absolute URL` } };
    }
  }
  const intent: Intent = {
    id: randomId("pi_"),
    amount_minor: amount,
    currency,
    reference: String(input.reference ?? "").slice(0, 64),
    description: String(input.description ?? "").slice(0, 200),
    method: input.method === "mobile_money" ? "mobile_money" : "card",
    return_url: String(input.return_url),
    notify_url: String(input.notify_url),
    status: "requires_action",
    failure_reason: null,
    created_at: new Date().toISOString(),
    decided_at: null,
  };
  await (await kv()).set(["intents", intent.id], intent);
  return {
    status: 201,
    body: { id: intent.id, status: intent.status, hosted_url: `/sandbox-pay/${intent.id}` },
  };
}

export async function getIntent(id: string): Promise<Intent | null> {
  if (!/^pi_[0-9a-f]{32}$/.test(id)) return null;
  return (await (await kv()).get<Intent>(["intents", id])).value;
}

/**
 * The buyer's choice on the hosted page. Returns where to send the buyer (the merchant's return
 * URL with `intent` and `status`), or null for an unknown intent. A decided intent stays decided.
 */
export async function decide(
  id: string,
  choice: "approve" | "decline" | "abandon",
): Promise<string | null> {
  const store = await kv();
  const entry = await store.get<Intent>(["intents", id]);
  const intent = entry.value;
  if (!intent) return null;
  if (intent.status === "requires_action") {
    const status: IntentStatus = choice === "approve"
      ? "succeeded"
      : choice === "decline"
      ? "failed"
      : "cancelled";
    const decided: Intent = {
      ...intent,
      status,
      failure_reason: status === "failed" ? "Card declined by the issuer (sandbox)" : null,
      decided_at: new Date().toISOString(),
    };
    const event: SandboxEvent = {
      id: randomId("evt_"),
      type: status === "succeeded"
        ? "payment_intent.succeeded"
        : status === "failed"
        ? "payment_intent.payment_failed"
        : "payment_intent.canceled",
      created: Math.floor(Date.now() / 1000),
      data: { object: decided },
    };
    const result = await store.atomic().check(entry)
      .set(["intents", id], decided)
      .set(["events", event.id], event)
      .set(
        ["deliveries", event.id],
        {
          eventId: event.id,
          attempts: 0,
          delivered: false,
          lastStatus: null,
          lastError: null,
        } satisfies DeliveryRecord,
      )
      .enqueue({ eventId: event.id, attempt: 0 } satisfies Delivery)
      .commit();
    if (result.ok) return returnUrl(decided);
    return await decide(id, choice); // someone else decided first: follow their decision
  }
  return returnUrl(intent);
}

function returnUrl(intent: Intent): string {
  const url = new URL(intent.return_url);
  url.searchParams.set("intent", intent.id);
  url.searchParams.set("status", intent.status);
  return url.toString();
}

/** Sends one webhook; on failure queues the next attempt with backoff. */
async function deliver(message: Delivery): Promise<void> {
  const store = await kv();
  const event = (await store.get<SandboxEvent>(["events", message.eventId])).value;
  if (!event) return;
  const record = (await store.get<DeliveryRecord>(["deliveries", event.id])).value;
  if (record?.delivered) return; // at-least-once: a duplicate queue message sends nothing
  let status: number | null = null;
  let error: string | null = null;
  try {
    status = await send(event);
  } catch (e) {
    error = (e as Error).message;
  }
  const delivered = status !== null && status >= 200 && status < 300;
  await store.set(
    ["deliveries", event.id],
    {
      eventId: event.id,
      attempts: message.attempt + 1,
      delivered,
      lastStatus: status,
      lastError: error,
    } satisfies DeliveryRecord,
  );
  if (!delivered && message.attempt + 1 < MAX_ATTEMPTS) {
    await store.enqueue({ eventId: event.id, attempt: message.attempt + 1 } satisfies Delivery, {
      delay: backoffMs(message.attempt),
    });
  }
}

/** POSTs the signed event to the intent's notify URL; returns the HTTP status. */
export async function send(
  event: SandboxEvent,
  options: { timestamp?: number } = {},
): Promise<number> {
  const body = JSON.stringify(event);
  const response = await fetch(event.data.object.notify_url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "sandbox-signature": await signatureHeader(sandboxWebhookSecret(), body, options.timestamp),
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  return response.status;
}

/** Test and support tools of the sandbox dashboard: an event, its delivery, a redelivery. */
export async function getEvent(id: string): Promise<SandboxEvent | null> {
  return (await (await kv()).get<SandboxEvent>(["events", id])).value;
}

export async function deliveryOf(eventId: string): Promise<DeliveryRecord | null> {
  return (await (await kv()).get<DeliveryRecord>(["deliveries", eventId])).value;
}

export async function eventsOf(intentId: string): Promise<SandboxEvent[]> {
  const events: SandboxEvent[] = [];
  for await (const entry of (await kv()).list<SandboxEvent>({ prefix: ["events"] })) {
    if (entry.value.data.object.id === intentId) events.push(entry.value);
  }
  return events;
}

/**
 * The provider's settlement report (GET /sandbox-pay/api/settlements): every intent that
 * succeeded in [from, to), with the sandbox's fee of 2.9 % rounded half up, paid out in one
 * payout per UTC day, in the sandbox CSV format of lib/payments/settlements/sandbox.ts.
 */
export async function settlementReport(
  apiKey: string | null,
  range: { from: Date; to: Date },
): Promise<{ status: number; body: string }> {
  if (apiKey !== sandboxApiKey()) return { status: 401, body: "Invalid API key\n" };
  if (!(range.from.getTime() < range.to.getTime())) {
    return { status: 400, body: "from must be a time before to\n" };
  }
  const lines: NormalizedLine[] = [];
  for await (const entry of (await kv()).list<Intent>({ prefix: ["intents"] })) {
    const intent = entry.value;
    if (intent.status !== "succeeded" || !intent.decided_at) continue;
    const at = new Date(intent.decided_at);
    if (at < range.from || at >= range.to) continue;
    const fee = Math.round(intent.amount_minor * 0.029);
    lines.push({
      type: "payment",
      reference: intent.reference || intent.id,
      intent_id: intent.id,
      gross_minor: intent.amount_minor,
      fee_minor: fee,
      net_minor: intent.amount_minor - fee,
      currency: intent.currency,
      settled_at: intent.decided_at,
      payout_id: `po_${intent.decided_at.slice(0, 10).replaceAll("-", "")}`,
    });
  }
  lines.sort((a, b) => a.settled_at.localeCompare(b.settled_at));
  return { status: 200, body: sandboxSettlementCsv(lines) };
}
