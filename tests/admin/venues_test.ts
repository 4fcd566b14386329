// Venues and the designer's route: create a venue, a layout, a seated section by pattern
// and a standing one through the island's JSON endpoint, import errors in words, publish,
// and door staff refused by the SQL.
import assert from "node:assert/strict";
import { adminApp, DOOR, OWNER, signIn } from "./support.ts";
import type { BuyerSession } from "../pages/buyer_session.ts";

const app = await adminApp();

async function postJson(s: BuyerSession, path: string, body: unknown) {
  const res = await app.handler(
    new Request(`http://localhost${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: {
        "content-type": "application/json",
        "x-csrf-token": s.csrf,
        cookie: [...s.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
    }),
  );
  return { status: res.status, body: await res.json() };
}

Deno.test({
  name: "owner creates a venue, layout and sections; import errors are reported; publish",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s = await signIn(app, OWNER);
    await s.get("/admin/venues");
    const name = `Test Arena ${crypto.randomUUID().slice(0, 6)}`;
    let res = await s.post("/admin/venues", {
      _csrf: s.csrf,
      action: "create_venue",
      name,
      city: "Mutare",
      country: "zw",
    });
    assert.equal(res.status, 303);
    assert.match(res.headers.get("location")!, /ok=Venue/);
    const list = await (await s.get("/admin/venues")).text();
    const venueId = new RegExp(
      `aria-label="${name}"[\\s\\S]*?name="venue_id" value="([0-9a-f-]{36})"`,
    ).exec(list)?.[1];
    assert.ok(venueId, "the new venue is listed with a layout form");
    res = await s.post("/admin/venues", {
      _csrf: s.csrf,
      action: "create_layout",
      venue_id: venueId!,
      name: "Concert",
    });
    assert.equal(res.status, 303);
    const designer = res.headers.get("location")!;
    assert.match(designer, /\/admin\/venues\/[0-9a-f-]{36}\/layouts\/[0-9a-f-]{36}$/);
    const html = await (await s.get(designer)).text();
    assert.match(html, /LayoutDesigner/);

    let r = await postJson(s, designer, {
      action: "add_seated",
      name: "Stalls",
      pattern: { rows: 10, seats_per_row: 20, numbering: "odd_even", seat_spacing: 0.6 },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.layout.capacity, 200);
    r = await postJson(s, designer, { action: "add_standing", name: "Floor", capacity: 800 });
    assert.equal(r.body.layout.capacity, 1000);
    r = await postJson(s, designer, { action: "add_standing", name: "Floor", capacity: 5 });
    assert.equal(r.status, 409);
    assert.match(r.body.error, /already exists/);

    r = await postJson(s, designer, {
      action: "import",
      layout: {
        format: "mutambo.layout/1",
        sections: [{
          name: "X",
          kind: "seated",
          rows: [{ label: "A", numbers: [1, 1], x: [0], y: [0, 1] }],
        }, { kind: "tent" }],
      },
    });
    assert.equal(r.status, 422);
    assert.ok(
      r.body.errors.includes('Section 1 ("X"), row 1 ("A"): a seat number repeats'),
      r.body.errors.join("\n"),
    );
    assert.ok(
      r.body.errors.includes('Section 1 ("X"), row 1 ("A"): "x" must be 2 numbers, one per seat'),
    );
    assert.ok(r.body.errors.includes("Section 2 needs a name"));
    r = await postJson(s, designer, { action: "import", layout: "not a layout" });
    assert.equal(r.body.error, "The file is not a JSON object");

    const json = await (await s.get(`${designer}?format=json`)).json();
    assert.equal(
      json.sections.find((x: { name: string }) => x.name === "Stalls").rows[0].numbers.length,
      20,
    );

    const versionId = designer.split("/").at(-1)!;
    await s.get("/admin/venues");
    res = await s.post("/admin/venues", {
      _csrf: s.csrf,
      action: "publish",
      version_id: versionId,
    });
    assert.match(
      new URL(res.headers.get("location")!, "http://x").searchParams.get("ok") ?? "",
      /Published: 1,000 places/,
    );
    r = await postJson(s, designer, { action: "add_standing", name: "Late", capacity: 5 });
    assert.equal(r.status, 409, "a published version is frozen");
  },
});

Deno.test({
  name: "door staff cannot change venues (the SQL refuses)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s = await signIn(app, DOOR);
    const page = await (await s.get("/admin/venues")).text();
    assert.doesNotMatch(page, /Create venue/);
    const res = await s.post("/admin/venues", {
      _csrf: s.csrf,
      action: "create_venue",
      name: "Door Venue",
      city: "Harare",
    });
    assert.match(
      new URL(res.headers.get("location")!, "http://x").searchParams.get("error") ?? "",
      /Your role door_staff may not/,
    );
  },
});
