// Helpers for the live dashboard tests and bench/live_latency.ts: the demo football match and
// a paid GA sale on it, made the way the buyer site and the payment webhook make one (hold ->
// order -> mark paid), through the API functions.
import { rpc } from "../../lib/rest/mod.ts";
import { adminSql } from "../support/db.ts";

export interface DemoEvent {
  id: string;
  orgId: string;
  adultId: string;
  sectionId: string;
}

/** The seeded "Dynamos" match: its id, org, Adult ticket type and the Open Stand section. */
export async function demoEvent(): Promise<DemoEvent> {
  const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
  const event = await rpc<
    { id: string; org_id?: string; ticket_types: { id: string; name: string }[] }
  >(
    "event_by_slug",
    { slug: card!.slug },
  );
  const sections = await rpc<{ id: string; name: string }[]>("event_sections", {
    event_id: event.id,
  });
  const orgId = await orgOf(event.id);
  return {
    id: event.id,
    orgId,
    adultId: event.ticket_types.find((t) => t.name === "Adult")!.id,
    sectionId: sections.find((s) => s.name === "Open Stand")!.id,
  };
}

async function orgOf(eventId: string): Promise<string> {
  const sql = await adminSql(1);
  try {
    const [row] = await sql<
      { org_id: string }[]
    >`select org_id from core.events where id = ${eventId}`;
    return row!.org_id;
  } finally {
    await sql.end();
  }
}

/** A pending web order of `quantity` Adult tickets in the Open Stand (call markPaid to sell it). */
export async function pendingOrder(e: DemoEvent, quantity = 1): Promise<string> {
  const hold = await rpc<{ token: string }>("hold_tickets", {
    event_id: e.id,
    items: [{ ticket_type_id: e.adultId, quantity, section_id: e.sectionId }],
    session_id: `s_live-${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
  });
  const order = await rpc<{ id: string }>("create_order", {
    hold_token: hold.token,
    buyer_email: `live-${crypto.randomUUID().slice(0, 8)}@example.com`,
    buyer_name: "Live Test",
    attendees: Array.from({ length: quantity }, (_, i) => `Live Test ${i + 1}`),
  });
  return order.id;
}

/** Marks the order paid as the org's owner would (a box office card payment). */
export async function markPaid(e: DemoEvent, orderId: string): Promise<void> {
  await rpc("mark_order_paid", {
    order_id: orderId,
    payment_reference: `live-${crypto.randomUUID()}`,
    provider: "box_office",
  }, { claims: { role: "org_owner", org_id: e.orgId, sub: crypto.randomUUID() } });
}
