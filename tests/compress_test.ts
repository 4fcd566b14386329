// Gzip of the server's responses (lib/compress.ts): what is compressed, what is left alone,
// and the real server path over HTTP.
import assert from "node:assert/strict";
import { acceptsGzip, compressed, withCompression } from "../lib/compress.ts";
import { closeDb } from "../lib/db.ts";
import { testApp } from "./support/app.ts";

const html = `<!DOCTYPE html><p>${"Dynamos vs Highlanders ".repeat(200)}</p>`;
const req = (encoding: string | null, method = "GET") =>
  new Request("http://localhost/", {
    method,
    headers: encoding === null ? {} : { "accept-encoding": encoding },
  });
const page = (headers: Record<string, string> = {}, body: string | null = html) =>
  new Response(body, { headers: { "content-type": "text/html; charset=utf-8", ...headers } });

async function gunzip(res: Response): Promise<string> {
  const stream = res.body!.pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

Deno.test("HTML is gzipped when the client accepts it, and comes back the same", async () => {
  const res = compressed(req("gzip, deflate, br"), page({ "cache-control": "private" }));
  assert.equal(res.headers.get("content-encoding"), "gzip");
  assert.equal(res.headers.get("vary"), "Accept-Encoding");
  assert.equal(res.headers.get("cache-control"), "private", "other headers kept");
  const tagged = compressed(req("gzip"), page({ etag: '"abc"' }));
  assert.equal(tagged.headers.get("etag"), 'W/"abc"', "the gzipped body's ETag is weak");
  const bytes = new Uint8Array(await res.clone().arrayBuffer());
  assert.ok(bytes.length < html.length / 5, `${bytes.length} bytes for ${html.length}`);
  assert.equal(await gunzip(res), html);
});

Deno.test("left alone: no gzip accepted, q=0, HEAD, event streams, encoded or tiny bodies, images", () => {
  const same = (request: Request, response: Response) =>
    assert.equal(compressed(request, response), response);
  same(req(null), page());
  same(req("br"), page());
  same(req("gzip;q=0"), page());
  same(req("gzip", "HEAD"), page());
  same(req("gzip"), page({ "content-type": "text/event-stream" }));
  same(req("gzip"), page({ "content-encoding": "br" }));
  same(req("gzip"), page({ "content-length": "20" }, "<p>small</p>"));
  same(req("gzip"), page({ "content-type": "image/webp" }));
  same(req("gzip"), page({ "cache-control": "no-transform" }));
  same(req("gzip"), new Response(null, { status: 204 }));
});

Deno.test("Accept-Encoding is read as the RFC says", () => {
  assert.equal(acceptsGzip(req("GZIP")), true);
  assert.equal(acceptsGzip(req("*")), true);
  assert.equal(acceptsGzip(req("gzip;q=0.5")), true);
  assert.equal(acceptsGzip(req("gzip; q=0.0")), false);
  assert.equal(acceptsGzip(req("deflate, identity")), false);
});

Deno.test("the server's pages leave gzipped over HTTP", async () => {
  const app = await testApp();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    withCompression(app.handler),
  );
  try {
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-encoding"), "gzip");
    assert.match(await res.text(), /Dynamos vs Highlanders/, "fetch undoes the gzip");
  } finally {
    await server.shutdown();
    await closeDb();
  }
});
