// Server-Sent Events of one event's live dashboard (admin auth applies: routes/admin/_middleware.ts).
// The first message is the whole stats document (api.event_live_stats with the staff member's
// claims, so the same permission and org checks); after that, every sale, failed payment,
// scan or seat change of the event (Postgres NOTIFY, lib/dashboard/signals.ts, coalesced to
// at most one per 250 ms) sends a fresh `stats` message with `kinds` saying what changed.
// A comment every 20 s keeps proxies from closing the stream; after 10 minutes the server
// closes it and EventSource reconnects through the middleware (an ended session stops there).
import { ApiError, type JwtClaims, rpc } from "../../../../../lib/rest/mod.ts";
import { type ChangeKind, subscribeEvent } from "../../../../../lib/dashboard/signals.ts";

interface Ctx {
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: { staff: { claims: JwtClaims } };
}

const MAX_AGE_MS = 10 * 60_000;

export const handler = {
  async GET(ctx: Ctx) {
    const claims = ctx.state.staff.claims;
    const eventId = ctx.params.id ?? "";
    const minutes = Math.min(
      24 * 60,
      Math.max(5, Number(ctx.url.searchParams.get("minutes")) || 60),
    );
    const load = () =>
      rpc<Record<string, unknown>>("event_live_stats", {
        event_id: eventId,
        since: new Date(Date.now() - minutes * 60_000).toISOString(),
      }, { claims });
    let first: Record<string, unknown>;
    try {
      first = await load();
    } catch (e) {
      if (e instanceof ApiError) {
        return new Response(e.message, {
          status: e.status,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      throw e;
    }
    const encoder = new TextEncoder();
    let unsubscribe: (() => void) | undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let ender: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const stop = () => {
      closed = true;
      unsubscribe?.();
      clearInterval(heartbeat);
      clearTimeout(ender);
    };
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const write = (text: string) => {
          if (closed) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
          }
        };
        const send = (stats: Record<string, unknown>, kinds: ChangeKind[]) =>
          write(`event: stats\ndata: ${JSON.stringify({ kinds, stats })}\n\n`);
        // One stats query at a time; changes during it are folded into one more query.
        let running = false;
        let again = new Set<ChangeKind>();
        const refresh = async (kinds: ChangeKind[]) => {
          for (const k of kinds) again.add(k);
          if (running || closed) return;
          running = true;
          try {
            while (again.size && !closed) {
              const now = [...again];
              again = new Set();
              send(await load(), now);
            }
          } catch (e) {
            write(`event: problem\ndata: ${JSON.stringify(String((e as Error).message))}\n\n`);
          } finally {
            running = false;
          }
        };
        write("retry: 2000\n");
        send(first, []);
        unsubscribe = await subscribeEvent(eventId, (kinds) => void refresh(kinds));
        heartbeat = setInterval(() => write(": ping\n\n"), 20_000);
        ender = setTimeout(() => {
          stop();
          try {
            controller.close();
          } catch {
            // already closed
          }
        }, MAX_AGE_MS);
      },
      cancel() {
        stop();
      },
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  },
};
