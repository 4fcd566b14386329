// The buyer's order and tickets: /o/<code>?k=<access token>. The key is the only way in (a
// wrong key looks like an unknown order). Each valid ticket shows its signed QR code (SVG from
// the server), its place and name; prints one ticket per page; PDF and calendar downloads.
import { type Handlers, Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { formatDateTime, formatMoney } from "../../lib/format.ts";
import { qrSvg } from "../../lib/tickets/qr.ts";
import { loadOrder, type OrderTickets, placeText } from "./(_lib)/order.ts";

interface PaymentStatus {
  order_status: string;
  expires_at: string;
  total_minor: number;
  currency: string;
  pay_at_box_office: boolean;
  refund_required: boolean;
  payment: { status: string; method: string } | null;
}

interface OrderPage {
  order: OrderTickets;
  payment: PaymentStatus;
  key: string;
  svgs: Record<string, string>;
}

export const handler: Handlers<OrderPage> = {
  async GET(ctx) {
    const code = ctx.params.code ?? "";
    const key = ctx.url.searchParams.get("k") ?? "";
    const order = await loadOrder(code, key);
    const payment = await rpc<PaymentStatus>("payment_status", { code, access_token: key });
    const svgs: Record<string, string> = {};
    for (const t of order.tickets) {
      if (t.qr) svgs[t.id] = await qrSvg(t.qr, { title: `Ticket QR code ${t.id.slice(0, 8)}` });
    }
    return page({ order, payment, key, svgs }, {
      headers: { "cache-control": "private, no-store", "referrer-policy": "no-referrer" },
    });
  },
};

const printCss = `
@media print {
  header, footer, .no-print { display: none !important; }
  body { background: #fff !important; }
  .ticket { break-after: page; page-break-after: always; border: 2px solid #000 !important; box-shadow: none !important; }
  .ticket:last-child { break-after: auto; page-break-after: auto; }
}
.qr svg { display: block; width: 100%; height: auto; }
`;

function Status({ data }: { data: OrderPage }) {
  const { order, payment } = data;
  const tz = order.event.venue.timezone;
  const retry = `/checkout/return?o=${order.code}&k=${encodeURIComponent(data.key)}`;
  if (order.status === "paid") {
    return (
      <p class="mt-3 rounded-lg bg-emerald-50 border border-emerald-300 px-4 py-3 text-emerald-900 font-semibold">
        Paid · {order.tickets.length} ticket{order.tickets.length === 1 ? "" : "s"} ready
      </p>
    );
  }
  if (payment.pay_at_box_office) {
    return (
      <div class="mt-3 rounded-lg bg-amber-50 border border-amber-300 px-4 py-3 text-amber-950">
        <p class="font-bold text-lg">
          Pay at the box office by{" "}
          <time datetime={payment.expires_at}>{formatDateTime(payment.expires_at, tz)}</time>
        </p>
        <p class="mt-1">
          Show order code <strong>{order.code_display}</strong> and pay{" "}
          {formatMoney(payment.total_minor, payment.currency)}{" "}
          in cash. Your places are kept until then; the tickets appear here once you have paid.
        </p>
      </div>
    );
  }
  if (order.status === "pending_payment") {
    return (
      <p class="mt-3 rounded-lg bg-amber-50 border border-amber-300 px-4 py-3 text-amber-950">
        Waiting for payment.{" "}
        <a class="underline font-semibold" href={retry}>See the payment or try again</a>
      </p>
    );
  }
  if (order.status === "expired") {
    return (
      <p class="mt-3 rounded-lg bg-red-50 border border-red-300 px-4 py-3 text-red-900">
        {payment.refund_required
          ? "This order expired before the payment arrived and the places were taken. Your money is being refunded automatically."
          : "This order expired before it was paid; its places went back on sale."}{" "}
        <a class="underline font-semibold" href={`/e/${order.event.slug}`}>Start again</a>
      </p>
    );
  }
  return (
    <p class="mt-3 rounded-lg bg-slate-100 border border-slate-300 px-4 py-3">
      This order is {order.status.replace(/_/g, " ")}; its tickets no longer admit.
    </p>
  );
}

export default function Order({ data, url }: PageProps<OrderPage>) {
  const { order, svgs } = data;
  const e = order.event;
  const tz = e.venue.timezone;
  const k = encodeURIComponent(data.key);
  const paid = order.status === "paid";
  return (
    <main class="max-w-3xl mx-auto px-4 pb-10">
      <Head>
        <title>Order {order.code_display} — {e.name} — Mutambo</title>
        <meta name="robots" content="noindex" />
        <style dangerouslySetInnerHTML={{ __html: printCss }} />
      </Head>
      <p class="pt-6 text-xs font-semibold uppercase tracking-wide text-slate-500">
        Order {order.code_display}
      </p>
      <h1 class="text-2xl sm:text-3xl font-extrabold tracking-tight">{e.name}</h1>
      <p class="text-slate-700">
        <time datetime={e.starts_at}>{formatDateTime(e.starts_at, tz)}</time> · {e.venue.name},{" "}
        {e.venue.city}
      </p>
      <Status data={data} />
      <div class="no-print mt-4 rounded-lg border border-sky-300 bg-sky-50 px-4 py-3 text-sky-950">
        <p class="font-bold">Bookmark this page</p>
        <p class="text-sm">
          This link is the key to your tickets. Keep it private; anyone with it can open them.
        </p>
        <p class="mt-1 break-all text-xs font-mono">
          {`${url.origin}/o/${order.code}?k=${data.key}`}
        </p>
      </div>
      {paid && (
        <div class="no-print mt-4 grid grid-cols-2 gap-2">
          <a
            href={`/o/${order.code}/pdf?k=${k}`}
            class="rounded-md bg-slate-900 px-3 py-2.5 text-center font-semibold text-white"
          >
            Download PDF
          </a>
          <a
            href={`/o/${order.code}/ics?k=${k}`}
            class="rounded-md border border-slate-400 bg-white px-3 py-2.5 text-center font-semibold"
          >
            Add to calendar
          </a>
        </div>
      )}
      {order.tickets.length > 0 && (
        <ol class="mt-6 space-y-6">
          {order.tickets.map((t, i) => (
            <li class="ticket rounded-2xl border border-slate-300 bg-white p-4 shadow-sm">
              <div class="flex items-baseline justify-between gap-2">
                <h2 class="text-lg font-bold">{t.ticket_type}</h2>
                <span class="text-sm text-slate-500">
                  Ticket {i + 1} of {order.tickets.length}
                </span>
              </div>
              <p class="text-xl font-extrabold">{placeText(t)}</p>
              <p class="text-slate-700">{t.attendee_name ?? "Name not given"}</p>
              {svgs[t.id]
                ? (
                  <div
                    class="qr mx-auto mt-3 w-full max-w-xs bg-white"
                    data-qr={t.qr ?? ""}
                    dangerouslySetInnerHTML={{ __html: svgs[t.id]! }}
                  />
                )
                : (
                  <p class="mt-3 rounded bg-slate-100 p-3 text-sm">
                    This ticket {t.valid ? "has no code yet" : "is not valid"}.
                  </p>
                )}
              <p class="mt-2 text-center font-mono text-xs text-slate-500">
                {order.code_display} · {t.id.slice(0, 8).toUpperCase()}
              </p>
              <p class="mt-1 text-center text-xs text-slate-500">
                {e.doors_open_at
                  ? `Doors open ${formatDateTime(e.doors_open_at, tz).slice(-5)} · `
                  : ""}
                Turn up your screen brightness at the gate
              </p>
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
