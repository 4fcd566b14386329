// Webhook deliveries for the outbox worker: topic webhooks__deliver (queued by sql/280, one
// message per event and endpoint). The handler POSTs the event as JSON to the endpoint, signed
// with its secret (lib/webhooks/sign.ts), with a 10 s timeout and without following redirects.
// A 2xx answer is delivered; anything else (another status, a timeout, a refused connection)
// throws, so the outbox retries with jittered backoff and dead-letters after its max attempts.
// Every attempt is logged in core.webhook_deliveries. The event id (Mutambo-Delivery) is the
// same on every attempt: receivers dedupe on it. A disabled or deleted endpoint gets nothing.
// Before each attempt the URL's host is resolved again and refused when any address is not
// public (lib/webhooks/ssrf.ts): DNS may have changed since the endpoint was added. The refusal
// is logged like a failed attempt. (The fetch resolves the name once more; a rebinding in
// between is the gap left, narrowed to milliseconds.)
import { webhookHeaders } from "../lib/webhooks/sign.ts";
import { checkWebhookUrl, type UrlCheckOptions } from "../lib/webhooks/ssrf.ts";
import type { OutboxHandler, OutboxMessage } from "./outbox.ts";

export const WEBHOOK_TOPIC = "webhooks__deliver";

export interface WebhookOptions {
  /** Per request (ms, default 10 000). */
  timeoutMs?: number;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** How URLs are checked before delivery (loopback allowed, resolver). */
  urlCheck?: UrlCheckOptions;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** The body the receiver gets: the event without the endpoint id. */
export function webhookBody(payload: Record<string, unknown>): string {
  return JSON.stringify({
    id: payload.id,
    type: payload.type,
    created_at: payload.created_at,
    data: payload.data ?? {},
  });
}

/** The handler for webhooks__deliver. */
export function webhookHandlers(options: WebhookOptions = {}): Record<string, OutboxHandler> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const deliver: OutboxHandler = async (m: OutboxMessage, { sql }) => {
    const endpointId = str(m.payload.endpoint_id);
    const eventId = str(m.payload.id);
    const eventType = str(m.payload.type) ?? "unknown";
    if (!endpointId || !eventId) throw new Error(`Message ${m.id} has no endpoint_id or id`);
    const [target] = await sql<{ url: string; secret: string; active: boolean }[]>`
      select url, secret, active from core.webhook_endpoint_target(${endpointId}::uuid)`;
    if (!target || !target.active) return; // disabled or deleted: nothing to deliver
    const body = webhookBody(m.payload);
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    const check = await checkWebhookUrl(target.url, options.urlCheck ?? {});
    if (!check.ok) {
      error = `Refused: ${check.reason}`;
    } else {
      try {
        const response = await doFetch(target.url, {
          method: "POST",
          headers: await webhookHeaders(target.secret, eventId, body),
          body,
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        await response.body?.cancel();
        if (status < 200 || status > 299) error = `Endpoint answered ${status}`;
      } catch (e) {
        error = e instanceof Error && e.name === "TimeoutError"
          ? `No answer within ${timeoutMs} ms`
          : `Request failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const duration = Math.round(performance.now() - started);
    await sql`select core.log_webhook_delivery(${endpointId}::uuid, ${m.id}::bigint, ${eventId}::uuid,
      ${eventType}, ${m.attempts}, ${status}, ${duration}, ${error})`;
    if (error) throw new Error(error);
  };
  return { [WEBHOOK_TOPIC]: deliver };
}
