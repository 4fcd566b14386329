// "Add to calendar": the event as an iCalendar file (RFC 5545).
import type { Handlers } from "../../../lib/fresh/mod.ts";
import { loadOrder } from "../(_lib)/order.ts";

function stamp(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function text(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(
    /\r?\n/g,
    "\\n",
  );
}

/** Lines longer than 75 octets are folded (CRLF + space). */
function fold(line: string): string {
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= 75) return line;
  const out: string[] = [];
  let current = "";
  for (const ch of line) {
    if (new TextEncoder().encode(current + ch).length > (out.length ? 74 : 75)) {
      out.push(current);
      current = "";
    }
    current += ch;
  }
  out.push(current);
  return out.join("\r\n ");
}

export const handler: Handlers = {
  async GET(ctx) {
    const order = await loadOrder(ctx.params.code ?? "", ctx.url.searchParams.get("k") ?? "");
    const e = order.event;
    const link = new URL(`/o/${order.code}`, ctx.url.origin);
    link.searchParams.set("k", ctx.url.searchParams.get("k") ?? "");
    const location = [e.venue.name, e.venue.address, e.venue.city].filter(Boolean).join(", ");
    const lines = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Mutambo//Tickets//EN",
      "CALSCALE:GREGORIAN",
      "METHOD:PUBLISH",
      "BEGIN:VEVENT",
      `UID:${order.code}-${e.id}@mutambo`,
      `DTSTAMP:${stamp(new Date().toISOString())}`,
      `DTSTART:${stamp(e.starts_at)}`,
      `DTEND:${stamp(e.ends_at)}`,
      `SUMMARY:${text(e.name)}`,
      `LOCATION:${text(location)}`,
      `DESCRIPTION:${
        text(
          `Order ${order.code_display}: ${order.tickets.length} ticket(s). Your tickets: ${link}`,
        )
      }`,
      `URL:${link}`,
      "END:VEVENT",
      "END:VCALENDAR",
    ];
    return new Response(lines.map(fold).join("\r\n") + "\r\n", {
      headers: {
        "content-type": "text/calendar; charset=utf-8",
        "content-disposition": `attachment; filename="${e.slug}.ics"`,
        "cache-control": "private, no-store",
      },
    });
  },
};
