// Text messages (SMS; WhatsApp through the same kind of gateway) to buyers who gave only a phone
// number. An SmsSender sends one message; smsSender() picks the HTTP gateway when
// SMS_GATEWAY_URL is set, else the log (development, tests).
//
// The HTTP gateway is a generic JSON POST, the shape most African bulk-SMS HTTP APIs accept
// directly or through a small adapter on their side:
//
//   POST <SMS_GATEWAY_URL>
//   Authorization: Bearer <SMS_GATEWAY_TOKEN>
//   Content-Type: application/json
//   Idempotency-Key: <reference>            (when given: the outbox id, so a retry is one SMS)
//   {"to": "+263771234567", "from": "<SMS_SENDER_ID or null>", "message": "…", "reference": "…"}
//
// Any 2xx is accepted; a JSON answer's "id" or "message_id" (string or number) is returned as the
// gateway's message id. Anything else throws (the outbox retries). 10 s timeout.

export interface Sms {
  /** E.164 number, "+" optional: 7 to 15 digits. */
  to: string;
  message: string;
  /** Dedupe key passed to the gateway (the outbox id). */
  reference?: string;
}

export interface SmsResult {
  /** The gateway's id for the message, when it gave one. */
  id: string | null;
}

export interface SmsSender {
  readonly name: string;
  send(sms: Sms): Promise<SmsResult>;
}

const PHONE = /^\+?[0-9]{7,15}$/;

/** "+263 77 123-4567" or "00263771234567" → "+263771234567"; throws when it is not a phone number. */
export function normalisePhone(raw: string): string {
  const compact = raw.replace(/[\s().-]/g, "").replace(/^00/, "+");
  if (!PHONE.test(compact)) throw new Error(`"${raw}" is not a phone number`);
  return compact.startsWith("+") ? compact : `+${compact}`;
}

function check(sms: Sms): Sms {
  if (!sms.message.trim()) throw new Error("The message is empty");
  if (sms.message.length > 918) throw new Error("The message is longer than 6 SMS parts");
  return { ...sms, to: normalisePhone(sms.to) };
}

export interface HttpGatewayOptions {
  url: string;
  token: string;
  /** Sender id shown to the recipient (alphanumeric, as registered with the gateway). */
  from?: string | null;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The generic JSON-over-HTTP gateway described at the top of this file. */
export function httpGatewaySender(options: HttpGatewayOptions): SmsSender {
  const doFetch = options.fetch ?? fetch;
  return {
    name: "http",
    async send(input: Sms): Promise<SmsResult> {
      const sms = check(input);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        authorization: `Bearer ${options.token}`,
      };
      if (sms.reference) headers["idempotency-key"] = sms.reference;
      let response: Response;
      try {
        response = await doFetch(options.url, {
          method: "POST",
          headers,
          body: JSON.stringify({
            to: sms.to,
            from: options.from ?? null,
            message: sms.message,
            reference: sms.reference ?? null,
          }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (e) {
        throw new Error(`SMS gateway unreachable: ${e instanceof Error ? e.message : String(e)}`);
      }
      const text = await response.text();
      if (!response.ok) {
        throw new Error(`SMS gateway answered ${response.status}: ${text.slice(0, 200)}`);
      }
      let id: string | null = null;
      try {
        const body = JSON.parse(text);
        const raw = body?.id ?? body?.message_id ?? null;
        if (typeof raw === "string" || typeof raw === "number") id = String(raw);
      } catch {
        // a plain-text 2xx answer is fine
      }
      return { id };
    },
  };
}

/** Prints messages instead of sending them. */
export function logSmsSender(log: (line: string) => void = console.log): SmsSender {
  return {
    name: "log",
    send(input: Sms): Promise<SmsResult> {
      const sms = check(input);
      log(`[sms] to ${sms.to}: ${sms.message}`);
      return Promise.resolve({ id: null });
    },
  };
}

/** The HTTP gateway when SMS_GATEWAY_URL (and SMS_GATEWAY_TOKEN) are set, else the log. */
export function smsSender(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): SmsSender {
  const url = env("SMS_GATEWAY_URL");
  if (!url) return logSmsSender();
  const token = env("SMS_GATEWAY_TOKEN");
  if (!token) throw new Error("SMS_GATEWAY_URL is set but SMS_GATEWAY_TOKEN is not");
  return httpGatewaySender({ url, token, from: env("SMS_SENDER_ID") ?? null });
}
