// M-Pesa Daraja STK push (https://developer.safaricom.co.ke): POST /mpesa/stkpush/v1/processrequest
// (Password = base64(Shortcode + Passkey + Timestamp yyyyMMddHHmmss)); the result arrives at
// our CallBackURL as JSON Body.stkCallback {MerchantRequestID, CheckoutRequestID, ResultCode,
// ResultDesc, CallbackMetadata.Item[{Name, Value}] (Amount, MpesaReceiptNumber,
// TransactionDate, PhoneNumber)}. ResultCode 0 is paid; 1032 cancelled by the user; any
// other code failed. Daraja does not sign callbacks, so the source is checked: the callback
// URL carries a secret token (compared here) and the sender must be one of Safaricom's
// published callback IPs (checked when the server knows the peer address).
// Refunds are not made here: Daraja's Reversal API needs an initiator with its own
// credentials and answers asynchronously; Daraja documents no idempotency header, so a
// reversal would be deduped by its TransactionID (the receipt number) if it is ever added.
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
import { sameText } from "./crypto.ts";

/** Safaricom's documented callback source addresses. */
export const SAFARICOM_IPS = [
  "196.201.214.200",
  "196.201.214.206",
  "196.201.213.114",
  "196.201.214.207",
  "196.201.214.208",
  "196.201.213.44",
  "196.201.212.127",
  "196.201.212.138",
  "196.201.212.129",
  "196.201.212.136",
  "196.201.212.74",
  "196.201.212.69",
];

export interface MpesaOptions {
  consumerKey: string;
  consumerSecret: string;
  shortcode: string;
  passkey: string;
  /** Secret in the callback URL (?token=…), compared on every callback. */
  callbackToken: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  allowedIps?: string[];
}

export class MpesaProvider implements PaymentProvider {
  readonly id = "mpesa";
  #o: MpesaOptions;
  #fetch: typeof fetch;
  #base: string;

  constructor(options: MpesaOptions) {
    this.#o = options;
    this.#fetch = options.fetch ?? fetch;
    this.#base = options.baseUrl ?? "https://api.safaricom.co.ke";
  }

  async #token(): Promise<string> {
    const res = await this.#fetch(`${this.#base}/oauth/v1/generate?grant_type=client_credentials`, {
      headers: {
        authorization: `Basic ${btoa(`${this.#o.consumerKey}:${this.#o.consumerSecret}`)}`,
      },
    });
    const json = await res.json() as { access_token?: string };
    if (!res.ok || !json.access_token) throw new Error(`M-Pesa OAuth failed: ${res.status}`);
    return json.access_token;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    if (input.currency !== "KES") throw new Error(`M-Pesa takes KES, not ${input.currency}`);
    // Daraja's Amount is whole shillings: rounding up would take more than the order and the
    // payment would then not match it (refunded in full); such an order pays another way
    if (input.amountMinor % 100 !== 0) {
      throw new Error(
        `M-Pesa takes whole shillings; KES ${(input.amountMinor / 100).toFixed(2)} has cents`,
      );
    }
    const ts = new Date().toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);
    const url = new URL(input.notifyUrl);
    url.searchParams.set("token", this.#o.callbackToken);
    const res = await this.#fetch(`${this.#base}/mpesa/stkpush/v1/processrequest`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await this.#token()}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        BusinessShortCode: this.#o.shortcode,
        Password: btoa(`${this.#o.shortcode}${this.#o.passkey}${ts}`),
        Timestamp: ts,
        TransactionType: "CustomerPayBillOnline",
        Amount: input.amountMinor / 100,
        PartyA: (input.buyerPhone ?? "").replace(/^\+/, ""),
        PartyB: this.#o.shortcode,
        PhoneNumber: (input.buyerPhone ?? "").replace(/^\+/, ""),
        CallBackURL: url.toString(),
        AccountReference: input.reference,
        TransactionDesc: input.description.slice(0, 13),
      }),
    });
    const json = await res.json() as {
      ResponseCode?: string;
      CheckoutRequestID?: string;
      errorMessage?: string;
    };
    if (!res.ok || json.ResponseCode !== "0" || !json.CheckoutRequestID) {
      throw new Error(`M-Pesa STK push failed: ${json.errorMessage ?? res.status}`);
    }
    return { intentId: json.CheckoutRequestID, redirectUrl: input.returnUrl };
  }

  handleReturn(_url: URL): ReturnInfo {
    return { intentId: null, hint: "unknown" };
  }

  verifyAndParseWebhook(
    request: { headers: Headers; body: string; url?: string; remoteIp?: string },
  ): Promise<WebhookResult> {
    const fail = (reason: string) => Promise.resolve<WebhookResult>({ ok: false, reason });
    const token = request.url ? new URL(request.url).searchParams.get("token") ?? "" : "";
    if (!sameText(token, this.#o.callbackToken)) return fail("Bad or missing callback token");
    const allowed = this.#o.allowedIps ?? SAFARICOM_IPS;
    if (request.remoteIp && !allowed.includes(request.remoteIp)) {
      return fail(`Callback from ${request.remoteIp}, not a Safaricom address`);
    }
    let body: { Body?: { stkCallback?: Record<string, unknown> } };
    try {
      body = JSON.parse(request.body);
    } catch {
      return fail("Body is not JSON");
    }
    const cb = body.Body?.stkCallback;
    if (!cb || typeof cb.CheckoutRequestID !== "string" || typeof cb.ResultCode !== "number") {
      return fail("Not an STK callback");
    }
    const items = (cb.CallbackMetadata as { Item?: { Name: string; Value?: unknown }[] })?.Item ??
      [];
    const item = (name: string) => items.find((i) => i.Name === name)?.Value;
    const amount = item("Amount");
    const type = cb.ResultCode === 0
      ? "succeeded"
      : cb.ResultCode === 1032
      ? "cancelled"
      : "failed";
    return Promise.resolve({
      ok: true,
      event: {
        provider: this.id,
        eventId: `${cb.CheckoutRequestID}:${cb.ResultCode}`,
        intentId: cb.CheckoutRequestID,
        type,
        amountMinor: typeof amount === "number" ? Math.round(amount * 100) : null,
        currency: type === "succeeded" ? "KES" : null,
        reason: type === "succeeded" ? null : String(cb.ResultDesc ?? ""),
        payload: body,
      },
    });
  }

  refund(): Promise<RefundResult> {
    return Promise.reject(
      new ManualRefundError(
        "M-Pesa reversals need an initiator of their own; reverse it from the M-Pesa org portal",
      ),
    );
  }

  fetchSettlementReport(): Promise<SettlementLine[]> {
    return Promise.reject(new Error("M-Pesa statements are imported as CSV"));
  }
}
