// A row in its own price zone, end to end over the app: the organiser (through the api, as
// the designer does) puts row E of a Gold stand into Silver, publishes and puts an event on
// sale; a buyer picks two seats in row E and two in row A on the seats page and the checkout
// prices each pair in its own zone.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { buyerSession } from "../pages/buyer_session.ts";
import { adminApp } from "./support.ts";
import { demoEvent } from "./live_support.ts";

Deno.test({
  name: "seat zones: a buyer's seats in a Silver row of a Gold stand are priced Silver at checkout",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await adminApp();
    try {
      const { orgId } = await demoEvent();
      const claims = { role: "org_owner", org_id: orgId, sub: crypto.randomUUID() };
      const as = <T>(fn: string, args: Record<string, unknown>) => rpc<T>(fn, args, { claims });
      const tag = crypto.randomUUID().slice(0, 6);
      const venue = await as<string>("create_venue", { name: `Zone Park ${tag}`, city: "Mutare" });
      const lv = await as<string>("create_layout", { venue_id: venue, name: "Main" });
      await as("add_price_zone", { layout_version_id: lv, name: "Gold", color: "#b45309" });
      const silver = await as<string>("add_price_zone", {
        layout_version_id: lv,
        name: "Silver",
        color: "#475569",
        rank: 2,
      });
      const design = await as<{ zones: { id: string; name: string }[] }>("layout_designer", {
        layout_version_id: lv,
      });
      const gold = design.zones.find((z) => z.name === "Gold")!.id;
      const [section] = await as<{ section_id: string }[]>("build_seated_section", {
        layout_version_id: lv,
        name: "Stand",
        rows: 5,
        seats_per_row: 10,
        price_zone_id: gold,
      });
      assert.equal(
        await as("set_seat_zone", {
          section_id: section!.section_id,
          seats: [{ row: "E" }],
          price_zone_id: silver,
        }),
        10,
      );
      await as("publish_layout_version", { layout_version_id: lv });
      const eventId = await as<string>("create_event", {
        layout_version_id: lv,
        name: `Zoned Night ${tag}`,
        starts_at: new Date(Date.now() + 20 * 86400_000).toISOString(),
      });
      const adult = await as<string>("create_ticket_type", {
        event_id: eventId,
        name: "Adult",
        prices: { Gold: 2500, Silver: 1200 },
      });
      await as("set_event_status", { event_id: eventId, status: "on_sale" });
      const [event] = await rpc<{ slug: string }[]>("list_events", { q: `Zoned Night ${tag}` });
      const [stand] = await rpc<{ id: string }[]>("event_sections", { event_id: eventId });
      const seats = await rpc<{ ids: number[]; rows: string[]; numbers: number[] }>(
        "section_seats",
        { event_section_id: stand!.id },
      );
      const id = (label: string) =>
        String(seats.ids[seats.rows.findIndex((r, i) => `${r}${seats.numbers[i]}` === label)]);

      const buyer = buyerSession(app);
      assert.equal((await buyer.get(`/e/${event!.slug}/seats`)).status, 200);
      const held = await buyer.post(`/e/${event!.slug}/seats`, [
        ["_csrf", buyer.csrf],
        ["action", "pick"],
        ["ticket_type", adult],
        ...["E4", "E5", "A4", "A5"].map((l) => ["seat", id(l)] as [string, string]),
      ]);
      assert.equal(held.status, 303, await held.text());
      const checkout = held.headers.get("location")!;
      assert.match(checkout, /\/checkout\/h_/);
      const page = await (await buyer.get(checkout)).text();
      const text = page.replace(/<style[^]*?<\/style>/g, "").replace(/<[^>]+>/g, " ").replace(
        /\s+/g,
        " ",
      );
      assert.match(text, /Adult, Stand \(Silver\)/, "the Silver row is its own line");
      assert.match(text, /Adult, Stand · 2 × US\$25\.00 Price of Adult in zone Gold US\$50\.00/);
      assert.match(text, /2 × US\$12\.00 Price of Adult in zone Silver US\$24\.00/);
      assert.match(text, /Total to pay US\$74\.00/, "2 × 25.00 Gold + 2 × 12.00 Silver");
    } finally {
      await closeDb();
    }
  },
});
