// Where the payment provider sends the buyer back. The return itself proves nothing: only the
// provider's signed webhook marks the order paid. This page waits for that result (an island
// polls; without JS the page refreshes itself and has a Refresh link), then goes to the order.
// A declined or abandoned payment can be retried on the same order.
import { type Handlers, Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../lib/rest/mod.ts";
import { formatDateTime, formatMoney } from "../../lib/format.ts";
import { checkCsrf, CSRF_FIELD, csrfRefusal, csrfToken } from "../../lib/csrf.ts";
import type { BuyerState } from "../../lib/session.ts";
import type { PayableOrder } from "../../lib/payments/service.ts";
import {
  ChoiceError,
  missingDetail,
  orderPaymentChoices,
  type PaymentChoice,
  pick,
  startChosenPayment,
} from "../../lib/payments/checkout.ts";
import PaymentWait from "../../islands/PaymentWait.tsx";

interface PaymentStatus {
  code: string;
  code_display: string;
  order_status: string;
  expires_at: string;
  total_minor: number;
  currency: string;
  event: { name: string; slug: string; starts_at: string };
  payment: {
    status: string;
    failure_reason: string | null;
    method: string;
    provider: string;
  } | null;
  refund_required: boolean;
}

type ReturnData =
  | { state: "unknown"; message: string }
  | {
    state: "status";
    status: PaymentStatus;
    code: string;
    key: string;
    csrf: string;
    startFailed: boolean;
    error: string | null;
    /** Ways to pay again (from SQL), when the order still waits for payment. */
    choices: PaymentChoice[];
  };

const noStore = { "cache-control": "private, no-store" };

function orderPath(code: string, key: string) {
  return `/o/${code}?k=${encodeURIComponent(key)}`;
}
function returnPath(code: string, key: string) {
  return `/checkout/return?o=${code}&k=${encodeURIComponent(key)}`;
}

async function show(
  ctx: { url: URL; state: BuyerState; redirect(l: string, s?: number): Response },
  code: string,
  key: string,
  error: { message: string; status: number } | null = null,
) {
  let status: PaymentStatus;
  try {
    status = await rpc<PaymentStatus>("payment_status", { code, access_token: key });
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) {
      return page<ReturnData>({ state: "unknown", message: e.message }, {
        status: 404,
        headers: noStore,
      });
    }
    throw e;
  }
  if (
    status.order_status === "paid" ||
    (status.payment?.status === "pending" && status.payment.method === "cash")
  ) {
    return ctx.redirect(orderPath(status.code, key));
  }
  const choices = status.order_status === "pending_payment"
    ? await orderPaymentChoices(code, key)
    : [];
  return page<ReturnData>({
    state: "status",
    choices,
    status,
    code: status.code,
    key,
    csrf: await csrfToken(ctx.state.sessionId),
    startFailed: ctx.url.searchParams.get("start") === "failed",
    error: error?.message ?? null,
  }, { status: error?.status ?? 200, headers: noStore });
}

export const handler: Handlers<ReturnData, BuyerState> = {
  GET(ctx) {
    return show(ctx, ctx.url.searchParams.get("o") ?? "", ctx.url.searchParams.get("k") ?? "");
  },
  async POST(ctx) {
    const form = await ctx.req.formData().catch(() => new FormData());
    if (!(await checkCsrf(form, ctx.state.sessionId))) return csrfRefusal();
    const code = String(form.get("o") ?? "");
    const key = String(form.get("k") ?? "");
    try {
      const chosen = pick(await orderPaymentChoices(code, key), String(form.get("method") ?? ""));
      const order = await rpc<PayableOrder & { status: string }>("get_order", {
        code,
        access_token: key,
      });
      const missing = missingDetail(chosen, { email: order.buyer_email, phone: order.buyer_phone });
      if (missing) return show(ctx, code, key, { message: missing, status: 400 });
      const next = await startChosenPayment(order, chosen, {
        accessToken: key,
        origin: ctx.url.origin,
      });
      return ctx.redirect(next);
    } catch (e) {
      if (e instanceof ChoiceError) {
        return show(ctx, code, key, { message: e.message, status: 400 });
      }
      if (e instanceof ApiError && e.status < 500) {
        return show(ctx, code, key, { message: e.message, status: e.status });
      }
      throw e;
    }
  },
};

export default function Return({ data }: PageProps<ReturnData>) {
  if (data.state === "unknown") {
    return (
      <main class="mx-auto max-w-xl px-4 py-12 text-center">
        <Head>
          <title>Order not found — Mutambo</title>
        </Head>
        <h1 class="text-2xl font-extrabold">We could not find that order</h1>
        <p class="mt-2 text-slate-600">{data.message}. Use the link from your confirmation.</p>
        <a
          href="/"
          class="mt-6 inline-block rounded-md bg-slate-900 px-4 py-2 font-semibold text-white"
        >
          See upcoming events
        </a>
      </main>
    );
  }
  const { status, code, key } = data;
  const money = formatMoney(status.total_minor, status.currency);
  const payment = status.payment?.status ?? "none";
  const expired = status.order_status === "expired" || status.order_status === "cancelled";
  const waiting = !expired && payment === "pending" && !data.startFailed;
  const canRetry = status.order_status === "pending_payment" && !waiting;
  const self = returnPath(code, key);
  return (
    <main class="mx-auto max-w-xl px-4 py-8">
      <Head>
        <title>{waiting ? "Confirming your payment" : "Payment"} — Mutambo</title>
        <meta name="robots" content="noindex" />
        {waiting && <meta http-equiv="refresh" content={`4; url=${self}`} />}
      </Head>
      <p class="text-xs font-semibold uppercase tracking-wide text-slate-500">
        Order {status.code_display} · {status.event.name}
      </p>
      {data.error && (
        <p
          role="alert"
          class="mt-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800"
        >
          {data.error}
        </p>
      )}
      {waiting && (
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-5">
          {status.payment?.provider === "mpesa"
            ? (
              <>
                <h1 class="text-2xl font-extrabold">Check your phone</h1>
                <p class="mt-2 text-slate-700">
                  We sent an M-Pesa payment prompt for {money}{" "}
                  to your phone. Enter your M-Pesa PIN to approve it; this page moves on by itself
                  once M-Pesa confirms.
                </p>
              </>
            )
            : (
              <>
                <h1 class="text-2xl font-extrabold">Confirming your payment of {money}</h1>
                <p class="mt-2 text-slate-700">
                  We are waiting for the payment provider to confirm. This usually takes a few
                  seconds.
                </p>
              </>
            )}
          <PaymentWait
            statusHref={`/checkout/status?o=${code}&k=${encodeURIComponent(key)}`}
            pageHref={self}
          />
          <a
            href={self}
            class="mt-4 inline-block rounded-md bg-slate-900 px-4 py-2 font-semibold text-white"
          >
            Refresh
          </a>
        </section>
      )}
      {expired && (
        <section class="mt-4 rounded-xl border border-red-200 bg-red-50 p-5">
          <h1 class="text-2xl font-extrabold">This order has expired</h1>
          <p class="mt-2 text-slate-800">
            {status.refund_required
              ? "Your payment arrived after the places had gone back on sale and were taken. You will get your money back automatically; no action is needed."
              : "The time to pay ran out and the places went back on sale. Start again to choose new ones."}
          </p>
          <a
            href={`/e/${status.event.slug}`}
            class="mt-4 inline-block rounded-md bg-slate-900 px-4 py-2 font-semibold text-white"
          >
            Start again
          </a>
        </section>
      )}
      {canRetry && (
        <section class="mt-4 rounded-xl border border-amber-300 bg-amber-50 p-5">
          <h1 class="text-2xl font-extrabold">
            {payment === "failed"
              ? "Your payment was declined"
              : payment === "cancelled"
              ? "You cancelled the payment"
              : "The payment did not start"}
          </h1>
          <p class="mt-2 text-slate-800">
            {payment === "failed"
              ? `${
                status.payment?.failure_reason ?? "The payment was declined"
              }. Nothing was charged. `
              : "Nothing was charged. "}
            Your places are kept until{" "}
            <time datetime={status.expires_at}>{formatDateTime(status.expires_at).slice(-5)}</time>;
            try again with the same or another method.
          </p>
          <form method="post" action="/checkout/return" class="mt-4 space-y-2">
            <input type="hidden" name={CSRF_FIELD} value={data.csrf} />
            <input type="hidden" name="o" value={code} />
            <input type="hidden" name="k" value={key} />
            {data.choices.map((c, i) => (
              <button
                type="submit"
                name="method"
                value={c.choice}
                class={i === 0
                  ? "w-full rounded-md bg-emerald-700 px-4 py-3 font-bold text-white"
                  : "w-full rounded-md border border-slate-400 bg-white px-4 py-3 font-semibold"}
              >
                {c.choice === "card"
                  ? `Try again by card · ${money}`
                  : c.choice === "mobile_money"
                  ? "Pay with mobile money instead"
                  : `Pay with ${c.label} · ${money}`}
              </button>
            ))}
          </form>
        </section>
      )}
    </main>
  );
}
