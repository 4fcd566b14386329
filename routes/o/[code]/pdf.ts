// All tickets of a paid order as a PDF download.
import type { Handlers } from "../../../lib/fresh/mod.ts";
import { formatDateTime } from "../../../lib/format.ts";
import { ticketsPdf } from "../../../lib/tickets/pdf.ts";
import { loadOrder, placeText } from "../(_lib)/order.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const order = await loadOrder(ctx.params.code ?? "", ctx.url.searchParams.get("k") ?? "");
    const valid = order.tickets.filter((t) => t.qr);
    if (valid.length === 0) {
      return new Response("This order has no valid tickets yet. Open the order page to see why.", {
        status: 409,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    const venue = order.event.venue;
    const pdf = await ticketsPdf(
      valid.map((t) => ({
        qr: t.qr!,
        eventName: order.event.name,
        when: formatDateTime(order.event.starts_at, venue.timezone),
        venue: `${venue.name}, ${venue.city}`,
        place: `${t.ticket_type} · ${placeText(t)}`,
        attendee: t.attendee_name,
        orderCode: order.code_display,
        ticketRef: t.id.slice(0, 8).toUpperCase(),
      })),
      `Tickets ${order.event.name} ${order.code_display}`,
    );
    return new Response(pdf as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": "application/pdf",
        "content-disposition": `attachment; filename="mutambo-${order.code}.pdf"`,
        "cache-control": "private, no-store",
      },
    });
  },
};
