import { type Handlers, Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { formatDateTime, formatMoney } from "../../lib/format.ts";
import { checkCsrf, CSRF_FIELD, csrfRefusal, csrfToken } from "../../lib/csrf.ts";
import { type BuyerState, holdsCookie, ownedHolds } from "../../lib/session.ts";
import {
  type EventDetail,
  loadEvent,
  priceIn,
  refusal,
  type Section,
  standingSectionsFor,
} from "./(_lib)/event.ts";

interface EventPageData {
  event: EventDetail;
  sections: Section[];
  csrf: string;
  /** Quantities the buyer chose, by field name, kept when the form comes back with an error. */
  chosen: Record<string, number>;
  error: string | null;
  notice: string | null;
}

/** Form field of one ticket type in one standing section (section empty for add-ons). */
const qtyField = (typeId: string, sectionId = "") => `qty:${typeId}:${sectionId}`;

interface HoldItem {
  ticket_type_id: string;
  quantity: number;
  section_id?: string;
}

/** The quantities of the form, or a message naming the first one that is not a whole number. */
function readQuantities(form: FormData): { items: HoldItem[]; chosen: Record<string, number> } {
  const items: HoldItem[] = [];
  const chosen: Record<string, number> = {};
  for (const [name, raw] of form) {
    const match = /^qty:([0-9a-f-]{36}):([0-9a-f-]{36})?$/.exec(name);
    if (!match || typeof raw !== "string" || raw.trim() === "") continue;
    const text = raw.trim();
    if (!/^\d{1,3}$/.test(text)) {
      throw new RangeError(`Quantities are whole numbers like 2, but found "${text.slice(0, 20)}"`);
    }
    const quantity = Number(text);
    if (quantity === 0) continue;
    chosen[name] = quantity;
    items.push({
      ticket_type_id: match[1]!,
      quantity,
      ...(match[2] ? { section_id: match[2] } : {}),
    });
  }
  return { items, chosen };
}

export const handler: Handlers<EventPageData, BuyerState> = {
  async GET(ctx) {
    const { event, sections } = await loadEvent(ctx.params.slug ?? "");
    const notice = ctx.url.searchParams.get("released") === "1"
      ? "Your seats were released. Choose again whenever you are ready."
      : null;
    return page(
      {
        event,
        sections,
        csrf: await csrfToken(ctx.state.sessionId),
        chosen: {},
        error: null,
        notice,
      },
      { headers: { "cache-control": "private, no-cache" } },
    );
  },

  // Hold standing tickets and add-ons (works without JavaScript), then go to checkout.
  async POST(ctx) {
    const form = await ctx.req.formData().catch(() => new FormData());
    if (!(await checkCsrf(form, ctx.state.sessionId))) return csrfRefusal();
    const { event, sections } = await loadEvent(ctx.params.slug ?? "");
    const csrf = await csrfToken(ctx.state.sessionId);
    let chosen: Record<string, number> = {};
    try {
      const read = readQuantities(form);
      chosen = read.chosen;
      if (read.items.length === 0) throw new RangeError("Choose how many tickets you want first");
      const hold = await rpc<{ token: string }>("hold_tickets", {
        event_id: event.id,
        items: read.items,
        session_id: ctx.state.sessionId,
      });
      const owned = await ownedHolds(ctx.req, ctx.state.sessionId);
      ctx.state.setCookies.push(
        await holdsCookie([...owned, { token: hold.token, slug: event.slug }], ctx.state),
      );
      return ctx.redirect(`/checkout/${hold.token}`);
    } catch (error) {
      const { message, status } = error instanceof RangeError
        ? { message: error.message, status: 400 }
        : refusal(error);
      return page({ event, sections, csrf, chosen, error: message, notice: null }, { status });
    }
  },
};

const levelText: Record<string, string> = {
  available: "Available",
  limited: "Few left",
  sold_out: "Sold out",
};

function priceRange(section: Section, currency: string): string {
  if (section.min_price_minor === null) return "";
  const low = formatMoney(section.min_price_minor, currency);
  if (section.max_price_minor === null || section.max_price_minor === section.min_price_minor) {
    return low;
  }
  return `${low} – ${formatMoney(section.max_price_minor, currency)}`;
}

function venueLine(venue: EventDetail["venue"]): string {
  const address = venue.address ?? "";
  const parts = [venue.name, address];
  if (!address.toLowerCase().endsWith(venue.city.toLowerCase())) parts.push(venue.city);
  return parts.filter(Boolean).join(", ");
}

export default function EventPage({ data }: PageProps<EventPageData>) {
  const { event, sections } = data;
  const tz = event.venue.timezone;
  const admissions = event.ticket_types.filter((t) => t.kind === "admission");
  const addOns = event.ticket_types.filter((t) => t.kind !== "admission");
  const standingLines = admissions.filter((t) => t.on_sale).flatMap((t) =>
    standingSectionsFor(t, sections).map((s) => ({ type: t, section: s }))
  );
  const seated = sections.some((s) => s.kind === "seated");
  const canBuy = event.sales_open;
  return (
    <main class="max-w-3xl mx-auto px-4 pb-8">
      <Head>
        <title>{event.name} — Mutambo</title>
        <meta
          name="description"
          content={`${event.name}, ${
            formatDateTime(event.starts_at, tz)
          } at ${event.venue.name}, ${event.venue.city}`}
        />
      </Head>
      {event.banner_url && (
        // 8:3 box reserved up front so nothing jumps; lazy and async so text paints first.
        <img
          src={event.banner_url}
          alt=""
          width={800}
          height={300}
          loading="lazy"
          decoding="async"
          class="mt-4 w-full h-auto rounded-xl bg-slate-200 aspect-[8/3] object-cover"
        />
      )}
      <p class="pt-6 text-xs font-semibold uppercase tracking-wide text-slate-500">
        {event.category}
      </p>
      <h1 class="text-2xl sm:text-3xl font-extrabold tracking-tight">{event.name}</h1>
      <p class="mt-1 text-slate-700">
        <time datetime={event.starts_at}>{formatDateTime(event.starts_at, tz)}</time>
        {event.doors_open_at && (
          <span class="text-slate-500">
            {" · doors "}
            {formatDateTime(event.doors_open_at, tz).slice(-5)}
          </span>
        )}
      </p>
      <p class="text-slate-700">{venueLine(event.venue)}</p>
      {event.other_dates.length > 0 && (
        <p class="mt-2 text-sm">
          Other dates: {event.other_dates.map((d, i) => (
            <>
              {i > 0 && ", "}
              <a class="underline" href={`/e/${d.slug}`}>{formatDateTime(d.starts_at, tz)}</a>
            </>
          ))}
        </p>
      )}
      {event.description && (
        <p class="mt-4 whitespace-pre-line leading-relaxed">{event.description}</p>
      )}

      <h2 class="mt-8 text-xl font-bold">Tickets</h2>
      {!event.sales_open && (
        <p class="mt-2 rounded-md bg-amber-50 border border-amber-200 px-3 py-2 text-amber-900">
          {event.status === "sold_out"
            ? "This event is sold out."
            : "Ticket sales are not open right now."}
        </p>
      )}
      <ul class="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
        {admissions.map((t) => (
          <li class="p-4">
            <div class="flex justify-between gap-4">
              <div>
                <h3 class="font-semibold">{t.name}</h3>
                {t.description && <p class="text-sm text-slate-600">{t.description}</p>}
              </div>
              {t.price_minor !== null && (
                <p class="font-semibold whitespace-nowrap">
                  {formatMoney(t.price_minor, event.currency)}
                </p>
              )}
            </div>
            {t.prices.length > 0 && (
              <ul class="mt-2 text-sm text-slate-700 grid sm:grid-cols-2 gap-x-6">
                {t.prices.map((p) => (
                  <li class="flex justify-between">
                    <span>{p.zone}</span>
                    <span>{formatMoney(p.price_minor, event.currency)}</span>
                  </li>
                ))}
              </ul>
            )}
            {!t.on_sale && <p class="mt-1 text-sm text-slate-500">Not on sale at the moment</p>}
          </li>
        ))}
      </ul>
      {data.notice && (
        <p role="status" class="mt-4 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2">
          {data.notice}
        </p>
      )}
      {data.error && (
        <p
          role="alert"
          id="problem"
          class="mt-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800"
        >
          {data.error}
        </p>
      )}
      {canBuy && seated && (
        <a
          href={`/e/${event.slug}/seats`}
          class="mt-4 flex justify-between items-center rounded-xl bg-slate-900 text-white px-4 py-3 font-semibold"
        >
          <span>Choose your seats</span>
          <span aria-hidden="true">→</span>
        </a>
      )}
      {canBuy && standingLines.length > 0 && (
        <form
          method="post"
          action={`/e/${event.slug}`}
          id="buy"
          class="mt-4 rounded-xl border border-slate-200 bg-white p-4"
        >
          <h2 class="text-lg font-bold">{seated ? "Standing tickets" : "Buy tickets"}</h2>
          <input type="hidden" name={CSRF_FIELD} value={data.csrf} />
          {[
            ...standingLines.map(({ type, section }) => ({
              name: qtyField(type.id, section.id),
              label: type.name,
              where: section.free > 0 ? section.name : `${section.name} · sold out`,
              price: priceIn(type, section),
              max: section.free > 0 ? Math.min(type.max_per_order, section.free) : 0,
            })),
            ...addOns.filter((t) => t.on_sale).map((t) => ({
              name: qtyField(t.id),
              label: t.name,
              where: "Extra",
              price: t.price_minor,
              max: t.max_per_order,
            })),
          ].map((line) => (
            <label class="flex items-center justify-between gap-3 py-2 border-b border-slate-100">
              <span>
                <span class="font-semibold">{line.label}</span>
                <span class="block text-sm text-slate-600">
                  {line.where}
                  {line.price !== null && ` · ${formatMoney(line.price, event.currency)}`}
                </span>
              </span>
              <select
                name={line.name}
                disabled={line.max === 0}
                class="rounded-md border border-slate-300 bg-white px-2 py-1.5"
              >
                {Array.from(
                  { length: line.max + 1 },
                  (_, n) => (
                    <option value={n} selected={(data.chosen[line.name] ?? 0) === n}>{n}</option>
                  ),
                )}
              </select>
            </label>
          ))}
          <button
            type="submit"
            class="mt-4 w-full rounded-md bg-amber-400 px-4 py-2.5 font-bold text-slate-900"
          >
            Hold my tickets
          </button>
          <p class="mt-2 text-sm text-slate-600">
            We keep them for you for {event.hold_minutes} minutes while you check out.
          </p>
        </form>
      )}
      {addOns.length > 0 && !(canBuy && standingLines.length > 0) && (
        <>
          <h2 class="mt-8 text-xl font-bold">Extras</h2>
          <ul class="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
            {addOns.map((t) => (
              <li class="p-4 flex justify-between gap-4">
                <span class="font-semibold">{t.name}</span>
                {t.price_minor !== null && (
                  <span class="font-semibold">{formatMoney(t.price_minor, event.currency)}</span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}

      <h2 class="mt-8 text-xl font-bold">Sections</h2>
      <table class="mt-3 w-full text-sm bg-white rounded-xl border border-slate-200">
        <thead>
          <tr class="text-left text-slate-500">
            <th class="p-2 font-medium">Section</th>
            <th class="p-2 font-medium">Price</th>
            <th class="p-2 font-medium text-right">Places left</th>
          </tr>
        </thead>
        <tbody>
          {sections.map((s) => (
            <tr class="border-t border-slate-100">
              <td class="p-2">
                <span
                  class="inline-block w-2.5 h-2.5 rounded-full mr-2 align-middle"
                  style={{ background: s.zone_color ?? "#94a3b8" }}
                />
                {s.name}
                <span class="text-slate-500">{s.kind === "standing" ? " · standing" : ""}</span>
              </td>
              <td class="p-2">{priceRange(s, event.currency)}</td>
              <td class="p-2 text-right">
                {s.availability === "sold_out" ? levelText.sold_out : (
                  <>
                    {s.free.toLocaleString("en")}
                    <span class="block text-xs text-slate-500">
                      {levelText[s.availability] ?? ""}
                    </span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
