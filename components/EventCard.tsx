import { dateBadge, formatDateTime, formatMoney } from "../lib/format.ts";

export interface EventCardData {
  slug: string;
  name: string;
  category: string;
  city: string;
  venue: string;
  starts_at: string;
  currency: string;
  from_price_minor: number | null;
  availability: string;
  sales_open: boolean;
}

const availabilityLabels: Record<string, { text: string; class: string }> = {
  available: { text: "Tickets available", class: "bg-emerald-100 text-emerald-800" },
  limited: { text: "Selling fast", class: "bg-amber-100 text-amber-900" },
  sold_out: { text: "Sold out", class: "bg-slate-200 text-slate-700" },
};

/** One event in a listing: date badge, name, place, from-price and how much is left. */
export function EventCard({ event }: { event: EventCardData }) {
  const badge = dateBadge(event.starts_at);
  const level = availabilityLabels[event.availability] ?? availabilityLabels.available!;
  return (
    <li class="bg-white rounded-xl border border-slate-200 hover:border-slate-400 transition-colors">
      <a href={`/e/${event.slug}`} class="flex gap-4 p-4">
        <div
          class="shrink-0 w-14 text-center rounded-lg bg-slate-900 text-white py-2"
          aria-hidden="true"
        >
          <div class="text-xs uppercase tracking-wide text-amber-400">{badge.month}</div>
          <div class="text-2xl font-bold leading-none">{badge.day}</div>
          <div class="text-xs text-slate-300">{badge.weekday}</div>
        </div>
        <div class="min-w-0 flex-1">
          <p class="text-xs font-semibold uppercase tracking-wide text-slate-500">
            {event.category}
          </p>
          <h2 class="font-bold text-lg leading-snug">{event.name}</h2>
          <p class="text-sm text-slate-600">
            <time datetime={event.starts_at}>{formatDateTime(event.starts_at)}</time>
            {" · "}
            {event.venue}, {event.city}
          </p>
          <p class="mt-2 flex flex-wrap items-center gap-2 text-sm">
            {event.from_price_minor !== null && event.availability !== "sold_out" && (
              <span class="font-semibold">
                From {formatMoney(event.from_price_minor, event.currency)}
              </span>
            )}
            <span class={`rounded-full px-2 py-0.5 text-xs font-medium ${level.class}`}>
              {event.sales_open || event.availability === "sold_out"
                ? level.text
                : "Sales not open yet"}
            </span>
          </p>
        </div>
      </a>
    </li>
  );
}
