// Signing outbound webhooks to organisers' systems. Every delivery is a POST with a JSON body
// and the headers
//
//   Mutambo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//   Mutambo-Delivery: <event id>   (the same on every retry: receivers dedupe on it)
//
// Receivers check the signature over the raw body with verifyMutamboSignature and refuse a
// timestamp more than 5 minutes from their clock, so a captured request cannot be replayed later.
import { checkSignature, signatureHeader } from "../payments/hmac.ts";

export const SIGNATURE_HEADER = "Mutambo-Signature";
export const DELIVERY_HEADER = "Mutambo-Delivery";

/** The headers for one delivery of `body` (the exact bytes sent) signed at `timestamp`. */
export async function webhookHeaders(
  secret: string,
  eventId: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "user-agent": "Mutambo-Webhooks/1",
    [SIGNATURE_HEADER]: await signatureHeader(secret, body, timestamp),
    [DELIVERY_HEADER]: eventId,
  };
}

export interface VerifyOptions {
  /** The receiver's clock (default now). */
  now?: Date;
  /** How far the signed timestamp may be from now (s, default 300). */
  toleranceSeconds?: number;
}

/**
 * For receivers: whether `header` (the Mutambo-Signature value) signs `rawBody` with `secret`
 * within the tolerance. Returns `{ ok: true }` or `{ ok: false, reason }`.
 */
export async function verifyMutamboSignature(
  secret: string,
  header: string | null,
  rawBody: string,
  options: VerifyOptions = {},
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const reason = await checkSignature(secret, header, rawBody, options);
  return reason === null ? { ok: true } : { ok: false, reason };
}
