// One event: details and banner, status (publish / unpublish / cancel, each confirmed first),
// series dates, ticket types with prices per zone, quotas, fees, tax, dynamic price rules,
// group discounts and promo codes. Every form posts here with an `action`; the rules are
// the api functions' (the page only hides what the role may not do).
import { Head, page, type PageProps } from "../../../../lib/fresh/mod.ts";
import type { AdminState } from "../../../../lib/admin_session.ts";
import { formatDateTime, formatMoney } from "../../../../lib/format.ts";
import { bannerSize, inspectImage, storeImage } from "../../../../lib/uploads.ts";
import { resizeBanner } from "../../../../lib/admin/banner.ts";
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
} from "../../../../components/admin/ui.tsx";
import { act, type AdminContext, call, localTime, minor, opt } from "../../(_lib)/call.ts";

interface Money {
  price_minor: number;
  zone: string;
}
export interface EventDetail {
  id: string;
  name: string;
  slug: string;
  status: string;
  description: string;
  city: string;
  currency: string;
  starts_at: string;
  ends_at: string;
  sales_end: string;
  banner_url: string | null;
  venue_name: string;
  zones: { id: string; name: string; color: string }[];
  sections: { id: string; name: string; kind: string; capacity: number; zone: string | null }[];
  ticket_types: {
    id: string;
    name: string;
    kind: string;
    price_minor: number | null;
    hidden: boolean;
    active: boolean;
    prices: Money[];
    sold: number;
  }[];
  quotas: { id: string; name: string; capacity: number; sold: number; ticket_types: string[] }[];
  fees: { per_ticket_minor: number; per_order_minor: number; name: string } | null;
  tax: { rate_percent: number; inclusive: boolean; name: string } | null;
  pricing_rules: {
    id: string;
    name: string;
    adjust_percent: number;
    sold_percent: number | null;
    starts_at: string | null;
    ends_at: string | null;
  }[];
  group_discounts: { id: string; min_quantity: number; percent: number }[];
  promo_codes: {
    id: string;
    code: string;
    kind: string;
    percent: number | null;
    amount_minor: number | null;
    max_uses: number | null;
    used: number;
    active: boolean;
    event_id: string | null;
    paid_orders: number;
    discount_minor: number;
  }[];
  series: { id: string; starts_at: string; status: string }[];
  sold: number;
  revenue_minor: number;
  open_orders: number;
}

interface Data {
  event: EventDetail;
  generated: string[];
}

const STATUS_ACTIONS: Record<
  string,
  { label: string; to: string; question: string; danger?: boolean }
> = {
  publish: {
    label: "Publish (on sale)",
    to: "on_sale",
    question: "Put this event on sale? Buyers can then find it and buy tickets.",
  },
  unpublish: {
    label: "Unpublish",
    to: "draft",
    question: "Take this event off sale back to draft? Only possible while it has no orders.",
  },
  cancel: {
    label: "Cancel event",
    to: "cancelled",
    question:
      "Cancel this event? This cannot be undone: pending orders are cancelled, paid orders are marked for refund and every buyer is told.",
    danger: true,
  },
};

export const handler = {
  async GET(ctx: AdminContext<Data>) {
    const event = await call<EventDetail>(ctx, "admin_event", { event_id: ctx.params.id });
    const generated = (ctx.url.searchParams.get("codes") ?? "").split(",").filter(Boolean);
    return page({ event, generated });
  },
  async POST(ctx: AdminContext<Data>) {
    const id = ctx.params.id!;
    const back = `/admin/events/${id}`;
    const form = await ctx.req.formData();
    const action = text(form, "action");
    const zonePrices = () => {
      const prices: Record<string, number> = {};
      for (const [key, value] of form) {
        if (key.startsWith("price:") && typeof value === "string" && value.trim() !== "") {
          prices[key.slice(6)] = Math.round(Number(value) * 100);
        }
      }
      return prices;
    };
    switch (action) {
      case "status": {
        const which = STATUS_ACTIONS[text(form, "which")];
        if (!which) return ctx.redirect(withFlash(back, "error", "Unknown status change"));
        if (text(form, "confirmed") !== "yes") {
          return ctx.redirect(`${back}?confirm=${text(form, "which")}`);
        }
        return act(
          ctx,
          back,
          `Status changed to ${which.to.replace("_", " ")}`,
          () =>
            which.to === "draft"
              ? call(ctx, "unpublish_event", { event_id: id })
              : call(ctx, "set_event_status", { event_id: id, status: which.to }),
        );
      }
      case "comp": {
        // Complimentary tickets: a hold on the complimentary channel (standing places, or the
        // best available seats of a seated section), then an order on it; api.create_order
        // decides who may (owner, event manager) and makes the order paid at zero.
        const quantity = Number(text(form, "quantity"));
        const sectionId = text(form, "section_id");
        const ticketTypeId = text(form, "ticket_type_id");
        let orderId = "";
        const result = await act(ctx, back, "Complimentary tickets issued", async () => {
          const detail = await call<EventDetail>(ctx, "admin_event", { event_id: id });
          const standing = detail.sections.find((x) => x.id === sectionId)?.kind !== "seated";
          const session = `s_comp-${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
          const hold = standing
            ? await call<{ token: string }>(ctx, "hold_tickets", {
              event_id: id,
              items: [{ ticket_type_id: ticketTypeId, quantity, section_id: sectionId }],
              session_id: session,
              channel: "complimentary",
            })
            : await call<{ token: string }>(ctx, "hold_best_available", {
              event_id: id,
              quantity,
              session_id: session,
              section_id: sectionId,
              ticket_type_id: ticketTypeId,
              channel: "complimentary",
            });
          const order = await call<{ id: string }>(ctx, "create_order", {
            hold_token: hold.token,
            buyer_name: opt(form, "buyer_name") ?? null,
            buyer_email: opt(form, "buyer_email") ?? null,
            channel: "complimentary",
          });
          orderId = order.id;
        });
        return orderId
          ? ctx.redirect(
            withFlash(`/admin/orders/${orderId}`, "ok", "Complimentary tickets issued"),
          )
          : result;
      }
      case "details":
        return act(ctx, back, "Details saved", () =>
          call(ctx, "update_event", {
            event_id: id,
            name: opt(form, "name") ?? null,
            description: text(form, "description"),
            city: opt(form, "city") ?? null,
          }));
      case "banner": {
        const file = form.get("banner");
        if (!(file instanceof File)) {
          return ctx.redirect(withFlash(back, "error", "Choose an image file"));
        }
        if (file.size > 2 * 1024 * 1024) {
          return ctx.redirect(
            withFlash(
              back,
              "error",
              `The image is ${(file.size / 1048576).toFixed(1)} MB; the limit is 2 MB`,
            ),
          );
        }
        const bytes = new Uint8Array(await file.arrayBuffer());
        const info = inspectImage(bytes);
        if (typeof info === "string") return ctx.redirect(withFlash(back, "error", info));
        // Stored scaled down (at most 1600×1000) as WebP: buyers on phones fetch the small file.
        const banner = await resizeBanner(bytes, info);
        if (typeof banner === "string") return ctx.redirect(withFlash(back, "error", banner));
        const name = await storeImage(banner.bytes, banner.info);
        return act(
          ctx,
          back,
          "Banner uploaded",
          () => call(ctx, "update_event", { event_id: id, banner_url: `/admin/banners/${name}` }),
        );
      }
      case "add_date":
        return act(
          ctx,
          back,
          "Date added as a new draft event in the series",
          () =>
            call(ctx, "add_event_date", {
              event_id: id,
              starts_at: localTime(form, "starts_at") ?? null,
            }),
        );
      case "ticket_type": {
        const prices = zonePrices();
        return act(ctx, back, "Ticket type added", () =>
          call(ctx, "create_ticket_type", {
            event_id: id,
            name: text(form, "name"),
            prices: Object.keys(prices).length ? prices : null,
            max_per_order: Number(opt(form, "max_per_order") ?? 10),
          }));
      }
      case "set_price":
        return act(ctx, back, "Price changed", () =>
          call(ctx, "set_ticket_price", {
            ticket_type_id: text(form, "ticket_type_id"),
            price_minor: minor(form, "price") ?? null,
            zone: opt(form, "zone") ?? null,
          }));
      case "quota":
        return act(ctx, back, "Quota created", () =>
          call(ctx, "create_quota", {
            event_id: id,
            name: text(form, "name"),
            capacity: Number(text(form, "capacity")),
            ticket_type_ids: form.getAll("ticket_type_ids").map(String),
          }));
      case "fees":
        return act(ctx, back, "Fees saved", () =>
          call(ctx, "set_event_fees", {
            event_id: id,
            per_ticket_minor: minor(form, "per_ticket") ?? 0,
            per_order_minor: minor(form, "per_order") ?? 0,
            name: opt(form, "name") ?? "Booking fee",
          }));
      case "tax":
        return act(ctx, back, "Tax saved for the organisation", () =>
          call(ctx, "set_org_tax", {
            rate_percent: Number(text(form, "rate_percent")),
            inclusive: text(form, "inclusive") === "yes",
            name: opt(form, "name") ?? "VAT",
          }));
      case "rule":
        return act(ctx, back, "Price rule added", () =>
          call(ctx, "create_pricing_rule", {
            event_id: id,
            name: text(form, "name"),
            adjust_percent: Number(text(form, "adjust_percent")),
            sold_percent: opt(form, "sold_percent") ? Number(opt(form, "sold_percent")) : null,
            starts_at: null,
            ends_at: localTime(form, "ends_at") ?? null,
            ticket_type_id: null,
            quota_id: null,
          }));
      case "group":
        return act(ctx, back, "Group discount added", () =>
          call(ctx, "create_group_discount", {
            event_id: id,
            min_quantity: Number(text(form, "min_quantity")),
            percent: Number(text(form, "percent")),
          }));
      case "promo": {
        const kind = text(form, "kind");
        return act(ctx, back, "Promo code created", () =>
          call(ctx, "create_promo_code", {
            code: text(form, "code"),
            kind,
            percent: kind === "percent" ? Number(text(form, "value")) : null,
            amount_minor: kind === "fixed" ? minor(form, "value") ?? null : null,
            event_id: id,
            max_uses: opt(form, "max_uses") ? Number(opt(form, "max_uses")) : null,
          }));
      }
      case "promo_bulk": {
        const kind = text(form, "kind");
        try {
          const codes = await call<string[]>(ctx, "generate_promo_codes", {
            event_id: id,
            prefix: text(form, "prefix"),
            count: Number(text(form, "count")),
            kind,
            percent: kind === "percent" ? Number(text(form, "value")) : null,
            amount_minor: kind === "fixed" ? minor(form, "value") ?? null : null,
            max_uses: Number(opt(form, "max_uses") ?? 1),
            valid_until: null,
          });
          const url = new URL(withFlash(back, "ok", `${codes.length} codes generated`), "http://x");
          if (codes.length <= 100) url.searchParams.set("codes", codes.join(","));
          return ctx.redirect(url.pathname + url.search);
        } catch (error) {
          return act(ctx, back, "", () => Promise.reject(error));
        }
      }
      case "promo_active":
        return act(ctx, back, "Promo code updated", () =>
          call(ctx, "set_promo_code_active", {
            promo_code_id: text(form, "promo_code_id"),
            active: text(form, "active") === "yes",
          }));
      default:
        return ctx.redirect(withFlash(back, "error", `Unknown action "${action}"`));
    }
  },
};

function Section({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <section class={`${card} mb-4`}>
      <h2 class="mb-3 text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function Hidden({ action, csrf }: { action: string; csrf: string }) {
  return (
    <>
      <Csrf token={csrf} />
      <input type="hidden" name="action" value={action} />
    </>
  );
}

export default function EventPage({ data, state, url }: PageProps<Data, AdminState>) {
  const e = data.event;
  const may = state.staff.permissions;
  const csrf = state.staff.csrf;
  const money = (m: number | null) => (m === null ? "—" : formatMoney(m, e.currency));
  const capacity = e.sections.reduce((sum, s) => sum + s.capacity, 0);
  const confirm = STATUS_ACTIONS[url.searchParams.get("confirm") ?? ""];
  const size = bannerSize(e.banner_url);
  const available = Object.entries(STATUS_ACTIONS).filter(([k]) =>
    k === "publish"
      ? e.status === "draft"
      : k === "unpublish"
      ? ["on_sale", "sold_out"].includes(e.status)
      : !["cancelled", "ended"].includes(e.status)
  );
  return (
    <>
      <Head>
        <title>{e.name} · Mutambo admin</title>
      </Head>
      <p class="mb-2 text-sm">
        <a href="/admin/events" class="text-sky-700 hover:underline">← Events</a>
      </p>
      <PageTitle title={e.name}>
        <StatusBadge status={e.status} />
        {may.view_orders && <a href={`/admin/orders?event=${e.id}`} class={btnSecondary}>Orders</a>}
        {may.view_events && <a href={`/admin/events/${e.id}/live`} class={btnSecondary}>Live</a>}
        {(may.manage_check_in || may.check_in) && (
          <a href={`/admin/events/${e.id}/check-in`} class={btnSecondary}>Check-in</a>
        )}
        {["on_sale", "sold_out"].includes(e.status) && (
          <a href={`/e/${e.slug}`} class={btnSecondary}>Public page</a>
        )}
      </PageTitle>
      <Flash url={url} />
      {confirm && may.manage_events && (
        <form
          method="post"
          class={`${card} mb-4 border-amber-400 bg-amber-50`}
          data-testid="confirm"
        >
          <Hidden action="status" csrf={csrf} />
          <input type="hidden" name="which" value={url.searchParams.get("confirm") ?? ""} />
          <input type="hidden" name="confirmed" value="yes" />
          <p class="mb-3 font-medium">{confirm.question}</p>
          <div class="flex gap-2">
            <button type="submit" class={confirm.danger ? btnDanger : btnPrimary}>
              Yes, {confirm.label.toLowerCase()}
            </button>
            <a href={`/admin/events/${e.id}`} class={btnSecondary}>No, go back</a>
          </div>
        </form>
      )}
      <div class="mb-4 grid gap-4 sm:grid-cols-3">
        <div class={card}>
          <div class="text-xs uppercase text-slate-500">When</div>
          <div class="font-semibold">{formatDateTime(e.starts_at)}</div>
          <div class="text-sm text-slate-600">{e.venue_name}, {e.city}</div>
        </div>
        <div class={card}>
          <div class="text-xs uppercase text-slate-500">Sold</div>
          <div class="text-2xl font-bold tabular-nums">
            {e.sold.toLocaleString("en")}{" "}
            <span class="text-base font-normal text-slate-500">
              / {capacity.toLocaleString("en")}
            </span>
          </div>
        </div>
        <div class={card}>
          <div class="text-xs uppercase text-slate-500">Revenue (paid)</div>
          <div class="text-2xl font-bold tabular-nums">{money(e.revenue_minor)}</div>
        </div>
      </div>
      {may.comp && e.ticket_types.length > 0 && ["on_sale", "sold_out"].includes(e.status) && (
        <Section title="Complimentary tickets">
          <form method="post" class="grid gap-3 sm:grid-cols-3" data-testid="comp-form">
            <Hidden action="comp" csrf={csrf} />
            <Field label="Ticket type" name="ticket_type_id">
              <select id="ticket_type_id" name="ticket_type_id" class={input} required>
                {e.ticket_types.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
              </select>
            </Field>
            <Field label="Section (seated: best available seats)" name="section_id">
              <select id="section_id" name="section_id" class={input} required>
                {e.sections.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.kind})
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Quantity" name="quantity">
              <input
                id="quantity"
                name="quantity"
                type="number"
                min="1"
                max="50"
                value="1"
                class={input}
              />
            </Field>
            <Field label="Recipient name" name="buyer_name">
              <input id="buyer_name" name="buyer_name" class={input} required maxLength={120} />
            </Field>
            <Field label="Recipient email" name="buyer_email">
              <input id="buyer_email" name="buyer_email" type="email" class={input} />
            </Field>
            <div class="flex items-end">
              <button type="submit" class={btnPrimary}>Issue comp tickets</button>
            </div>
          </form>
        </Section>
      )}
      {may.manage_events && available.length > 0 && (
        <div class="mb-4 flex flex-wrap gap-2">
          {available.map(([key, a]) => (
            <form method="post">
              <Hidden action="status" csrf={csrf} />
              <input type="hidden" name="which" value={key} />
              <button
                type="submit"
                class={a.danger ? btnDanger : key === "publish" ? btnPrimary : btnSecondary}
              >
                {a.label}…
              </button>
            </form>
          ))}
        </div>
      )}

      <Section title="Details">
        {e.banner_url && (
          <img
            src={e.banner_url}
            alt={`Banner of ${e.name}`}
            width={size?.width}
            height={size?.height}
            class="mb-3 h-auto max-h-56 w-full rounded object-cover"
          />
        )}
        {may.manage_events
          ? (
            <div class="grid gap-4 md:grid-cols-2">
              <form method="post" class="flex flex-col gap-3">
                <Hidden action="details" csrf={csrf} />
                <Field label="Name" name="ev-name">
                  <input id="ev-name" name="name" value={e.name} class={input} />
                </Field>
                <Field label="City" name="ev-city">
                  <input id="ev-city" name="city" value={e.city} class={input} />
                </Field>
                <Field label="Description" name="ev-desc">
                  <textarea id="ev-desc" name="description" rows={3} class={input}>
                    {e.description}
                  </textarea>
                </Field>
                <div>
                  <button type="submit" class={btnSecondary}>Save details</button>
                </div>
              </form>
              <form method="post" enctype="multipart/form-data" class="flex flex-col gap-3">
                <Hidden action="banner" csrf={csrf} />
                <Field
                  label="Banner image"
                  name="banner"
                  hint="JPEG, PNG or WebP, at most 2 MB, at least 600 pixels wide; larger ones are scaled down to 1600 wide. Wide images (3:1) look best."
                >
                  <input
                    id="banner"
                    name="banner"
                    type="file"
                    accept="image/jpeg,image/png,image/webp"
                    required
                    class="text-sm"
                  />
                </Field>
                <div>
                  <button type="submit" class={btnSecondary}>Upload banner</button>
                </div>
              </form>
            </div>
          )
          : <p class="text-sm text-slate-700">{e.description || "No description."}</p>}
      </Section>

      <Section title="Ticket types">
        <div class="overflow-x-auto">
          <table class="w-full min-w-[520px]">
            <thead>
              <tr>
                <th class={th}>Name</th>
                <th class={th}>Prices</th>
                <th class={`${th} text-right`}>Sold</th>
              </tr>
            </thead>
            <tbody>
              {e.ticket_types.length === 0 && (
                <tr>
                  <td class={td} colSpan={3}>No ticket types yet: add one to go on sale.</td>
                </tr>
              )}
              {e.ticket_types.map((t) => (
                <tr class="border-t border-slate-100">
                  <td class={td}>
                    {t.name}
                    {t.hidden && <span class="ml-1 text-xs text-slate-500">(hidden)</span>}
                  </td>
                  <td class={td}>
                    {t.kind === "addon"
                      ? money(t.price_minor)
                      : t.prices.map((p) => (
                        <span class="mr-2 inline-block whitespace-nowrap">
                          {p.zone}: <b>{money(p.price_minor)}</b>
                        </span>
                      ))}
                  </td>
                  <td class={`${td} text-right tabular-nums`}>{t.sold}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {may.manage_prices && (
          <div class="mt-4 grid gap-4 md:grid-cols-2">
            <form method="post" class="flex flex-col gap-3 rounded border border-slate-200 p-3">
              <Hidden action="ticket_type" csrf={csrf} />
              <h3 class="font-semibold">Add a ticket type</h3>
              <Field label="Name" name="tt-name">
                <input id="tt-name" name="name" required placeholder="Adult" class={input} />
              </Field>
              <div class="grid grid-cols-2 gap-2">
                {e.zones.map((z) => (
                  <Field label={`Price in ${z.name} (${e.currency})`} name={`price-${z.id}`}>
                    <input
                      id={`price-${z.id}`}
                      name={`price:${z.name}`}
                      type="number"
                      min="0"
                      step="0.01"
                      class={input}
                    />
                  </Field>
                ))}
              </div>
              <Field label="At most per order" name="tt-max">
                <input
                  id="tt-max"
                  name="max_per_order"
                  type="number"
                  min="1"
                  max="100"
                  value="10"
                  class={input}
                />
              </Field>
              <div>
                <button type="submit" class={btnPrimary}>Add ticket type</button>
              </div>
            </form>
            {e.ticket_types.length > 0 && (
              <form method="post" class="flex flex-col gap-3 rounded border border-slate-200 p-3">
                <Hidden action="set_price" csrf={csrf} />
                <h3 class="font-semibold">Change a price</h3>
                <Field label="Ticket type" name="sp-tt">
                  <select id="sp-tt" name="ticket_type_id" class={input}>
                    {e.ticket_types.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
                  </select>
                </Field>
                <Field label="Zone" name="sp-zone">
                  <select id="sp-zone" name="zone" class={input}>
                    <option value="">Every zone</option>
                    {e.zones.map((z) => <option key={z.name} value={z.name}>{z.name}</option>)}
                  </select>
                </Field>
                <Field label={`New price (${e.currency})`} name="sp-price">
                  <input
                    id="sp-price"
                    name="price"
                    type="number"
                    min="0"
                    step="0.01"
                    required
                    class={input}
                  />
                </Field>
                <div>
                  <button type="submit" class={btnSecondary}>Change price</button>
                </div>
              </form>
            )}
          </div>
        )}
      </Section>

      <Section title="Quotas">
        <ul class="mb-3 text-sm">
          {e.quotas.length === 0 && <li class="text-slate-500">No quotas.</li>}
          {e.quotas.map((q) => (
            <li>{q.name}: {q.sold} sold of {q.capacity} ({q.ticket_types.join(", ")})</li>
          ))}
        </ul>
        {may.manage_prices && e.ticket_types.length > 0 && (
          <form method="post" class="flex flex-wrap items-end gap-2">
            <Hidden action="quota" csrf={csrf} />
            <Field label="Name" name="q-name">
              <input id="q-name" name="name" required class={input} />
            </Field>
            <Field label="Capacity" name="q-cap">
              <input id="q-cap" name="capacity" type="number" min="0" required class={input} />
            </Field>
            <fieldset class="flex flex-wrap gap-2 text-sm">
              <legend class="sr-only">Ticket types</legend>
              {e.ticket_types.map((t) => (
                <label class="flex items-center gap-1">
                  <input type="checkbox" name="ticket_type_ids" value={t.id} /> {t.name}
                </label>
              ))}
            </fieldset>
            <button type="submit" class={btnSecondary}>Add quota</button>
          </form>
        )}
      </Section>

      <Section title="Fees, tax and price rules">
        <div class="grid gap-4 lg:grid-cols-2">
          <div class="text-sm">
            <p>
              Booking fee: {e.fees
                ? `${money(e.fees.per_ticket_minor)} per ticket, ${
                  money(e.fees.per_order_minor)
                } per order`
                : "none"}
            </p>
            <p>
              Tax: {e.tax
                ? `${e.tax.name} ${e.tax.rate_percent} % (${
                  e.tax.inclusive ? "included in prices" : "added on top"
                })`
                : "none"}
            </p>
            <ul class="mt-2">
              {e.pricing_rules.map((r) => (
                <li>
                  {r.name}: {r.adjust_percent > 0 ? "+" : ""}
                  {r.adjust_percent} % {r.sold_percent !== null
                    ? `once ${r.sold_percent} % sold`
                    : r.ends_at
                    ? `until ${formatDateTime(r.ends_at)}`
                    : ""}
                </li>
              ))}
              {e.group_discounts.map((g) => (
                <li key={g.id}>Groups of {g.min_quantity}+: {g.percent} % off</li>
              ))}
            </ul>
          </div>
          {may.manage_prices && (
            <div class="flex flex-col gap-3">
              <form method="post" class="flex flex-wrap items-end gap-2">
                <Hidden action="fees" csrf={csrf} />
                <Field label="Fee per ticket" name="f-t">
                  <input
                    id="f-t"
                    name="per_ticket"
                    type="number"
                    min="0"
                    step="0.01"
                    value={String((e.fees?.per_ticket_minor ?? 0) / 100)}
                    class={`${input} w-28`}
                  />
                </Field>
                <Field label="Fee per order" name="f-o">
                  <input
                    id="f-o"
                    name="per_order"
                    type="number"
                    min="0"
                    step="0.01"
                    value={String((e.fees?.per_order_minor ?? 0) / 100)}
                    class={`${input} w-28`}
                  />
                </Field>
                <button type="submit" class={btnSecondary}>Save fees</button>
              </form>
              <form method="post" class="flex flex-wrap items-end gap-2">
                <Hidden action="tax" csrf={csrf} />
                <Field label="Tax %" name="t-r">
                  <input
                    id="t-r"
                    name="rate_percent"
                    type="number"
                    min="0"
                    max="100"
                    step="0.001"
                    value={String(e.tax?.rate_percent ?? 15)}
                    class={`${input} w-24`}
                  />
                </Field>
                <Field label="Prices" name="t-i">
                  <select id="t-i" name="inclusive" class={input}>
                    <option value="yes">include tax</option>
                    <option value="no" selected={e.tax?.inclusive === false}>exclude tax</option>
                  </select>
                </Field>
                <button type="submit" class={btnSecondary}>Save tax</button>
              </form>
              <form method="post" class="flex flex-wrap items-end gap-2">
                <Hidden action="rule" csrf={csrf} />
                <Field label="Rule name" name="r-n">
                  <input
                    id="r-n"
                    name="name"
                    required
                    placeholder="Early bird"
                    class={`${input} w-32`}
                  />
                </Field>
                <Field label="Adjust %" name="r-a">
                  <input
                    id="r-a"
                    name="adjust_percent"
                    type="number"
                    step="0.1"
                    required
                    placeholder="-20"
                    class={`${input} w-24`}
                  />
                </Field>
                <Field label="Until (date rule)" name="r-u">
                  <input id="r-u" name="ends_at" type="datetime-local" class={input} />
                </Field>
                <Field label="or once % sold" name="r-s">
                  <input
                    id="r-s"
                    name="sold_percent"
                    type="number"
                    min="0"
                    max="100"
                    class={`${input} w-24`}
                  />
                </Field>
                <button type="submit" class={btnSecondary}>Add rule</button>
              </form>
              <form method="post" class="flex flex-wrap items-end gap-2">
                <Hidden action="group" csrf={csrf} />
                <Field label="Group of at least" name="g-q">
                  <input
                    id="g-q"
                    name="min_quantity"
                    type="number"
                    min="2"
                    required
                    class={`${input} w-24`}
                  />
                </Field>
                <Field label="% off" name="g-p">
                  <input
                    id="g-p"
                    name="percent"
                    type="number"
                    min="1"
                    max="100"
                    required
                    class={`${input} w-24`}
                  />
                </Field>
                <button type="submit" class={btnSecondary}>Add group discount</button>
              </form>
            </div>
          )}
        </div>
      </Section>

      <Section title="Promo codes">
        {data.generated.length > 0 && (
          <div class="mb-3 rounded border border-emerald-300 bg-emerald-50 p-2">
            <p class="text-sm font-medium">New codes:</p>
            <p class="font-mono text-sm break-all" data-testid="generated">
              {data.generated.join(" ")}
            </p>
          </div>
        )}
        <div class="overflow-x-auto">
          <table class="w-full min-w-[560px]">
            <thead>
              <tr>
                <th class={th}>Code</th>
                <th class={th}>Discount</th>
                <th class={`${th} text-right`}>Used</th>
                <th class={`${th} text-right`}>Paid orders</th>
                <th class={`${th} text-right`}>Given</th>
                <th class={th}></th>
              </tr>
            </thead>
            <tbody>
              {e.promo_codes.length === 0 && (
                <tr>
                  <td class={td} colSpan={6}>No promo codes.</td>
                </tr>
              )}
              {e.promo_codes.slice(0, 200).map((c) => (
                <tr class="border-t border-slate-100">
                  <td class={`${td} font-mono`}>
                    {c.code}
                    {c.event_id === null && (
                      <span class="ml-1 text-xs text-slate-500">(all events)</span>
                    )}
                    {!c.active && <span class="ml-1 text-xs text-red-700">off</span>}
                  </td>
                  <td class={td}>
                    {c.kind === "percent" ? `${c.percent} %` : money(c.amount_minor)}
                  </td>
                  <td class={`${td} text-right tabular-nums`}>
                    {c.used}
                    {c.max_uses ? ` / ${c.max_uses}` : ""}
                  </td>
                  <td class={`${td} text-right tabular-nums`}>{c.paid_orders}</td>
                  <td class={`${td} text-right tabular-nums`}>
                    {money(Math.abs(c.discount_minor))}
                  </td>
                  <td class={td}>
                    {may.manage_promo_codes && (
                      <form method="post">
                        <Hidden action="promo_active" csrf={csrf} />
                        <input type="hidden" name="promo_code_id" value={c.id} />
                        <input type="hidden" name="active" value={c.active ? "no" : "yes"} />
                        <button type="submit" class="text-xs text-sky-700 underline">
                          {c.active ? "Switch off" : "Switch on"}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {may.manage_promo_codes && (
          <div class="mt-4 grid gap-4 md:grid-cols-2">
            <form
              method="post"
              class="flex flex-wrap items-end gap-2 rounded border border-slate-200 p-3"
            >
              <Hidden action="promo" csrf={csrf} />
              <Field label="Code" name="p-c">
                <input
                  id="p-c"
                  name="code"
                  required
                  placeholder="SUMMER10"
                  class={`${input} w-32 uppercase`}
                />
              </Field>
              <Field label="Kind" name="p-k">
                <select id="p-k" name="kind" class={input}>
                  <option value="percent">% off</option>
                  <option value="fixed">amount off</option>
                </select>
              </Field>
              <Field label="Value" name="p-v">
                <input
                  id="p-v"
                  name="value"
                  type="number"
                  min="0"
                  step="0.01"
                  required
                  class={`${input} w-24`}
                />
              </Field>
              <Field label="Max uses" name="p-m">
                <input id="p-m" name="max_uses" type="number" min="1" class={`${input} w-24`} />
              </Field>
              <button type="submit" class={btnSecondary}>Create code</button>
            </form>
            <form
              method="post"
              class="flex flex-wrap items-end gap-2 rounded border border-slate-200 p-3"
            >
              <Hidden action="promo_bulk" csrf={csrf} />
              <Field label="Prefix" name="b-p">
                <input id="b-p" name="prefix" placeholder="VIP" class={`${input} w-24 uppercase`} />
              </Field>
              <Field label="How many" name="b-n">
                <input
                  id="b-n"
                  name="count"
                  type="number"
                  min="1"
                  max="500"
                  required
                  value="10"
                  class={`${input} w-20`}
                />
              </Field>
              <Field label="Kind" name="b-k">
                <select id="b-k" name="kind" class={input}>
                  <option value="percent">% off</option>
                  <option value="fixed">amount off</option>
                </select>
              </Field>
              <Field label="Value" name="b-v">
                <input
                  id="b-v"
                  name="value"
                  type="number"
                  min="0"
                  step="0.01"
                  required
                  class={`${input} w-20`}
                />
              </Field>
              <Field label="Uses each" name="b-m">
                <input
                  id="b-m"
                  name="max_uses"
                  type="number"
                  min="1"
                  value="1"
                  class={`${input} w-20`}
                />
              </Field>
              <button type="submit" class={btnSecondary}>Generate codes</button>
            </form>
          </div>
        )}
      </Section>

      <Section title="Dates in this series">
        <ul class="mb-3 text-sm">
          {e.series.length === 0 && <li class="text-slate-500">A single date.</li>}
          {e.series.map((s) => (
            <li>
              <a href={`/admin/events/${s.id}`} class="text-sky-700 hover:underline">
                {formatDateTime(s.starts_at)}
              </a>{" "}
              <StatusBadge status={s.status} />
            </li>
          ))}
        </ul>
        {may.manage_events && (
          <form method="post" class="flex flex-wrap items-end gap-2">
            <Hidden action="add_date" csrf={csrf} />
            <Field label="Another date (Harare time)" name="d-s">
              <input id="d-s" name="starts_at" type="datetime-local" required class={input} />
            </Field>
            <button type="submit" class={btnSecondary}>Add date</button>
          </form>
        )}
      </Section>
    </>
  );
}
