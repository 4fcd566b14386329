// The islands core in memory: Request in, Response out, against tests/fresh/fixture.
import assert from "node:assert/strict";
import { type App, createApp } from "../../lib/fresh/mod.ts";

const root = new URL("./fixture", import.meta.url).pathname;
const errors: unknown[] = [];
let appPromise: Promise<App> | undefined;
const app = () => appPromise ??= createApp({ root, onError: (e) => errors.push(e) });

async function get(path: string, init?: RequestInit): Promise<Response> {
  return await (await app()).handler(new Request(`http://localhost${path}`, init));
}

async function html(path: string, status = 200): Promise<string> {
  const res = await get(path);
  const body = await res.text();
  assert.equal(res.status, status, `${path}: ${body}`);
  return body;
}

Deno.test("routing: index, static, nested index, groups, params and catch-all", async () => {
  assert.match(await html("/"), /Home \//);
  assert.match(await html("/about"), /About us/);
  assert.match(await html("/about/"), /About us/);
  assert.match(await html("/events"), /All events/);
  assert.match(await html("/pricing"), /<div id="marketing-layout"><p>Pricing page/);
  assert.match(await html("/events/42"), /Event 42 \(param 42\)/);
  assert.match(await html("/events/a%20b"), /Event a b/);
  assert.match(await html("/docs/a/b/c"), /Docs at &quot;a\/b\/c&quot;/);
  assert.match(await html("/docs"), /Docs at &quot;&quot;/);
});

Deno.test("routing: static segments win over dynamic ones", async () => {
  assert.match(await html("/events/new"), /New event form/);
  assert.match(await html("/docs/intro"), /Docs intro/);
  assert.deepEqual(
    (await app()).routes.indexOf("/events/new") < (await app()).routes.indexOf("/events/:id"),
    true,
  );
});

Deno.test("layouts and middlewares nest outer to inner and share state", async () => {
  const res = await get("/events/7");
  assert.equal(res.headers.get("x-root-middleware"), "1");
  const body = await res.text();
  assert.match(
    body,
    /<div id="root-layout" data-trail="root>events>events2"><section id="events-layout"><p id="event">/,
  );
  assert.match(body, /trail root>events>events2/);
  const denied = await get("/events/7?deny");
  assert.equal(denied.status, 403);
  assert.equal(await denied.text(), "Denied");
  assert.equal(denied.headers.get("x-root-middleware"), "1");
  // Pages outside events/ get only the root middleware and layout.
  assert.match(await html("/about"), /data-trail="root"><p class="text-blue-700">/);
});

Deno.test("handler function gets every method; handler object answers 405 with Allow", async () => {
  for (const method of ["GET", "POST", "PUT"]) {
    const res = await get("/api/echo", { method });
    assert.deepEqual(await res.json(), { method, route: "/api/echo" });
  }
  const post = await get("/api/only-get", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD, DELETE");
  await post.body?.cancel();
  const del = await get("/api/only-get", { method: "DELETE" });
  assert.equal(del.status, 204);
  // A page without a handler renders for GET and HEAD only.
  const pagePost = await get("/about", { method: "POST" });
  assert.equal(pagePost.status, 405);
  assert.equal(pagePost.headers.get("allow"), "GET, HEAD");
  await pagePost.body?.cancel();
});

Deno.test("HEAD falls back to GET and has no body", async () => {
  const res = await get("/api/only-get", { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-from"), "GET");
  assert.equal(res.body, null);
  const page = await get("/about", { method: "HEAD" });
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(page.body, null);
});

Deno.test("POST then redirect 303; page() and ctx.render() carry status and headers", async () => {
  const res = await get("/events/9", { method: "POST", body: new URLSearchParams({ name: "x" }) });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/events/9?saved=x");
  const created = await get("/status");
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("x-page"), "yes");
  assert.match(await created.text(), /Status created/);
  const rendered = await get("/render");
  assert.equal(rendered.status, 202);
  assert.equal(rendered.headers.get("x-render"), "1");
  assert.match(await rendered.text(), /Rendered 42/);
  assert.match(await html("/async-page"), /<p id="async">awaited<\/p>/);
});

Deno.test("_404 for unknown paths and HttpError(404); _error for thrown errors", async () => {
  const missing = await html("/no/such/page", 404);
  assert.match(missing, /Nothing at \/no\/such\/page/);
  assert.match(missing, /<title>Not found<\/title>/);
  assert.doesNotMatch(missing, /<title>Fixture<\/title>/);
  assert.match(missing, /data-trail="root"/, "root middleware runs for 404s");
  assert.match(await html("/gone", 404), /Nothing at \/gone/);
  errors.length = 0;
  assert.match(await html("/boom", 500), /<p id="error">Error 500: kaboom<\/p>/);
  assert.equal((errors[0] as Error).message, "kaboom");
  assert.match(await html("/teapot", 418), /Error 418: I am a teapot/);
  assert.equal(errors.length, 1, "4xx HttpErrors are not reported as server errors");
});

Deno.test("Head: title and meta go into <head>, replacing the app's title", async () => {
  const body = await html("/");
  const head = body.slice(0, body.indexOf("</head>"));
  assert.match(
    head,
    /<title>Home page<\/title><meta name="description" content="The fixture home"\/>/,
  );
  assert.doesNotMatch(body, /Fixture/);
  assert.ok(body.startsWith('<!DOCTYPE html><html lang="en">'));
});

Deno.test("a page without islands ships no JavaScript", async () => {
  for (const path of ["/", "/about", "/events/1", "/no/such/page"]) {
    const body = await (await get(path)).text();
    assert.doesNotMatch(body, /<script/i, path);
    assert.doesNotMatch(body, /modulepreload/, path);
  }
});

Deno.test("islands: markers, slots and serialized props in the HTML", async () => {
  const body = await html("/islands");
  assert.match(
    body,
    /<!--frsh:island:Counter:0:--><div class="counter p-2"><button type="button" class="increment">Plus one<\/button><output class="count">3<\/output>/,
  );
  assert.match(
    body,
    /<div class="slot"><!--frsh:slot:0:children--><strong class="server-child">Rendered on the server<\/strong><!--frsh:island:Counter:1:-->/,
  );
  assert.match(body, /<!--\/frsh:island--><!--\/frsh:slot--><\/div><\/div><!--\/frsh:island-->/);
  assert.match(body, /<!--frsh:island:SignalButton:2:-->/);
  assert.match(
    body,
    /<!--frsh:island:SignalView:3:--><p class="signal-view"><span class="doubled">2<\/span>/,
  );
  const state = /<script id="__FRSH_STATE" type="application\/json">(.*?)<\/script>/.exec(body)
    ?.[1];
  assert.ok(state);
  const table = JSON.parse(state) as unknown[];
  const props = (table[0] as number[]).map((i) => table[i]) as Record<string, number>[];
  assert.equal(table[props[0]!.start!], 3);
  assert.equal(props[0]!.children, undefined, "children are a slot, not data");
  assert.deepEqual(table[props[2]!.count!], ["Signal", table.indexOf(1, 2)]);
  assert.equal(props[2]!.count, props[3]!.count, "one signal shared by two islands stays one");
  assert.deepEqual(table[props[3]!.since!], ["Date", "2025-01-02T03:04:05.000Z"]);

  const id = (await app()).buildId;
  assert.ok(id);
  assert.match(body, new RegExp(`<link rel="modulepreload" href="/_frsh/${id}/fresh-runtime.js">`));
  assert.match(
    body,
    new RegExp(
      `<script type="module">import\\{boot\\}from"/_frsh/${id}/fresh-runtime.js";import I0 from"/_frsh/${id}/island-Counter.js";`,
    ),
  );
  assert.equal(body.match(/<script/g)?.length, 2, "one JSON script and one module script");
});

Deno.test("only the islands used on the page are loaded", async () => {
  const body = await html("/counter-only");
  assert.match(body, /island-Counter\.js/);
  assert.doesNotMatch(body, /island-Signal/);
});

Deno.test("non-serializable island props are refused naming the island and prop", async () => {
  errors.length = 0;
  const fn = await html("/bad-prop", 500);
  assert.match(
    fn,
    /Cannot serialize prop &quot;onPick&quot; of island &quot;Counter&quot;: functions/,
  );
  assert.match(String(errors[0]), /Cannot serialize prop "onPick" of island "Counter"/);
  const cls = await html("/class-prop", 500);
  assert.match(
    cls,
    /prop &quot;start&quot; of island &quot;Counter&quot;: instances of class &quot;Money&quot;/,
  );
});

Deno.test("static files: content type, strong ETag, 304, cache header, no traversal", async () => {
  const res = await get("/css/site.css");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "public, max-age=3600");
  const etag = res.headers.get("etag");
  assert.match(etag ?? "", /^"[\w-]{22}"$/);
  assert.equal(await res.text(), await Deno.readTextFile(`${root}/static/css/site.css`));
  const again = await get("/css/site.css", { headers: { "if-none-match": etag! } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get("etag"), etag);
  assert.equal(again.body, null);
  const changed = await get("/css/site.css", { headers: { "if-none-match": '"other"' } });
  assert.equal(changed.status, 200);
  await changed.body?.cancel();
  assert.equal((await get("/hello.txt")).headers.get("content-type"), "text/plain; charset=utf-8");
  for (const path of ["/../app_test.ts", "/%2e%2e/app_test.ts", "/css/..%2f..%2fapp_test.ts"]) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("bundles are served immutable under the build id; others 404", async () => {
  const id = (await app()).buildId;
  const res = await get(`/_frsh/${id}/island-Counter.js`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8");
  const js = await res.text();
  assert.ok(js.length < 1000, "minified island entry");
  assert.doesNotMatch(js, /twind|tailwind/i);
  const runtime = await (await get(`/_frsh/${id}/fresh-runtime.js`)).text();
  assert.match(runtime, /export\{/);
  const stale = await get("/_frsh/0000000000000000/island-Counter.js");
  assert.equal(stale.status, 404);
  await stale.body?.cancel();
});

Deno.test("twind: one <style> with the page's classes, reset for every response", async () => {
  const home = await html("/");
  assert.equal(home.match(/<style/g)?.length, 1);
  assert.match(home, /<style id="__FRSH_TWIND">[^<]*\.text-red-500\{/);
  assert.match(home, /\.font-bold\{font-weight:700\}/);
  const about = await html("/about");
  assert.match(about, /\.text-blue-700\{/);
  assert.doesNotMatch(about, /text-red-500|font-bold/);
  const home2 = await html("/");
  assert.doesNotMatch(home2, /text-blue-700/);
  assert.equal(home2.length, home.length, "the sheet does not grow");
});
