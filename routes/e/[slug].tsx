import { type Handlers, Head, HttpError, page, type PageProps } from "../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../lib/rest/mod.ts";
import { formatDateTime, formatMoney } from "../../lib/format.ts";

interface TicketType {
  id: string;
  name: string;
  kind: string;
  description: string | null;
  on_sale: boolean;
  price_minor: number | null;
  prices: { zone_id: string; zone: string; price_minor: number }[];
}

interface EventDetail {
  id: string;
  slug: string;
  name: string;
  category: string;
  city: string;
  description: string;
  performers: string[];
  currency: string;
  starts_at: string;
  ends_at: string;
  doors_open_at: string | null;
  sales_open: boolean;
  status: string;
  venue: { name: string; city: string; address: string | null; timezone: string };
  other_dates: { slug: string; starts_at: string }[];
  ticket_types: TicketType[];
}

interface Section {
  id: string;
  name: string;
  kind: string;
  zone: string | null;
  zone_color: string | null;
  capacity: number;
  free: number;
  availability: string;
  min_price_minor: number | null;
  max_price_minor: number | null;
}

interface EventPageData {
  event: EventDetail;
  sections: Section[];
}

export const handler: Handlers<EventPageData> = {
  async GET(ctx) {
    try {
      const event = await rpc<EventDetail>("event_by_slug", { slug: ctx.params.slug ?? "" });
      const sections = await rpc<Section[]>("event_sections", { event_id: event.id });
      return page({ event, sections });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        throw new HttpError(404, error.message);
      }
      throw error;
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
      <p class="pt-6 text-xs font-semibold uppercase tracking-wide text-slate-500">
        {event.category}
      </p>
      <h1 class="text-2xl sm:text-3xl font-extrabold tracking-tight">{event.name}</h1>
      <p class="mt-1 text-slate-700">
        <time datetime={event.starts_at}>{formatDateTime(event.starts_at, tz)}</time>
        {event.doors_open_at && (
          <span class="text-slate-500">
            · doors {formatDateTime(event.doors_open_at, tz).slice(-5)}
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
      {addOns.length > 0 && (
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
              <td class="p-2 whitespace-nowrap">{priceRange(s, event.currency)}</td>
              <td class="p-2 text-right whitespace-nowrap">
                {s.availability === "sold_out"
                  ? levelText.sold_out
                  : `${s.free.toLocaleString("en")} · ${levelText[s.availability] ?? ""}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
