// Finance: upload a provider's settlement report (parsed by lib/payments/settlements, imported
// once per file by api.import_settlement and matched), reconciliation per provider and
// currency for a period, the exceptions list (missing, duplicate, amount mismatch, unknown),
// the summary per event (gross, fees, taxes, refunds, net payout), the trial balance, and the
// refunds a provider without a refund API leaves to be made by hand (api.manual_refunds /
// api.complete_manual_refund).
// Who may see it (view_finance) is decided in SQL: a refusal there is a 403 here.
import { Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import type { AdminState } from "../../lib/admin_session.ts";
import { ApiError } from "../../lib/rest/mod.ts";
import { formatDateTime, formatMoney } from "../../lib/format.ts";
import {
  parseSettlement,
  SETTLEMENT_FORMATS,
  SettlementFileError,
} from "../../lib/payments/settlements/mod.ts";
import {
  btnPrimary,
  card,
  Csrf,
  Flash,
  input,
  Notice,
  PageTitle,
  td,
  th,
  withFlash,
} from "../../components/admin/ui.tsx";
import { act, type AdminContext, call } from "./(_lib)/call.ts";

const BACK = "/admin/finance";
const MAX_BYTES = 20 * 1024 * 1024;

interface Status {
  provider: string;
  currency: string;
  lines: number;
  matched: number;
  pending: number;
  exceptions: number;
  missing: number;
  settled_gross_minor: number;
  fees_minor: number;
  payouts_minor: number;
  reconciled: boolean;
}
interface Exception {
  kind: string;
  provider: string;
  reference: string;
  order_code: string | null;
  expected_minor: number | null;
  actual_minor: number | null;
  currency: string;
  at: string | null;
  detail: string | null;
}
interface Summary {
  event_id: string | null;
  event_name: string | null;
  currency: string;
  gross_minor: number;
  platform_fees_minor: number;
  taxes_minor: number;
  refunds_minor: number;
  provider_fees_minor: number;
  chargebacks_minor: number;
  net_payout_minor: number;
}
interface Balance {
  currency: string;
  kind: string;
  provider: string | null;
  balance_minor: number;
}
interface ManualRefund {
  refund_id: string;
  order_code: string;
  provider: string;
  intent_id: string | null;
  amount_minor: number;
  currency: string;
  reason: string;
  note: string | null;
  requested_at: string;
}
interface FinanceData {
  from: string;
  to: string;
  status: Status[];
  exceptions: Exception[];
  summary: Summary[];
  balances: Balance[];
  /** Refunds to make by hand (null: the role may not refund). */
  manual: ManualRefund[] | null;
}

function day(value: string | null): string | null {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
}

export const handler = {
  async GET(ctx: AdminContext<FinanceData>) {
    const from = day(ctx.url.searchParams.get("from"));
    const to = day(ctx.url.searchParams.get("to"));
    const period = { period_from: from, period_to: to };
    try {
      const [status, exceptions, summary, balances, manual] = await Promise.all([
        call<Status[]>(ctx, "reconciliation_status", period),
        call<Exception[]>(ctx, "reconciliation_exceptions", period),
        call<Summary[]>(ctx, "finance_summary", period),
        call<Balance[]>(ctx, "trial_balance"),
        ctx.state.staff.permissions.refund
          ? call<ManualRefund[]>(ctx, "manual_refunds")
          : Promise.resolve(null),
      ]);
      return page({
        from: from ?? "",
        to: to ?? "",
        status,
        exceptions,
        summary,
        balances,
        manual,
      });
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) {
        return new Response(e.message, { status: e.status });
      }
      throw e;
    }
  },
  async POST(ctx: AdminContext<FinanceData>) {
    const form = await ctx.req.formData();
    if (form.get("action") === "manual_refund") {
      // a refund made by hand in the provider's dashboard; SQL decides who may and checks it
      const refundId = String(form.get("refund_id") ?? "");
      const reference = String(form.get("reference") ?? "").trim();
      if (!/^[0-9a-f-]{36}$/i.test(refundId)) {
        return ctx.redirect(withFlash(BACK, "error", `No refund "${refundId.slice(0, 40)}"`));
      }
      return act(
        ctx,
        BACK,
        `Refund recorded as made by hand (reference ${reference})`,
        () => call(ctx, "complete_manual_refund", { refund_id: refundId, reference }),
      );
    }
    const provider = String(form.get("provider") ?? "");
    const file = form.get("report");
    if (!(file instanceof File) || file.size === 0) {
      return ctx.redirect(withFlash(BACK, "error", "Choose a settlement CSV file to upload"));
    }
    if (file.size > MAX_BYTES) {
      return ctx.redirect(
        withFlash(BACK, "error", `The file is larger than 20 MB (${file.size} bytes)`),
      );
    }
    let parsed;
    try {
      parsed = await parseSettlement(provider, await file.text());
    } catch (e) {
      if (e instanceof SettlementFileError) {
        return ctx.redirect(withFlash(BACK, "error", `${file.name}: ${e.message}`));
      }
      throw e;
    }
    let message = "";
    const response = await act(ctx, BACK, "", async () => {
      const r = await call<
        { replay: boolean; line_count: number; matched?: number; exceptions?: number }
      >(
        ctx,
        "import_settlement",
        {
          provider,
          file_name: file.name.slice(0, 200) || "settlement.csv",
          file_sha256: parsed.sha256,
          lines: parsed.lines,
          period_from: parsed.periodFrom,
          period_to: parsed.periodTo,
        },
      );
      message = r.replay
        ? `${file.name} was imported before; nothing changed`
        : `Imported ${r.line_count} lines of ${file.name}: ${r.matched} matched, ${r.exceptions} exceptions`;
    });
    return message ? ctx.redirect(withFlash(BACK, "ok", message)) : response;
  },
};

const money = (minor: number | null, currency: string) =>
  minor === null ? "—" : formatMoney(Number(minor), currency);

export default function Finance({ data, state, url }: PageProps<FinanceData, AdminState>) {
  return (
    <>
      <Head>
        <title>Finance · Mutambo admin</title>
      </Head>
      <PageTitle title="Finance" />
      <Flash url={url} />
      <form
        method="post"
        enctype="multipart/form-data"
        class={`${card} mb-6 flex flex-wrap items-end gap-3`}
      >
        <Csrf token={state.staff.csrf} />
        <label class="text-sm">
          Provider
          <select name="provider" class={input}>
            {Object.values(SETTLEMENT_FORMATS).map((f) => (
              <option key={f.provider} value={f.provider}>{f.label}</option>
            ))}
          </select>
        </label>
        <label class="text-sm">
          Settlement report (CSV)
          <input type="file" name="report" accept=".csv,text/csv" required class={input} />
        </label>
        <button type="submit" class={btnPrimary}>Import and reconcile</button>
      </form>

      <form method="get" class="mb-4 flex flex-wrap items-end gap-3 text-sm">
        <label>
          From <input type="date" name="from" value={data.from} class={input} />
        </label>
        <label>
          To <input type="date" name="to" value={data.to} class={input} />
        </label>
        <button type="submit" class={btnPrimary}>Show period</button>
      </form>

      {data.manual && data.manual.length > 0 && (
        <>
          <h2 class="mb-2 text-lg font-bold">Refunds to make by hand</h2>
          <p class="mb-2 text-sm text-slate-600">
            These providers cannot refund through their API. Refund the buyer from the provider's
            dashboard, then record the provider's reference here.
          </p>
          <Table head={["Order", "Provider", "Amount", "Reason", "Requested", ""]}>
            {data.manual.map((r) => (
              <tr key={r.refund_id} data-testid="manual-refund">
                <td class={td}>{r.order_code}</td>
                <td class={`${td} font-mono text-xs`}>{r.provider}: {r.intent_id ?? "—"}</td>
                <td class={td}>{money(r.amount_minor, r.currency)}</td>
                <td class={td}>{r.reason}</td>
                <td class={td}>{formatDateTime(r.requested_at)}</td>
                <td class={td}>
                  <form method="post" class="flex items-end gap-2">
                    <Csrf token={state.staff.csrf} />
                    <input type="hidden" name="action" value="manual_refund" />
                    <input type="hidden" name="refund_id" value={r.refund_id} />
                    <label class="text-xs">
                      Provider reference
                      <input
                        name="reference"
                        required
                        minLength={3}
                        maxLength={100}
                        class={input}
                      />
                    </label>
                    <button type="submit" class={btnPrimary}>Mark refunded</button>
                  </form>
                </td>
              </tr>
            ))}
          </Table>
          <div class="mb-6" />
        </>
      )}

      <h2 class="mb-2 text-lg font-bold">Reconciliation</h2>
      {data.status.length === 0
        ? <Notice>No settlement reports imported for this period.</Notice>
        : (
          <Table
            head={[
              "Provider",
              "Lines",
              "Matched",
              "Exceptions",
              "Missing",
              "Settled",
              "Fees",
              "Payouts",
              "Status",
            ]}
          >
            {data.status.map((s) => (
              <tr key={s.provider + s.currency} data-testid="reconciliation">
                <td class={td}>{s.provider} · {s.currency}</td>
                <td class={td}>{s.lines}</td>
                <td class={td}>{s.matched}</td>
                <td class={td}>{s.exceptions}</td>
                <td class={td}>{s.missing}</td>
                <td class={td}>{money(s.settled_gross_minor, s.currency)}</td>
                <td class={td}>{money(s.fees_minor, s.currency)}</td>
                <td class={td}>{money(s.payouts_minor, s.currency)}</td>
                <td class={td}>{s.reconciled ? "Reconciled" : "Open items"}</td>
              </tr>
            ))}
          </Table>
        )}

      <h2 class="mb-2 mt-6 text-lg font-bold">Exceptions</h2>
      {data.exceptions.length === 0
        ? <Notice>No exceptions.</Notice>
        : (
          <Table head={["Kind", "Reference", "Order", "Expected", "Settled", "When", "Detail"]}>
            {data.exceptions.map((x, i) => (
              <tr key={i} data-testid="exception" data-kind={x.kind}>
                <td class={td}>{x.kind.replace(/_/g, " ")}</td>
                <td class={`${td} font-mono text-xs`}>{x.provider}: {x.reference}</td>
                <td class={td}>{x.order_code ?? "—"}</td>
                <td class={td}>{money(x.expected_minor, x.currency)}</td>
                <td class={td}>{money(x.actual_minor, x.currency)}</td>
                <td class={td}>{x.at ? formatDateTime(x.at) : "—"}</td>
                <td class={td}>{x.detail}</td>
              </tr>
            ))}
          </Table>
        )}

      <h2 class="mb-2 mt-6 text-lg font-bold">Per event</h2>
      {data.summary.length === 0 ? <Notice>No money moved in this period.</Notice> : (
        <Table
          head={[
            "Event",
            "Gross",
            "Platform fees",
            "Taxes",
            "Refunds",
            "Provider fees",
            "Chargebacks",
            "Net payout",
          ]}
        >
          {data.summary.map((s) => (
            <tr key={(s.event_id ?? "") + s.currency} data-testid="event-finance">
              <td class={td}>{s.event_name ?? "No event"}</td>
              <td class={td}>{money(s.gross_minor, s.currency)}</td>
              <td class={td}>{money(s.platform_fees_minor, s.currency)}</td>
              <td class={td}>{money(s.taxes_minor, s.currency)}</td>
              <td class={td}>{money(s.refunds_minor, s.currency)}</td>
              <td class={td}>{money(s.provider_fees_minor, s.currency)}</td>
              <td class={td}>{money(s.chargebacks_minor, s.currency)}</td>
              <td class={`${td} font-semibold`}>{money(s.net_payout_minor, s.currency)}</td>
            </tr>
          ))}
        </Table>
      )}

      <h2 class="mb-2 mt-6 text-lg font-bold">Trial balance</h2>
      {data.balances.length === 0
        ? <Notice>The ledger is empty.</Notice>
        : (
          <Table head={["Account", "Currency", "Balance (debit +)"]}>
            {data.balances.map((b, i) => (
              <tr key={i} data-testid="balance">
                <td class={td}>
                  {b.kind.replace(/_/g, " ")}
                  {b.provider ? ` · ${b.provider}` : ""}
                </td>
                <td class={td}>{b.currency}</td>
                <td class={td}>{money(b.balance_minor, b.currency)}</td>
              </tr>
            ))}
            {[...new Set(data.balances.map((b) => b.currency))].map((c) => (
              <tr key={`total-${c}`} class="font-semibold" data-testid="balance-total">
                <td class={td}>Total</td>
                <td class={td}>{c}</td>
                <td class={td}>
                  {money(
                    data.balances.filter((b) =>
                      b.currency === c
                    ).reduce((s, b) =>
                      s + Number(b.balance_minor), 0),
                    c,
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
    </>
  );
}

function Table(props: { head: string[]; children: preact.ComponentChildren }) {
  return (
    <div class={`${card} overflow-x-auto p-0`}>
      <table class="w-full min-w-[720px]">
        <thead class="border-b border-slate-200 bg-slate-50">
          <tr>{props.head.map((h) => <th key={h} class={th}>{h}</th>)}</tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
