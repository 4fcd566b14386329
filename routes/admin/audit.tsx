// The audit log (api.audit_entries): filters by action prefix, actor, entity and date range.
import { Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import type { AdminState } from "../../lib/admin_session.ts";
import { formatDateTime } from "../../lib/format.ts";
import { ApiError } from "../../lib/rest/mod.ts";
import {
  btnSecondary,
  card,
  input,
  Notice,
  PageTitle,
  td,
  th,
} from "../../components/admin/ui.tsx";
import { type AdminContext, call } from "./(_lib)/call.ts";

const PAGE_SIZE = 50;

interface Entry {
  id: number;
  created_at: string;
  action: string;
  actor_role: string;
  actor_name: string | null;
  actor_email: string | null;
  entity_type: string;
  entity_id: string | null;
  details: Record<string, unknown>;
  total_count: number;
}

interface Data {
  rows: Entry[];
  pageNo: number;
  error?: string;
}

const day = (v: string | null, plus = 0) => {
  if (!v || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
  const d = new Date(`${v}T00:00:00+02:00`);
  d.setUTCDate(d.getUTCDate() + plus);
  return d.toISOString();
};

export const handler = {
  async GET(ctx: AdminContext<Data>) {
    const p = ctx.url.searchParams;
    const pageNo = Math.max(1, Math.min(10000, Number(p.get("page")) || 1));
    try {
      const rows = await call<Entry[]>(ctx, "audit_entries", {
        action_prefix: p.get("action") || null,
        actor: p.get("actor") || null,
        of_type: p.get("entity") || null,
        of_id: p.get("entity_id") || null,
        date_from: day(p.get("from")),
        date_to: day(p.get("to"), 1),
        page: pageNo,
        page_size: PAGE_SIZE,
      });
      return page({ rows, pageNo });
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        return page({ rows: [], pageNo, error: error.message }, { status: 400 });
      }
      throw error;
    }
  },
};

export default function Audit({ data, url }: PageProps<Data, AdminState>) {
  const q = url.searchParams;
  const total = data.rows[0]?.total_count ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const link = (n: number) => {
    const u = new URL(url);
    u.searchParams.set("page", String(n));
    return u.pathname + u.search;
  };
  return (
    <>
      <Head>
        <title>Audit log · Mutambo admin</title>
      </Head>
      <PageTitle title="Audit log" />
      {data.error && <Notice kind="error">{data.error}</Notice>}
      <form method="get" class="mb-4 grid gap-2 sm:grid-cols-3 lg:grid-cols-6">
        <input
          name="action"
          aria-label="Action"
          value={q.get("action") ?? ""}
          placeholder="Action, e.g. order."
          class={input}
        />
        <input
          name="actor"
          aria-label="Actor"
          value={q.get("actor") ?? ""}
          placeholder="Who (name, email, role)"
          class={input}
        />
        <select name="entity" aria-label="Entity" class={input}>
          {["", "order", "ticket", "event", "ticket_type", "promo_code", "user"].map((x) => (
            <option value={x} selected={q.get("entity") === x}>{x || "Any entity"}</option>
          ))}
        </select>
        <input
          name="from"
          type="date"
          aria-label="From"
          value={q.get("from") ?? ""}
          class={input}
        />
        <input name="to" type="date" aria-label="To" value={q.get("to") ?? ""} class={input} />
        <button type="submit" class={btnSecondary}>Filter</button>
      </form>
      <p class="mb-2 text-sm text-slate-600">
        {total.toLocaleString("en")} entr{total === 1 ? "y" : "ies"}
      </p>
      <div class={`${card} overflow-x-auto p-0`}>
        <table class="w-full min-w-[680px]">
          <thead class="border-b border-slate-200 bg-slate-50">
            <tr>
              <th class={th}>When</th>
              <th class={th}>Action</th>
              <th class={th}>Who</th>
              <th class={th}>What</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.length === 0 && (
              <tr>
                <td class={td} colSpan={4}>Nothing matches.</td>
              </tr>
            )}
            {data.rows.map((a) => (
              <tr class="border-b border-slate-100">
                <td class={`${td} whitespace-nowrap`}>{formatDateTime(a.created_at)}</td>
                <td class={`${td} font-mono text-xs`}>{a.action}</td>
                <td class={td}>
                  {a.actor_name ?? a.actor_role}
                  <div class="text-xs text-slate-500">{a.actor_name ? a.actor_role : ""}</div>
                </td>
                <td class={td}>
                  {a.entity_type === "order" && a.entity_id
                    ? (
                      <a href={`/admin/orders/${a.entity_id}`} class="text-sky-700 hover:underline">
                        order {String(a.details.code ?? "")}
                      </a>
                    )
                    : a.entity_type === "event" && a.entity_id
                    ? (
                      <a href={`/admin/events/${a.entity_id}`} class="text-sky-700 hover:underline">
                        event {String(a.details.name ?? "")}
                      </a>
                    )
                    : <span>{a.entity_type}</span>}
                  <div class="max-w-[14rem] break-words text-xs text-slate-500 md:max-w-md">
                    {Object.entries(a.details).filter(([, v]) => v !== null && v !== "").map((
                      [k, v],
                    ) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(
                      " · ",
                    )}
                  </div>
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
