// Server-Sent Events of an event's seat changes (for the seat map island). The id may be the
// event's uuid or its slug. Each message names the sections (and seats) that changed; the
// client re-reads those sections. A comment every 20 s keeps proxies from closing the stream.
import { type Handlers, HttpError } from "../../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../../lib/rest/mod.ts";
import { subscribe } from "../../../lib/live.ts";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const slugIds = new Map<string, string>();

async function eventId(idOrSlug: string): Promise<string> {
  if (uuid.test(idOrSlug)) return idOrSlug.toLowerCase();
  const known = slugIds.get(idOrSlug);
  if (known) return known;
  try {
    const event = await rpc<{ id: string }>("event_by_slug", { slug: idOrSlug });
    if (slugIds.size > 1000) slugIds.clear();
    slugIds.set(idOrSlug, event.id);
    return event.id;
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) throw new HttpError(404, "Event not found");
    throw e;
  }
}

export const handler: Handlers = {
  async GET(ctx) {
    const id = await eventId(ctx.params.id ?? "");
    const encoder = new TextEncoder();
    let unsubscribe: (() => void) | undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const write = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            close();
          }
        };
        const close = () => {
          unsubscribe?.();
          clearInterval(heartbeat);
        };
        write("retry: 3000\n: connected\n\n");
        unsubscribe = await subscribe(id, (change) => {
          write(`event: seats\ndata: ${JSON.stringify(change.s)}\n\n`);
        });
        heartbeat = setInterval(() => write(": ping\n\n"), 20_000);
      },
      cancel() {
        unsubscribe?.();
        clearInterval(heartbeat);
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
