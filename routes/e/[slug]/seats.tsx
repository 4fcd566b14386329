// Seat selection: the venue map island (sections, then a section's seats on demand), and the
// same page without JavaScript: a best-available form (section or zone, quantity, ticket type).
import { type Handlers, Head, page, type PageProps } from "../../../lib/fresh/mod.ts";
import { rpc } from "../../../lib/rest/mod.ts";
import { formatDateTime } from "../../../lib/format.ts";
import { checkCsrf, csrfRefusal, csrfToken } from "../../../lib/csrf.ts";
import { type BuyerState, holdsCookie, ownedHolds } from "../../../lib/session.ts";
import { type EventDetail, loadEvent, refusal, type Section } from "../(_lib)/event.ts";
import SeatMap, { type MapSection, type SeatMapProps } from "../../../islands/SeatMap.tsx";
import { type OutlineIn, venueOverview } from "../../../lib/venue_overview.ts";
import { TtlCache } from "../../../lib/cache.ts";

// The seat map's browser-only styles (twind extracts only classes rendered on the server).
const seatMapCss = Deno.readTextFileSync(new URL("../../../static/seatmap.css", import.meta.url));

interface SeatsData {
  event: EventDetail;
  map: SeatMapProps;
}

// Seats never move once an event exists, so its outlines are kept for minutes, not seconds.
const outlineCache = new TtlCache<OutlineIn[]>(300_000, 200);

/** Overview positions without drawable geometry: the sections' own positions, or a ring. */
function layout(sections: Section[]): { cx: number; cy: number }[] {
  const distinct = new Set(sections.map((s) => `${s.x},${s.y}`)).size === sections.length;
  const xs = sections.map((s) => s.x), ys = sections.map((s) => s.y);
  const span = Math.max(1, Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  return sections.map((s, i) => {
    if (distinct && sections.length > 1) {
      return {
        cx: 100 + ((s.x - (Math.max(...xs) + Math.min(...xs)) / 2) / span) * 150,
        cy: 100 + ((s.y - (Math.max(...ys) + Math.min(...ys)) / 2) / span) * 150,
      };
    }
    const angle = Math.PI + (i * 2 * Math.PI) / sections.length;
    return { cx: 100 + 72 * Math.cos(angle), cy: 100 + 72 * Math.sin(angle) };
  });
}

async function seatsPage(
  ctx: { params: Record<string, string>; url: URL; state: BuyerState },
  error: { message: string; status: number } | null,
  where?: string,
) {
  const { event, sections } = await loadEvent(ctx.params.slug ?? "");
  const types = event.ticket_types.filter((t) => t.kind === "admission" && t.on_sale);
  const outlines = await outlineCache.get(
    event.id,
    () => rpc<OutlineIn[]>("event_outlines", { event_id: event.id }),
  );
  const sport = ["football", "rugby", "cricket", "athletics", "sport"].includes(event.category);
  const overview = venueOverview(sections, outlines, sport ? "pitch" : "stage");
  const positions = overview
    ? sections.map((s) => overview.shapes.get(s.id)!)
    : layout(sections).map((p) => ({ ...p, path: null, vertical: false }));
  const zones = new Map<string, string>();
  for (const t of types) for (const p of t.prices) zones.set(p.zone_id, p.zone);
  const mapSections: MapSection[] = sections.map((s, i) => ({
    id: s.id,
    name: s.name,
    kind: s.kind,
    zone: s.zone,
    color: s.zone_color ?? "#64748b",
    free: s.free,
    capacity: s.capacity,
    cx: positions[i]!.cx,
    cy: positions[i]!.cy,
    shape: positions[i]!.path,
    vertical: positions[i]!.vertical,
    prices: Object.fromEntries(types.flatMap((t) => {
      const p = t.prices.find((p) => p.zone === s.zone);
      return p ? [[t.id, p.price_minor]] : [];
    })),
  }));
  const section = ctx.url.searchParams.get("section");
  return page<SeatsData>({
    event,
    map: {
      slug: event.slug,
      csrf: await csrfToken(ctx.state.sessionId),
      currency: event.currency,
      centre: sport ? "Pitch" : "Stage",
      field: overview?.centre ?? null,
      pad: overview?.pad ?? 0,
      sections: mapSections,
      types: types.map((t) => ({ id: t.id, name: t.name, max: t.max_per_order })),
      zones: [...zones].map(([id, name]) => ({ id, name })),
      zonePrices: Object.fromEntries([...zones.keys()].map((zone) => [
        zone,
        Object.fromEntries(types.flatMap((t) => {
          const p = t.prices.find((p) => p.zone_id === zone);
          return p ? [[t.id, p.price_minor]] : [];
        })),
      ])),
      where: where ?? (section ? `section:${section}` : ""),
      error: error?.message ?? null,
    },
  }, { status: error?.status ?? 200, headers: { "cache-control": "private, no-cache" } });
}

export const handler: Handlers<SeatsData, BuyerState> = {
  GET: (ctx) => seatsPage(ctx, null),

  async POST(ctx) {
    const form = await ctx.req.formData().catch(() => new FormData());
    if (!(await checkCsrf(form, ctx.state.sessionId))) return csrfRefusal();
    const { event } = await loadEvent(ctx.params.slug ?? "");
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === "string" ? value.trim() : "";
    };
    const where = field("where");
    const typeId = field("ticket_type") || null;
    try {
      let hold: { token: string };
      if (field("action") === "pick") {
        const seats = form.getAll("seat").map(String);
        if (seats.length === 0) throw new RangeError("Pick at least one seat first");
        if (seats.some((s) => !/^\d{1,18}$/.test(s))) throw new RangeError("Pick seats on the map");
        hold = await rpc("hold_seats", {
          event_id: event.id,
          seat_ids: seats,
          session_id: ctx.state.sessionId,
          ticket_type_id: typeId,
        });
      } else {
        const quantity = field("quantity");
        if (!/^\d{1,2}$/.test(quantity)) {
          throw new RangeError(
            `Choose how many seats, like 2, but found "${quantity.slice(0, 20)}"`,
          );
        }
        const [kind, id] = where.split(":");
        hold = await rpc("hold_best_available", {
          event_id: event.id,
          quantity: Number(quantity),
          session_id: ctx.state.sessionId,
          section_id: kind === "section" ? id : null,
          zone_id: kind === "zone" ? id : null,
          ticket_type_id: typeId,
        });
      }
      const owned = await ownedHolds(ctx.req, ctx.state.sessionId);
      ctx.state.setCookies.push(
        await holdsCookie([...owned, { token: hold.token, slug: event.slug }], ctx.state),
      );
      return ctx.redirect(`/checkout/${hold.token}`);
    } catch (error) {
      const problem = error instanceof RangeError
        ? { message: error.message, status: 400 }
        : refusal(error);
      // Someone else was faster: point at the way to the best seats still free.
      if (problem.status === 409 && /no longer available/.test(problem.message)) {
        problem.message +=
          ". Pick other seats, or use “Best available” for the best seats still free";
      }
      return seatsPage(ctx, problem, where);
    }
  },
};

export default function SeatsPage({ data }: PageProps<SeatsData>) {
  const { event, map } = data;
  return (
    <main class="max-w-3xl mx-auto px-4 pb-8">
      <Head>
        <title>Choose seats — {event.name} — Mutambo</title>
        {/* Inlined: a stylesheet link would cost slow-3G buyers a whole round trip before paint. */}
        <style dangerouslySetInnerHTML={{ __html: seatMapCss }} />
      </Head>
      <p class="pt-6 text-sm">
        <a class="underline text-slate-600" href={`/e/${event.slug}`}>← {event.name}</a>
      </p>
      <h1 class="text-2xl font-extrabold tracking-tight">Choose your seats</h1>
      <p class="text-slate-700">
        {formatDateTime(event.starts_at, event.venue.timezone)} · {event.venue.name}
      </p>
      <p class="mt-1 text-sm text-slate-600">
        Tap a section to see its seats, or let us pick the best available. We hold your seats for
        {" "}
        {event.hold_minutes} minutes while you check out.
      </p>
      <div class="mt-4">
        <SeatMap {...map} />
      </div>
    </main>
  );
}
