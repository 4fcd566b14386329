// Reading an event for the buyer pages and turning the engine's refusals into page messages.
// Shared by /e/<slug>, /e/<slug>/seats and /checkout/<token>; the router ignores "(_…)" folders.
import { HttpError } from "../../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../../lib/rest/mod.ts";
import { TtlCache } from "../../../lib/cache.ts";

export interface ZonePrice {
  zone_id: string;
  zone: string;
  price_minor: number;
}

export interface TicketType {
  id: string;
  name: string;
  kind: string;
  description: string | null;
  on_sale: boolean;
  min_per_order: number;
  max_per_order: number;
  price_minor: number | null;
  prices: ZonePrice[];
}

export interface EventDetail {
  id: string;
  slug: string;
  name: string;
  category: string;
  city: string;
  description: string;
  performers: string[];
  banner_url: string | null;
  currency: string;
  starts_at: string;
  ends_at: string;
  doors_open_at: string | null;
  sales_open: boolean;
  status: string;
  hold_minutes: number;
  venue: { name: string; city: string; address: string | null; timezone: string };
  other_dates: { slug: string; starts_at: string }[];
  ticket_types: TicketType[];
}

export interface Section {
  id: string;
  name: string;
  kind: string;
  zone: string | null;
  zone_color: string | null;
  zone_rank: number | null;
  capacity: number;
  free: number;
  availability: string;
  min_price_minor: number | null;
  max_price_minor: number | null;
  x: number;
  y: number;
}

// The event page is read by every buyer of a flash sale at once. Details change rarely (15 s
// is fine); availability must never be more than a couple of seconds old.
const eventCache = new TtlCache<EventDetail>(15_000);
const sectionCache = new TtlCache<Section[]>(2_000);

/** The event and its sections, or a 404 page. */
export async function loadEvent(
  slug: string,
): Promise<{ event: EventDetail; sections: Section[] }> {
  try {
    const event = await eventCache.get(slug, () => rpc<EventDetail>("event_by_slug", { slug }));
    const sections = await sectionCache.get(
      event.id,
      () => rpc<Section[]>("event_sections", { event_id: event.id }),
    );
    return { event, sections };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new HttpError(404, error.message);
    throw error;
  }
}

/** Standing sections where a ticket type has a price (zones are matched by name). */
export function standingSectionsFor(type: TicketType, sections: Section[]): Section[] {
  const zones = new Set(type.prices.map((p) => p.zone));
  return sections.filter((s) => s.kind === "standing" && s.zone !== null && zones.has(s.zone));
}

/** A type's price in a section's zone, in minor units. */
export function priceIn(type: TicketType, section: Section): number | null {
  return type.prices.find((p) => p.zone === section.zone)?.price_minor ?? type.price_minor;
}

/**
 * A refusal from the engine as a message for the page and its status; anything that is not a
 * client error (a bug, the database down) is rethrown for the error page.
 */
export function refusal(error: unknown): { message: string; status: number } {
  if (error instanceof ApiError && error.status < 500) {
    if (error.code === "22P02" || error.code === "22003") {
      return { message: "Something in the form was not valid. Please choose again.", status: 400 };
    }
    return { message: friendlyTimes(error.message), status: error.status };
  }
  throw error;
}

// Messages name times as Postgres prints them ("2026-11-21 15:39:48.12+00"); say them in words.
function friendlyTimes(message: string): string {
  return message.replace(
    /\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d(?::?\d\d)?|Z)/g,
    (text) => {
      const iso = text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return text;
      return new Intl.DateTimeFormat("en-GB", {
        timeZone: "Africa/Harare",
        day: "numeric",
        month: "short",
        hour: "2-digit",
        minute: "2-digit",
      }).format(date);
    },
  );
}
