// Order search (api.search_orders: code, name, email, phone), paginated, and the CSV links.
import { Head, page, type PageProps } from "../../../lib/fresh/mod.ts";
import type { AdminState } from "../../../lib/admin_session.ts";
import { formatDateTime, formatMoney } from "../../../lib/format.ts";
import {
  btnSecondary,
  card,
  Flash,
  input,
  PageTitle,
  StatusBadge,
  td,
  th,
} from "../../../components/admin/ui.tsx";
import { type AdminContext, call } from "../(_lib)/call.ts";

const PAGE_SIZE = 25;

interface Row {
  id: string;
  code: string;
  status: string;
  event_name: string;
  buyer_name: string | null;
  buyer_email: string | null;
  buyer_phone: string | null;
  currency: string;
  total_minor: number;
  tickets: number;
  created_at: string;
  total_count: number;
}

interface Data {
  rows: Row[];
  pageNo: number;
}

export const handler = {
  async GET(ctx: AdminContext<Data>) {
    const p = ctx.url.searchParams;
    const pageNo = Math.max(1, Math.min(10000, Number(p.get("page")) || 1));
    const rows = await call<Row[]>(ctx, "search_orders", {
      q: p.get("q") || null,
      for_event: p.get("event") || null,
      with_status: p.get("status") || null,
      page: pageNo,
      page_size: PAGE_SIZE,
    });
    return page({ rows, pageNo });
  },
};

export default function Orders({ data, state, url }: PageProps<Data, AdminState>) {
  const total = data.rows[0]?.total_count ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const link = (n: number) => {
    const u = new URL(url);
    u.searchParams.set("page", String(n));
    return u.pathname + u.search;
  };
  const event = url.searchParams.get("event");
  const exportQuery = event ? `?event=${event}` : "";
  return (
    <>
      <Head>
        <title>Orders · Mutambo admin</title>
      </Head>
      <PageTitle title="Orders">
        {state.staff.permissions.export_orders && (
          <a href={`/admin/orders/export${exportQuery}`} class={btnSecondary}>Export CSV</a>
        )}
      </PageTitle>
      <Flash url={url} />
      <form method="get" class="mb-4 flex flex-wrap gap-2">
        {event && <input type="hidden" name="event" value={event} />}
        <label for="q" class="sr-only">Search orders</label>
        <input
          id="q"
          name="q"
          value={url.searchParams.get("q") ?? ""}
          placeholder="Code, name, email or phone"
          class={`${input} max-w-xs`}
        />
        <label for="status" class="sr-only">Status</label>
        <select id="status" name="status" class={`${input} max-w-[11rem]`}>
          {["", "pending_payment", "paid", "cancelled", "refund_pending", "refunded", "expired"]
            .map((s) => (
              <option value={s} selected={url.searchParams.get("status") === s}>
                {s ? s.replace("_", " ") : "Any status"}
              </option>
            ))}
        </select>
        <button type="submit" class={btnSecondary}>Search</button>
      </form>
      <p class="mb-2 text-sm text-slate-600">
        {total.toLocaleString("en")} order{total === 1 ? "" : "s"}
      </p>
      <div class={`${card} overflow-x-auto p-0`}>
        <table class="w-full min-w-[640px]">
          <thead class="border-b border-slate-200 bg-slate-50">
            <tr>
              <th class={th}>Order</th>
              <th class={th}>Buyer</th>
              <th class={th}>Status</th>
              <th class={`${th} text-right`}>Total</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.length === 0 && (
              <tr>
                <td class={td} colSpan={4}>No orders found.</td>
              </tr>
            )}
            {data.rows.map((o) => (
              <tr class="border-b border-slate-100 hover:bg-slate-50">
                <td class={td}>
                  <a
                    href={`/admin/orders/${o.id}`}
                    class="font-mono font-semibold text-sky-800 hover:underline"
                  >
                    {o.code.slice(0, 4)}-{o.code.slice(4)}
                  </a>
                  <div class="text-xs text-slate-500">
                    {o.event_name} · {formatDateTime(o.created_at)}
                  </div>
                </td>
                <td class={td}>
                  {o.buyer_name ?? "—"}
                  <div class="text-xs text-slate-500">
                    {[o.buyer_email, o.buyer_phone].filter(Boolean).map((x, i) => (
                      <span key={i} class="whitespace-nowrap">{i > 0 && " · "}{x}</span>
                    ))}
                  </div>
                </td>
                <td class={`${td} whitespace-nowrap`}>
                  <StatusBadge status={o.status} />
                  <div class="text-xs text-slate-500">
                    {o.tickets} ticket{o.tickets === 1 ? "" : "s"}
                  </div>
                </td>
                <td class={`${td} text-right tabular-nums`}>
                  {formatMoney(o.total_minor, o.currency)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav aria-label="Pages" class="mt-3 flex items-center gap-3 text-sm">
          {data.pageNo > 1 && (
            <a href={link(data.pageNo - 1)} class="text-sky-700 underline">← Newer</a>
          )}
          <span>Page {data.pageNo} of {pages}</span>
          {data.pageNo < pages && (
            <a href={link(data.pageNo + 1)} class="text-sky-700 underline">Older →</a>
          )}
        </nav>
      )}
    </>
  );
}
