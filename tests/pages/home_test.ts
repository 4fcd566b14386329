// The home page and the event page, in memory, over the demo data.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { testApp } from "../support/app.ts";

const app = await testApp();
const get = (path: string) => app.handler(new Request(`http://localhost${path}`));

Deno.test("home page lists the upcoming demo events with prices and no JavaScript", async () => {
  const response = await get("/");
  assert.equal(response.status, 200);
  const html = await response.text();
  assert.match(html, /<h2[^>]*>[^<]+<\/h2>/, "the home page lists events");
  // Other tests add events of their own to this database, so find each demo event by name.
  for (
    const name of ["Dynamos vs Highlanders", "Zimbabwe Sables vs Namibia", "Zimbabwe Tech Summit"]
  ) {
    const found = await (await get(`/?q=${encodeURIComponent(name)}`)).text();
    assert.ok(found.includes(name), `the home page finds ${name}`);
  }
  const dynamos = await (await get("/?q=Dynamos")).text();
  assert.match(dynamos, /From US\$\d+\.\d\d/);
  assert.match(dynamos, /href="\/e\/dynamos-vs-highlanders-[0-9-]+"/);
  assert.ok(!html.includes("<script"), "the home page ships no JavaScript");
  assert.match(
    html,
    /<style[^>]*>[^<]*\.bg-slate-900/,
    "the page's CSS is extracted into the head",
  );
});

Deno.test("home page search and filters narrow the list; bad dates get a clear message", async () => {
  const rugby = await (await get("/?category=rugby")).text();
  assert.ok(rugby.includes("Zimbabwe Sables vs Namibia"));
  assert.ok(!rugby.includes("Dynamos vs Highlanders"));

  const search = await (await get("/?q=highlanders")).text();
  assert.ok(search.includes("Dynamos vs Highlanders"));
  assert.ok(!search.includes("Zimbabwe Tech Summit"));

  const bulawayo = await (await get("/?city=Bulawayo")).text();
  assert.ok(!bulawayo.includes("Dynamos vs Highlanders"), "Harare events are filtered out");

  const none = await (await get("/?q=no-such-band-anywhere")).text();
  assert.match(none, /No upcoming events match/);

  const bad = await get("/?from=31-12-2026");
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Dates look like 2026-12-31, but found &quot;31-12-2026&quot;/);
});

Deno.test("home page pages through results with shareable links", async () => {
  const html = await (await get("/?page=2")).text();
  assert.equal(
    (await get("/?page=-4")).status,
    200,
    "a nonsense page number falls back to the first page",
  );
  assert.match(html, /href="\/"[^>]*>← Earlier events/);
});

Deno.test("event page shows details, ticket prices and sections; unknown events are a 404", async () => {
  const home = await (await get("/?q=Dynamos")).text();
  const slug = home.match(/href="\/e\/(dynamos-vs-highlanders-[0-9-]+)"/)?.[1];
  assert.ok(slug);
  const response = await get(`/e/${slug}`);
  assert.equal(response.status, 200);
  const html = await response.text();
  assert.match(html, /<title>Dynamos vs Highlanders — Mutambo<\/title>/);
  assert.ok(html.includes("National Sports Stadium"));
  assert.ok(html.includes("Covered Stand"));
  assert.match(html, /US\$\d+\.\d\d/);

  const missing = await get("/e/no-such-event");
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /We could not find that page/);
});

Deno.test({
  name: "close the pool",
  fn: closeDb,
  sanitizeOps: false,
  sanitizeResources: false,
});
