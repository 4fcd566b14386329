// One order: items, tickets, payment, audit history; actions (resend tickets, attendee name,
// cancel, refund), each asked for confirmation first. The SQL functions decide who may.
import { Head, page, type PageProps } from "../../../lib/fresh/mod.ts";
import type { AdminState } from "../../../lib/admin_session.ts";
import { formatDateTime, formatMoney } from "../../../lib/format.ts";
import {
  btnDanger,
  btnPrimary,
  btnSecondary,
  card,
  Csrf,
  Field,
  Flash,
  input,
  PageTitle,
  StatusBadge,
  td,
  text,
  th,
  withFlash,
} from "../../../components/admin/ui.tsx";
import { act, type AdminContext, call, minor } from "../(_lib)/call.ts";

interface Order {
  id: string;
  code: string;
  code_display: string;
  status: string;
  channel: string;
  event_id: string;
  event: { name: string; starts_at: string };
  buyer_name: string | null;
  buyer_email: string | null;
  buyer_phone: string | null;
  currency: string;
  subtotal_minor: number;
  discount_minor: number;
  fees_minor: number;
  tax_minor: number;
  total_minor: number;
  created_at: string;
  cancel_reason: string | null;
  items: {
    id: number;
    kind: string;
    description: string;
    label: string | null;
    attendee_name: string | null;
    price_minor: number;
  }[];
  tickets: {
    id: string;
    order_item_id: number;
    attendee_name: string | null;
    status: string;
    valid: boolean;
  }[];
  payment: {
    provider: string | null;
    reference: string | null;
    paid_at: string | null;
    amount_minor: number | null;
  };
  history: {
    at: string;
    action: string;
    actor: string | null;
    actor_role: string;
    details: Record<string, unknown>;
  }[];
}

const CONFIRM: Record<string, string> = {
  resend: "Send the tickets to the buyer again?",
  cancel:
    "Cancel this order? Pending: its places are released. Paid: its tickets stop admitting and a refund is recorded.",
  refund: "Record this refund? A full refund cancels the tickets.",
};

export const handler = {
  async GET(ctx: AdminContext<Order>) {
    return page(await call<Order>(ctx, "admin_order", { order_id: ctx.params.id }));
  },
  async POST(ctx: AdminContext<Order>) {
    const id = ctx.params.id!;
    const back = `/admin/orders/${id}`;
    const form = await ctx.req.formData();
    const action = text(form, "action");
    if (action in CONFIRM && text(form, "confirmed") !== "yes") {
      const u = new URL(back, "http://x");
      u.searchParams.set("confirm", action);
      for (const k of ["reason", "amount"]) if (text(form, k)) u.searchParams.set(k, text(form, k));
      const picked = form.getAll("ticket").map(String).filter(Boolean);
      if (picked.length) u.searchParams.set("tickets", picked.join(","));
      return ctx.redirect(u.pathname + u.search);
    }
    switch (action) {
      case "resend":
        return act(
          ctx,
          back,
          "Tickets queued to be sent again",
          () => call(ctx, "resend_tickets", { order_id: id }),
        );
      case "cancel":
        return act(
          ctx,
          back,
          "Order cancelled",
          () => call(ctx, "cancel_order", { order_id: id, reason: text(form, "reason") || null }),
        );
      case "refund":
        return act(
          ctx,
          back,
          "Refund recorded",
          () =>
            call(ctx, "request_refund", {
              order_id: id,
              reason: text(form, "reason"),
              amount_minor: minor(form, "amount") ?? null,
              ticket_ids: (() => {
                const ids = text(form, "tickets").split(",").filter(Boolean);
                return ids.length ? ids : null;
              })(),
            }),
        );
      case "attendee":
        return act(
          ctx,
          back,
          "Attendee name changed",
          () =>
            call(ctx, "set_attendee_name", {
              order_id: id,
              ticket_id: text(form, "ticket_id"),
              attendee_name: text(form, "attendee_name"),
            }),
        );
      default:
        return ctx.redirect(withFlash(back, "error", `Unknown action "${action}"`));
    }
  },
};

export default function OrderPage({ data: o, state, url }: PageProps<Order, AdminState>) {
  const may = state.staff.permissions;
  const csrf = state.staff.csrf;
  const money = (m: number) => formatMoney(m, o.currency);
  const confirm = url.searchParams.get("confirm") ?? "";
  const ticketOf = new Map(o.tickets.map((t) => [t.order_item_id, t]));
  const open = ["pending_payment", "paid"].includes(o.status);
  return (
    <>
      <Head>
        <title>Order {o.code_display} · Mutambo admin</title>
      </Head>
      <p class="mb-2 text-sm">
        <a href="/admin/orders" class="text-sky-700 hover:underline">← Orders</a>
      </p>
      <PageTitle title={`Order ${o.code_display}`}>
        <StatusBadge status={o.status} />
      </PageTitle>
      <Flash url={url} />
      {CONFIRM[confirm] && (
        <form
          method="post"
          class={`${card} mb-4 border-amber-400 bg-amber-50`}
          data-testid="confirm"
        >
          <Csrf token={csrf} />
          <input type="hidden" name="action" value={confirm} />
          <input type="hidden" name="confirmed" value="yes" />
          <input type="hidden" name="reason" value={url.searchParams.get("reason") ?? ""} />
          <input type="hidden" name="amount" value={url.searchParams.get("amount") ?? ""} />
          <input type="hidden" name="tickets" value={url.searchParams.get("tickets") ?? ""} />
          <p class="mb-3 font-medium">{CONFIRM[confirm]}</p>
          {url.searchParams.get("tickets") && (
            <p class="mb-3 text-sm">
              Tickets: {(url.searchParams.get("tickets") ?? "").split(",").map((t) =>
                o.tickets.find((x) => x.id === t)?.attendee_name ?? t
              ).join(", ")}
            </p>
          )}
          {url.searchParams.get("amount") && (
            <p class="mb-3 text-sm">Amount: {o.currency} {url.searchParams.get("amount")}</p>
          )}
          <div class="flex gap-2">
            <button type="submit" class={confirm === "resend" ? btnPrimary : btnDanger}>
              Yes, {confirm}
            </button>
            <a href={`/admin/orders/${o.id}`} class={btnSecondary}>No, go back</a>
          </div>
        </form>
      )}
      <div class="mb-4 grid gap-4 md:grid-cols-3">
        <div class={card}>
          <div class="text-xs uppercase text-slate-500">Event</div>
          <a
            href={`/admin/events/${o.event_id}`}
            class="font-semibold text-sky-800 hover:underline"
          >
            {o.event.name}
          </a>
          <div class="text-sm text-slate-600">{formatDateTime(o.event.starts_at)}</div>
        </div>
        <div class={card}>
          <div class="text-xs uppercase text-slate-500">Buyer</div>
          <div class="font-semibold">{o.buyer_name ?? "—"}</div>
          <div class="text-sm text-slate-600 break-words">{o.buyer_email}</div>
          <div class="text-sm text-slate-600">{o.buyer_phone}</div>
        </div>
        <div class={card}>
          <div class="text-xs uppercase text-slate-500">Payment</div>
          <div class="text-2xl font-bold tabular-nums">{money(o.total_minor)}</div>
          <div class="text-sm text-slate-600">
            {o.payment.paid_at
              ? `Paid ${formatDateTime(o.payment.paid_at)} · ${
                (o.payment.provider ?? "").replaceAll("_", " ")
              }`
              : `Channel ${o.channel}`}
          </div>
          {o.payment.paid_at && o.payment.reference && (
            <div class="font-mono text-xs text-slate-500 break-words">
              ref {o.payment.reference}
            </div>
          )}
          {o.cancel_reason && <div class="text-sm text-red-700">Reason: {o.cancel_reason}</div>}
        </div>
      </div>

      <section class={`${card} mb-4 overflow-x-auto`}>
        <h2 class="mb-2 text-lg font-semibold">Tickets</h2>
        <table class="w-full min-w-[560px]">
          <thead>
            <tr>
              <th class={th}>Item</th>
              <th class={th}>Attendee</th>
              <th class={th}>Ticket</th>
              <th class={`${th} text-right`}>Price</th>
            </tr>
          </thead>
          <tbody>
            {o.items.map((i) => {
              const t = ticketOf.get(i.id);
              return (
                <tr class="border-t border-slate-100">
                  <td class={td}>{i.description}{i.label && ` · ${i.label}`}</td>
                  <td class={td}>
                    {t && t.valid && may.manage_orders
                      ? (
                        <form method="post" class="flex gap-1">
                          <Csrf token={csrf} />
                          <input type="hidden" name="action" value="attendee" />
                          <input type="hidden" name="ticket_id" value={t.id} />
                          <label class="sr-only" for={`att-${t.id}`}>Attendee name</label>
                          <input
                            id={`att-${t.id}`}
                            name="attendee_name"
                            value={t.attendee_name ?? i.attendee_name ?? ""}
                            class={`${input} py-1`}
                          />
                          <button type="submit" class="text-xs text-sky-700 underline">Save</button>
                        </form>
                      )
                      : (t?.attendee_name ?? i.attendee_name ?? "—")}
                  </td>
                  <td class={td}>
                    {t
                      ? <StatusBadge status={t.valid ? "valid" : t.status} />
                      : <span class="text-xs text-slate-500">not issued</span>}
                  </td>
                  <td class={`${td} text-right tabular-nums`}>{money(i.price_minor)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p class="mt-2 text-right text-sm text-slate-600">
          Subtotal {money(o.subtotal_minor)} · discount {money(o.discount_minor)} · fees{" "}
          {money(o.fees_minor)} · tax {money(o.tax_minor)}
        </p>
      </section>

      {may.manage_orders && open && (
        <section class={`${card} mb-4`}>
          <h2 class="mb-3 text-lg font-semibold">Actions</h2>
          <div class="flex flex-wrap items-end gap-4">
            {o.status === "paid" && (
              <form method="post">
                <Csrf token={csrf} />
                <input type="hidden" name="action" value="resend" />
                <button type="submit" class={btnSecondary}>Resend tickets…</button>
              </form>
            )}
            {/* A paid order is cancelled with its money: roles with refund only (api.cancel_order). */}
            {(o.status !== "paid" || may.refund) && (
              <form method="post" class="flex flex-wrap items-end gap-2">
                <Csrf token={csrf} />
                <input type="hidden" name="action" value="cancel" />
                <Field label="Reason (optional)" name="c-r">
                  <input id="c-r" name="reason" maxLength={500} class={input} />
                </Field>
                <button type="submit" class={btnDanger}>Cancel order…</button>
              </form>
            )}
            {may.refund && o.status === "paid" && (
              <form method="post" class="flex flex-wrap items-end gap-2">
                <Csrf token={csrf} />
                <input type="hidden" name="action" value="refund" />
                <Field label="Refund reason" name="r-r">
                  <input id="r-r" name="reason" required minLength={3} class={input} />
                </Field>
                {o.tickets.filter((t) =>
                      t.status === "valid"
                    ).length > 1 && (
                  <fieldset class="flex flex-wrap gap-3" data-testid="refund-tickets">
                    <legend class="text-sm text-slate-600">Only these tickets (optional)</legend>
                    {o.tickets.filter((t) =>
                      t.status === "valid"
                    ).map((t) => (
                      <label key={t.id} class="flex items-center gap-1 text-sm">
                        <input type="checkbox" name="ticket" value={t.id} />
                        {t.attendee_name ?? t.id.slice(0, 8)}
                      </label>
                    ))}
                  </fieldset>
                )}
                <Field label={`Amount (${o.currency}; empty = all)`} name="r-a">
                  <input
                    id="r-a"
                    name="amount"
                    type="number"
                    min="0.01"
                    step="0.01"
                    class={`${input} w-32`}
                  />
                </Field>
                <button type="submit" class={btnDanger}>Refund…</button>
              </form>
            )}
          </div>
        </section>
      )}

      <section class={`${card} overflow-x-auto`}>
        <h2 class="mb-2 text-lg font-semibold">History</h2>
        <ol class="text-sm">
          {o.history.map((h) => (
            <li class="border-t border-slate-100 py-1.5">
              <span class="text-slate-500">{formatDateTime(h.at)}</span> · <b>{h.action}</b> ·{" "}
              {h.actor ?? h.actor_role}
              {typeof h.details.reason === "string" && (
                <span class="ml-1 text-slate-600">— {h.details.reason}</span>
              )}
              {h.action === "ticket.attendee_changed" && (
                <span class="ml-1 text-slate-600">
                  — {String(h.details.from ?? "—")} → {String(h.details.to)}
                </span>
              )}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
