// The seat map's two reads, shared by every buyer looking at a section: the seats themselves
// (labels, positions, zones: they never move once an event exists, so kept for 5 minutes)
// and their statuses (one character per seat, kept for 1 s: a flash sale's thousands of
// viewers cost the database one read per second per section, not one per viewer per change).
// Only public events are read (anonymous calls), so one answer fits every caller.
import { ApiError, rpc } from "./rest/mod.ts";
import { TtlCache } from "./cache.ts";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const seatsCache = new TtlCache<string>(300_000, 500);
const statusCache = new TtlCache<string>(1_000, 2_000);

function json(body: string, maxAge: number): Response {
  return new Response(body, {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": maxAge > 0 ? `public, max-age=${maxAge}` : "no-store",
    },
  });
}

async function answer(section: string, load: () => Promise<string>, maxAge: number) {
  if (!uuid.test(section)) {
    return Response.json({ message: `Section "${section.slice(0, 40)}" is not a section id` }, {
      status: 400,
    });
  }
  try {
    return json(await load(), maxAge);
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) {
      return Response.json({ message: e.message }, { status: e.status });
    }
    throw e;
  }
}

/** GET /seatmap/<section>/seats: api.section_seats without its status string. */
export function seatsResponse(section: string): Promise<Response> {
  const id = section.toLowerCase();
  return answer(id, () =>
    seatsCache.get(id, async () => {
      const { status: _status, ...seats } = await rpc<Record<string, unknown>>("section_seats", {
        event_section_id: id,
      });
      return JSON.stringify(seats);
    }), 300);
}

/** GET /seatmap/<section>/status: api.section_status, at most a second old. */
export function statusResponse(section: string): Promise<Response> {
  const id = section.toLowerCase();
  return answer(
    id,
    () =>
      statusCache.get(
        id,
        async () => JSON.stringify(await rpc("section_status", { event_section_id: id })),
      ),
    0,
  );
}
