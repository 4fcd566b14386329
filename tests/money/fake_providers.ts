// A loopback HTTP server that speaks the documented request and answer shapes of the
// providers' APIs (Stripe, Paystack, Flutterwave, Paynow, M-Pesa Daraja), so the adapters run
// over real HTTP without leaving this machine. It checks what the docs require (auth headers,
// required fields, Paynow's hash, Daraja's password) and answers 400/401 otherwise; it keeps
// refunds per idempotency key (Stripe, Flutterwave) or lists them (Paystack) like the real ones.
import { paynowHash } from "../../lib/payments/providers/paynow.ts";

export const FAKE = {
  stripeKey: "sk_test_fake",
  paystackKey: "sk_test_paystack_fake",
  flutterwaveKey: "FLWSECK_TEST-fake",
  paynowId: "12345",
  paynowKey: "paynow-integration-key",
  mpesa: { key: "mpesa-consumer", secret: "mpesa-secret", shortcode: "174379", passkey: "pk" },
};

export interface FakeRefund {
  id: string;
  status: string;
  amount: number;
  payment: string;
  note: string;
}

export interface FakeProviders {
  origin: string;
  /** Every request, in order: provider, method, path, headers, body. */
  requests: { provider: string; method: string; path: string; headers: Headers; body: string }[];
  refunds: Map<string, FakeRefund>;
  /** Refunds created (not replayed) per provider. */
  created: Record<string, number>;
  /** The status new refunds get (default pending). */
  refundStatus: { value: string };
  close(): Promise<void>;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

export function startFakeProviders(): FakeProviders {
  const requests: FakeProviders["requests"] = [];
  const refunds = new Map<string, FakeRefund>();
  const byKey = new Map<string, Response>();
  const created: Record<string, number> = {};
  const refundStatus = { value: "pending" };
  let n = 0;
  const next = (prefix: string) => `${prefix}${++n}`;

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = await req.text();
    const provider = url.pathname.split("/")[1] ?? "";
    const path = url.pathname.slice(provider.length + 1);
    requests.push({ provider, method: req.method, path, headers: req.headers, body });
    const auth = req.headers.get("authorization") ?? "";
    switch (provider) {
      case "stripe": {
        if (auth !== `Bearer ${FAKE.stripeKey}`) {
          return json({ error: { message: "Invalid API Key provided" } }, 401);
        }
        const form = new URLSearchParams(body);
        if (req.method === "POST" && path === "/v1/checkout/sessions") {
          for (const f of ["mode", "success_url", "line_items[0][price_data][currency]"]) {
            if (!form.get(f)) {
              return json({ error: { message: `Missing required param: ${f}.` } }, 400);
            }
          }
          const id = next("cs_test_");
          return json({
            id,
            object: "checkout.session",
            url: `${url.origin}/stripe/pay/${id}`,
            payment_intent: null,
            amount_total: Number(form.get("line_items[0][price_data][unit_amount]")),
            currency: form.get("line_items[0][price_data][currency]"),
          });
        }
        const session = /^\/v1\/checkout\/sessions\/(cs_[^/]+)$/.exec(path);
        if (req.method === "GET" && session) {
          // a paid session names the PaymentIntent Stripe made for it
          const id = decodeURIComponent(session[1]!);
          return json({
            id,
            object: "checkout.session",
            payment_status: "paid",
            payment_intent: `pi_for_${id}`,
          });
        }
        if (req.method === "POST" && path === "/v1/refunds") {
          const key = req.headers.get("idempotency-key");
          if (key && byKey.has(`stripe:${key}`)) return byKey.get(`stripe:${key}`)!.clone();
          const target = form.get("payment_intent") ?? "";
          if (!target.startsWith("pi_")) {
            return json({ error: { message: `No such payment_intent: '${target}'` } }, 400);
          }
          const r: FakeRefund = {
            id: next("re_"),
            status: refundStatus.value,
            amount: Number(form.get("amount")),
            payment: form.get("payment_intent") ?? "",
            note: form.get("metadata[mutambo_refund]") ?? "",
          };
          refunds.set(r.id, r);
          created.stripe = (created.stripe ?? 0) + 1;
          const response = json({
            id: r.id,
            object: "refund",
            status: r.status,
            amount: r.amount,
            payment_intent: r.payment,
          });
          if (key) byKey.set(`stripe:${key}`, response.clone());
          return response;
        }
        const m = /^\/v1\/refunds\/(.+)$/.exec(path);
        if (req.method === "GET" && m) {
          const r = refunds.get(decodeURIComponent(m[1]!));
          if (!r) return json({ error: { message: `No such refund: '${m[1]}'` } }, 404);
          return json({ id: r.id, object: "refund", status: r.status, amount: r.amount });
        }
        break;
      }
      case "paystack": {
        if (auth !== `Bearer ${FAKE.paystackKey}`) {
          return json({ status: false, message: "Invalid key" }, 401);
        }
        if (req.method === "POST" && path === "/transaction/initialize") {
          const b = JSON.parse(body);
          if (!b.email || !Number.isInteger(b.amount)) {
            return json({ status: false, message: "Email and integer amount are required" }, 400);
          }
          return json({
            status: true,
            message: "Authorization URL created",
            data: {
              authorization_url: `${url.origin}/paystack/checkout/${b.reference}`,
              access_code: next("ac_"),
              reference: b.reference,
            },
          });
        }
        if (req.method === "GET" && path === "/refund") {
          const tx = url.searchParams.get("transaction");
          return json({
            status: true,
            message: "Refunds retrieved",
            data: [...refunds.values()].filter((r) => r.payment === tx && r.id.startsWith("ps"))
              .map((r) => ({
                id: r.id,
                status: r.status,
                amount: r.amount,
                merchant_note: r.note,
              })),
          });
        }
        if (req.method === "POST" && path === "/refund") {
          const b = JSON.parse(body);
          if (!b.transaction) {
            return json({ status: false, message: "Transaction is required" }, 400);
          }
          const r: FakeRefund = {
            id: next("ps"),
            status: refundStatus.value,
            amount: b.amount,
            payment: b.transaction,
            note: b.merchant_note ?? "",
          };
          refunds.set(r.id, r);
          created.paystack = (created.paystack ?? 0) + 1;
          return json({
            status: true,
            message: "Refund has been queued for processing",
            data: { id: r.id, status: r.status, amount: r.amount, merchant_note: r.note },
          });
        }
        const m = /^\/refund\/(.+)$/.exec(path);
        if (req.method === "GET" && m) {
          const r = refunds.get(decodeURIComponent(m[1]!));
          if (!r) return json({ status: false, message: "Refund not found" }, 404);
          return json({
            status: true,
            message: "Refund retrieved",
            data: { id: r.id, status: r.status },
          });
        }
        break;
      }
      case "flutterwave": {
        if (auth !== `Bearer ${FAKE.flutterwaveKey}`) {
          return json({ status: "error", message: "Invalid authorization key" }, 401);
        }
        if (req.method === "POST" && path === "/v3/payments") {
          const b = JSON.parse(body);
          if (!b.tx_ref || !b.amount || !b.redirect_url || !b.customer?.email) {
            return json({
              status: "error",
              message: "tx_ref, amount, redirect_url and customer.email are required",
            }, 400);
          }
          return json({
            status: "success",
            message: "Hosted Link",
            data: { link: `${url.origin}/flutterwave/hosted/${b.tx_ref}` },
          });
        }
        const m = /^\/v3\/transactions\/(.+)\/refund$/.exec(path);
        if (req.method === "POST" && m) {
          const key = req.headers.get("x-idempotency-key");
          if (key && byKey.has(`flw:${key}`)) {
            const hit = byKey.get(`flw:${key}`)!.clone();
            return new Response(hit.body, {
              status: hit.status,
              headers: { "content-type": "application/json", "x-idempotency-cache-hit": "true" },
            });
          }
          const b = JSON.parse(body);
          const r: FakeRefund = {
            id: String(++n),
            status: refundStatus.value === "pending" ? "pending" : "completed",
            amount: Number(b.amount),
            payment: decodeURIComponent(m[1]!),
            note: b.comments ?? "",
          };
          refunds.set(r.id, r);
          created.flutterwave = (created.flutterwave ?? 0) + 1;
          const response = json({
            status: "success",
            message: "Transaction refund initiated",
            data: { id: Number(r.id), status: r.status, amount_refunded: r.amount },
          });
          if (key) byKey.set(`flw:${key}`, response.clone());
          return response;
        }
        break;
      }
      case "paynow": {
        if (req.method === "POST" && path === "/interface/initiatetransaction") {
          const fields = [...new URLSearchParams(body)];
          const map = new Map(fields);
          if (map.get("hash") !== await paynowHash(fields, FAKE.paynowKey)) {
            return new Response("status=Error&error=Invalid+hash", { status: 200 });
          }
          if (map.get("id") !== FAKE.paynowId || !map.get("reference") || !map.get("amount")) {
            return new Response("status=Error&error=Missing+fields", { status: 200 });
          }
          const reply: [string, string][] = [
            ["status", "Ok"],
            ["browserurl", `${url.origin}/paynow/pay/${map.get("reference")}`],
            ["pollurl", `${url.origin}/paynow/poll/${map.get("reference")}`],
          ];
          reply.push(["hash", await paynowHash(reply, FAKE.paynowKey)]);
          return new Response(new URLSearchParams(reply).toString(), {
            headers: { "content-type": "application/x-www-form-urlencoded" },
          });
        }
        break;
      }
      case "mpesa": {
        if (req.method === "GET" && path === "/oauth/v1/generate") {
          if (auth !== `Basic ${btoa(`${FAKE.mpesa.key}:${FAKE.mpesa.secret}`)}`) {
            return json(
              { errorCode: "400.008.01", errorMessage: "Invalid Authentication passed" },
              400,
            );
          }
          return json({ access_token: "mpesa-token", expires_in: "3599" });
        }
        if (req.method === "POST" && path === "/mpesa/stkpush/v1/processrequest") {
          if (auth !== "Bearer mpesa-token") {
            return json({ errorCode: "404.001.03", errorMessage: "Invalid Access Token" }, 401);
          }
          const b = JSON.parse(body);
          const password = btoa(`${FAKE.mpesa.shortcode}${FAKE.mpesa.passkey}${b.Timestamp}`);
          if (b.Password !== password || !/^\d{14}$/.test(String(b.Timestamp))) {
            return json(
              { errorCode: "400.002.02", errorMessage: "Bad Request - Invalid Password" },
              400,
            );
          }
          if (!/^254\d{9}$/.test(String(b.PhoneNumber)) || !Number.isInteger(b.Amount)) {
            return json({
              errorCode: "400.002.02",
              errorMessage: "Bad Request - Invalid PhoneNumber",
            }, 400);
          }
          return json({
            MerchantRequestID: next("29115-34620561-"),
            CheckoutRequestID: `ws_CO_${Date.now()}${n}`,
            ResponseCode: "0",
            ResponseDescription: "Success. Request accepted for processing",
            CustomerMessage: "Success. Request accepted for processing",
          });
        }
        break;
      }
    }
    return json({ error: `No fake for ${req.method} ${url.pathname}` }, 404);
  }

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    refunds,
    created,
    refundStatus,
    close: () => server.shutdown(),
  };
}
