// CSV export of orders and attendees (one line per admission), streamed page by page from
// api.export_orders (keyset pagination) with the staff member's claims: the SQL decides who
// may export (export_orders) and which org's rows come back.
import { csvResponse } from "../../../lib/csv.ts";
import { ApiError } from "../../../lib/rest/mod.ts";
import { type AdminContext, call } from "../(_lib)/call.ts";

interface Row extends Record<string, unknown> {
  id: string;
  created_at: string;
}

const COLUMNS = [
  "code",
  "status",
  "channel",
  "event_name",
  "created_at",
  "paid_at",
  "buyer_name",
  "buyer_email",
  "buyer_phone",
  "currency",
  "subtotal_minor",
  "discount_minor",
  "fees_minor",
  "tax_minor",
  "total_minor",
  "promo_code",
  "ticket_id",
  "ticket_type",
  "seat",
  "attendee_name",
  "ticket_status",
];

export const handler = {
  async GET(ctx: AdminContext) {
    const event = ctx.url.searchParams.get("event") || null;
    const fetchPage = (after: Row | null) =>
      call<Row[]>(ctx, "export_orders", {
        event_id: event,
        after_created_at: after?.created_at ?? null,
        after_id: after?.id ?? null,
        page_size: 1000,
      });
    let first: Row[];
    try {
      first = await fetchPage(null); // refusals surface before any byte is sent
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) {
        return new Response(error.message, {
          status: error.status,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      throw error;
    }
    async function* pages() {
      let rows = first;
      while (rows.length > 0) {
        yield rows.map((r) => COLUMNS.map((c) => r[c]));
        // Pages are whole orders; continue after the last order of this page.
        const last = rows[rows.length - 1]!;
        rows = await fetchPage(last);
      }
    }
    const stamp = new Date().toISOString().slice(0, 10);
    return csvResponse(`orders-${stamp}.csv`, COLUMNS, pages());
  },
};
