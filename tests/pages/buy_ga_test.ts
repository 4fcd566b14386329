// Holding standing tickets with the plain form (no JavaScript), the checkout page, sessions,
// CSRF and expiry, in memory over the seeded test database.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { testApp } from "../support/app.ts";
import { adminSql } from "../support/db.ts";
import { buyerSession } from "./buyer_session.ts";

const app = await testApp();

interface EventInfo {
  id: string;
  slug: string;
  ticket_types: { id: string; name: string }[];
}
const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
const event = await rpc<EventInfo>("event_by_slug", { slug: card!.slug });
const sections = await rpc<{ id: string; name: string }[]>("event_sections", {
  event_id: event.id,
});
const adult = event.ticket_types.find((t) => t.name === "Adult")!;
const openStand = sections.find((s) => s.name === "Open Stand")!;
const adultField = `qty:${adult.id}:${openStand.id}`;
const eventPath = `/e/${event.slug}`;

async function holdTwo() {
  const buyer = buyerSession(app);
  const page = await buyer.get(eventPath);
  assert.equal(page.status, 200);
  assert.ok(buyer.csrf, "the event page carries a CSRF token");
  const response = await buyer.post(eventPath, { _csrf: buyer.csrf, [adultField]: "2" });
  assert.equal(response.status, 303);
  const location = response.headers.get("location") ?? "";
  assert.match(location, /^\/checkout\/h_[0-9a-f]{48}$/);
  return { buyer, location, token: location.slice("/checkout/".length) };
}

Deno.test("the event page offers standing tickets as a plain form with no JavaScript", async () => {
  const buyer = buyerSession(app);
  const response = await buyer.get(eventPath);
  const html = await response.text();
  assert.match(
    response.headers.get("set-cookie") ?? "",
    /mutambo_sid=s_[\w-]{24}; Path=\/; HttpOnly; SameSite=Lax/,
  );
  assert.ok(!html.includes("<script"), "no JavaScript on the event page");
  assert.ok(html.includes(`<form method="post" action="${eventPath}"`));
  assert.ok(html.includes(`name="${adultField}"`));
  assert.ok(html.includes(`href="${eventPath}/seats"`), "seated events link to the seat map");
});

Deno.test("GA hold through the form redirects to checkout, which shows what is held", async () => {
  const { buyer, location } = await holdTwo();
  const response = await buyer.get(location);
  assert.equal(response.status, 200);
  const html = await response.text();
  assert.ok(html.includes("Dynamos vs Highlanders"));
  assert.ok(html.includes("Adult · Open Stand"));
  assert.match(html, /2 ×\s*(<!-- -->)?US\$3\.00/);
  assert.ok(html.includes("US$6.00"));
  assert.match(html, /Held for you until/);
  assert.ok(html.includes("Keep my seats longer"));
  assert.match(html, /frsh:island:Countdown/);

  // Keep longer once, then the button is gone; release brings the buyer back to the event.
  const extended = await buyer.post(location, { _csrf: buyer.csrf, action: "extend" });
  assert.equal(extended.status, 303);
  const after = await (await buyer.get(location)).text();
  assert.ok(!after.includes("Keep my seats longer"));
  assert.ok(after.includes("You have already kept these seats longer once"));
  const again = await buyer.post(location, { _csrf: buyer.csrf, action: "extend" });
  assert.equal(again.status, 409);
  assert.match(await again.text(), /already been extended once/);
  const released = await buyer.post(location, { _csrf: buyer.csrf, action: "release" });
  assert.equal(released.status, 303);
  assert.equal(released.headers.get("location"), `${eventPath}?released=1`);
  assert.match(
    await (await buyer.get(`${eventPath}?released=1`)).text(),
    /Your seats were released/,
  );
  assert.equal((await buyer.get(location)).status, 404, "a released hold is gone");
});

Deno.test("over the limit and bad quantities get a clear 4xx message on the event page", async () => {
  const buyer = buyerSession(app);
  await buyer.get(eventPath);
  const cases: [string, number, RegExp][] = [
    ["11", 422, /You can buy at most 10 tickets of type Adult/],
    ["abc", 400, /Quantities are whole numbers like 2, but found &quot;abc&quot;/],
    ["-1", 400, /Quantities are whole numbers like 2, but found &quot;-1&quot;/],
    ["1.5", 400, /Quantities are whole numbers/],
    ["0", 400, /Choose how many tickets you want first/],
  ];
  for (const [quantity, status, message] of cases) {
    const response = await buyer.post(eventPath, { _csrf: buyer.csrf, [adultField]: quantity });
    assert.equal(response.status, status, `quantity ${quantity}`);
    const html = await response.text();
    assert.match(html, message, `quantity ${quantity}`);
    assert.match(html, /role="alert"/);
  }
  const unknown = await buyer.post(eventPath, {
    _csrf: buyer.csrf,
    [`qty:00000000-0000-0000-0000-000000000000:${openStand.id}`]: "1",
  });
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /not found for this event/);
});

Deno.test("another browser session cannot see, extend or release the hold", async () => {
  const { buyer, location } = await holdTwo();
  const other = buyerSession(app);
  await other.get(eventPath);
  const seen = await other.get(location);
  assert.equal(seen.status, 404);
  const html = await seen.text();
  assert.ok(html.includes("We could not find that selection"));
  assert.ok(!html.includes("Adult · Open Stand"));
  const release = await other.post(location, { _csrf: other.csrf, action: "release" });
  assert.equal(release.status, 404);
  // A forged holds cookie (copied token, no valid signature for this session) does not help.
  other.cookies.set("mutambo_holds", buyer.cookies.get("mutambo_holds")!);
  assert.equal((await other.get(location)).status, 404);
  assert.equal((await buyer.get(location)).status, 200, "the owner still has it");
});

Deno.test("an expired hold shows a clear page that starts again at the event", async () => {
  const { buyer, location, token } = await holdTwo();
  const sql = await adminSql(1);
  try {
    await sql`select core.set_hold_expiry(id, now() - interval '1 second') from core.holds where token = ${token}`;
  } finally {
    await sql.end();
  }
  const response = await buyer.get(location);
  assert.equal(response.status, 410);
  const html = await response.text();
  assert.ok(html.includes("Your seats were released after 10 minutes"));
  assert.ok(html.includes(`href="${eventPath}"`));
  const extend = await buyer.post(location, { _csrf: buyer.csrf, action: "extend" });
  assert.equal(extend.status, 410);
});

Deno.test("forms without this session's CSRF token are refused", async () => {
  const buyer = buyerSession(app);
  await buyer.get(eventPath);
  const missing = await buyer.post(eventPath, { [adultField]: "1" });
  assert.equal(missing.status, 403);
  assert.match(await missing.text(), /This form has expired or did not come from our site/);
  const other = buyerSession(app);
  await other.get(eventPath);
  const foreign = await buyer.post(eventPath, { _csrf: other.csrf, [adultField]: "1" });
  assert.equal(foreign.status, 403);
  const { buyer: owner, location } = await holdTwo();
  const release = await owner.post(location, { _csrf: "nope", action: "release" });
  assert.equal(release.status, 403);
  assert.equal((await owner.get(location)).status, 200, "the hold is untouched");
});

Deno.test({ name: "close the pool", fn: closeDb, sanitizeOps: false, sanitizeResources: false });
