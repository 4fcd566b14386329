import { Head, page, type PageProps } from "../../../lib/fresh/mod.ts";
import type { AdminState } from "../../../lib/admin_session.ts";
import { formatDateTime, formatMoney } from "../../../lib/format.ts";
import {
  btnPrimary,
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

interface Row {
  id: string;
  name: string;
  status: string;
  starts_at: string;
  venue_name: string;
  currency: string;
  capacity: number;
  sold: number;
  revenue_minor: number;
  orders: number;
}

export const handler = {
  async GET(ctx: AdminContext<Row[]>) {
    const q = ctx.url.searchParams.get("q") || null;
    const status = ctx.url.searchParams.get("status") || null;
    return page(await call<Row[]>(ctx, "admin_events", { q, status }));
  },
};

export default function Events({ data, state, url }: PageProps<Row[], AdminState>) {
  const may = state.staff.permissions;
  return (
    <>
      <Head>
        <title>Events · Mutambo admin</title>
      </Head>
      <PageTitle title="Events">
        {may.manage_events && <a href="/admin/events/new" class={btnPrimary}>New event</a>}
      </PageTitle>
      <Flash url={url} />
      <form method="get" class="mb-4 flex flex-wrap gap-2">
        <label for="q" class="sr-only">Search</label>
        <input
          id="q"
          name="q"
          value={url.searchParams.get("q") ?? ""}
          placeholder="Name, team, city"
          class={`${input} max-w-xs`}
        />
        <label for="status" class="sr-only">Status</label>
        <select id="status" name="status" class={`${input} max-w-[10rem]`}>
          {["", "draft", "on_sale", "sold_out", "ended", "cancelled"].map((s) => (
            <option value={s} selected={url.searchParams.get("status") === s}>
              {s ? s.replace("_", " ") : "Any status"}
            </option>
          ))}
        </select>
        <button type="submit" class={btnSecondary}>Filter</button>
      </form>
      <div class={`${card} overflow-x-auto p-0`}>
        <table class="w-full min-w-[640px]">
          <thead class="border-b border-slate-200 bg-slate-50">
            <tr>
              <th class={th}>Event</th>
              <th class={th}>Status</th>
              <th class={`${th} text-right`}>Sold / capacity</th>
              <th class={`${th} text-right`}>Revenue</th>
            </tr>
          </thead>
          <tbody>
            {data.length === 0 && (
              <tr>
                <td class={td} colSpan={4}>No events yet.</td>
              </tr>
            )}
            {data.map((e) => (
              <tr class="border-b border-slate-100 hover:bg-slate-50">
                <td class={td}>
                  <a
                    href={`/admin/events/${e.id}`}
                    class="font-semibold text-sky-800 hover:underline"
                  >
                    {e.name}
                  </a>
                  <div class="text-xs text-slate-500">
                    {formatDateTime(e.starts_at)} · {e.venue_name}
                  </div>
                </td>
                <td class={td}>
                  <StatusBadge status={e.status} />
                </td>
                <td class={`${td} text-right tabular-nums`}>
                  {e.sold.toLocaleString("en")} / {e.capacity.toLocaleString("en")}
                  <div class="mt-1 h-1.5 w-full rounded bg-slate-200">
                    <div
                      class="h-1.5 rounded bg-emerald-500"
                      style={{
                        width: `${e.capacity ? Math.min(100, (100 * e.sold) / e.capacity) : 0}%`,
                      }}
                    />
                  </div>
                </td>
                <td class={`${td} text-right tabular-nums`}>
                  {formatMoney(e.revenue_minor, e.currency)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
