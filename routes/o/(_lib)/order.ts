// The buyer's order and tickets by code + access token, with each valid ticket's signed QR
// text. Shared by the order page, the PDF and the calendar file.
import { HttpError } from "../../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../../lib/rest/mod.ts";
import { signTicketForEvent } from "../../../lib/tickets/keys.ts";

export interface OrderTicket {
  id: string;
  event_id: string;
  issued_at: string;
  status: string;
  valid: boolean;
  secret: string | null;
  kind: string;
  ticket_type: string;
  description: string;
  section: string | null;
  row: string | null;
  seat: number | null;
  label: string | null;
  attendee_name: string | null;
  /** The signed QR text, for valid tickets of a paid order. */
  qr: string | null;
}

export interface OrderTickets {
  order_id: string;
  code: string;
  code_display: string;
  status: string;
  event: {
    id: string;
    name: string;
    slug: string;
    starts_at: string;
    ends_at: string;
    doors_open_at: string | null;
    status: string;
    venue: { name: string; city: string; address: string | null; timezone: string };
  };
  tickets: OrderTicket[];
}

/** The order or a 404 (a wrong key looks exactly like an unknown code). */
export async function loadOrder(code: string, key: string): Promise<OrderTickets> {
  let order: OrderTickets;
  try {
    order = await rpc<OrderTickets>("order_tickets", { code, access_token: key });
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) {
      throw new HttpError(
        404,
        "We could not find that order. Check the link in your confirmation.",
      );
    }
    throw e;
  }
  for (const t of order.tickets) {
    t.qr = t.secret && t.valid ? await signTicketForEvent({ ...t, secret: t.secret }) : null;
    t.secret = null; // the page needs only the signed code
  }
  return order;
}

/** "Covered Stand · Row C · Seat 12" or the standing section. */
export function placeText(t: OrderTicket): string {
  if (t.kind === "addon") return t.ticket_type;
  const parts = [t.section ?? t.description];
  if (t.row) parts.push(`Row ${t.row}`);
  if (t.seat !== null && t.row) parts.push(`Seat ${t.seat}`);
  if (!t.row) parts.push("Standing");
  return parts.filter(Boolean).join(" · ");
}
