// Paynow Zimbabwe (https://developers.paynow.co.zw): a transaction is initiated by POSTing
// form fields (id, reference, amount, returnurl, resulturl, status=Message, hash) to
// /interface/initiatetransaction; Paynow then POSTs status updates to the result URL as
// form fields (reference, paynowreference, amount, status, pollurl, hash). The hash is the
// SHA512 of every other value concatenated in the order sent, then the integration key,
// as UPPERCASE hex. Status "Paid" (or "Awaiting Delivery"/"Delivered") is paid,
// "Cancelled" cancelled, "Failed"/"Disputed" failed. Amounts are decimal major units.
// Paynow has no refund API (so no idempotency header either): refunds are done by the merchant
// in the Paynow dashboard and confirmed by hand; the refund worker leaves them requested.
import { ManualRefundError } from "../provider.ts";
import type {
  CreatedPayment,
  CreatePaymentInput,
  PaymentProvider,
  RefundResult,
  ReturnInfo,
  SettlementLine,
  WebhookResult,
} from "../provider.ts";
import { digestHex, sameText, toMinor } from "./crypto.ts";

export interface PaynowOptions {
  integrationId: string;
  integrationKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Currency of the integration (Paynow integrations are single-currency). */
  currency?: string;
}

/** The Paynow hash of form values in order (the hash field excluded) with the key. */
export async function paynowHash(values: [string, string][], key: string): Promise<string> {
  const text = values.filter(([k]) => k.toLowerCase() !== "hash").map(([, v]) => v).join("");
  return (await digestHex("SHA-512", text + key)).toUpperCase();
}

export class PaynowProvider implements PaymentProvider {
  readonly id = "paynow";
  #idv: string;
  #key: string;
  #base: string;
  #fetch: typeof fetch;
  #currency: string | null;

  constructor(options: PaynowOptions) {
    this.#idv = options.integrationId;
    this.#key = options.integrationKey;
    this.#base = options.baseUrl ?? "https://www.paynow.co.zw";
    this.#fetch = options.fetch ?? fetch;
    // Paynow's status updates do not name a currency: events carry the integration's (USD and
    // ZiG integrations are separate Paynow integrations). lib/payments/adapters.ts requires it
    // (PAYNOW_CURRENCY): api.apply_payment_event treats an amount without the attempt's
    // currency as money that does not match, to be refunded.
    this.#currency = options.currency ?? null;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const reference = `${input.reference}-${crypto.randomUUID().slice(0, 8)}`;
    const fields: [string, string][] = [
      ["id", this.#idv],
      ["reference", reference],
      ["amount", (input.amountMinor / 100).toFixed(2)],
      ["additionalinfo", input.description],
      ["returnurl", input.returnUrl],
      ["resulturl", input.notifyUrl],
      ["authemail", input.buyerEmail ?? ""],
      ["status", "Message"],
    ];
    fields.push(["hash", await paynowHash(fields, this.#key)]);
    const res = await this.#fetch(`${this.#base}/interface/initiatetransaction`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    const reply = [...new URLSearchParams(await res.text())];
    const map = new Map(reply.map(([k, v]) => [k.toLowerCase(), v]));
    if (map.get("status")?.toLowerCase() !== "ok") {
      throw new Error(`Paynow refused the transaction: ${map.get("error") ?? res.status}`);
    }
    if (!sameText(map.get("hash") ?? "", await paynowHash(reply, this.#key))) {
      throw new Error("Paynow reply hash does not match");
    }
    return { intentId: reference, redirectUrl: map.get("browserurl") ?? "" };
  }

  handleReturn(_url: URL): ReturnInfo {
    return { intentId: null, hint: "unknown" };
  }

  async verifyAndParseWebhook(request: { headers: Headers; body: string }): Promise<WebhookResult> {
    const values = [...new URLSearchParams(request.body)];
    const map = new Map(values.map(([k, v]) => [k.toLowerCase(), v]));
    const given = map.get("hash") ?? "";
    if (!given) return { ok: false, reason: "Missing Paynow hash" };
    if (!sameText(given.toUpperCase(), await paynowHash(values, this.#key))) {
      return { ok: false, reason: "Bad Paynow hash" };
    }
    const status = (map.get("status") ?? "").toLowerCase();
    const type = ["paid", "awaiting delivery", "delivered"].includes(status)
      ? "succeeded"
      : status === "cancelled"
      ? "cancelled"
      : ["failed", "disputed"].includes(status)
      ? "failed"
      : null;
    const reference = map.get("reference");
    if (!type || !reference) return { ok: false, reason: `Unsupported Paynow status ${status}` };
    return {
      ok: true,
      event: {
        provider: this.id,
        eventId: `${map.get("paynowreference") ?? reference}:${status}`,
        intentId: reference,
        type,
        amountMinor: toMinor(map.get("amount")),
        currency: this.#currency,
        reason: type === "succeeded" ? null : `Paynow status ${map.get("status")}`,
        payload: Object.fromEntries(map),
      },
    };
  }

  refund(): Promise<RefundResult> {
    return Promise.reject(
      new ManualRefundError("Paynow has no refund API; refund from the Paynow dashboard"),
    );
  }

  fetchSettlementReport(): Promise<SettlementLine[]> {
    return Promise.reject(new Error("Paynow settlements are imported from the statement CSV"));
  }
}
