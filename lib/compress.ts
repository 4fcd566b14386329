// Gzip for what the server sends, when the client accepts it: buyers on slow phone networks
// get the home page (15 KB of HTML) as about 4 KB and a stand's seats (320 KB of JSON) as
// about 60 KB. Deno.serve does not compress by itself. Left alone: event streams (a
// compressor buffers, and live updates must leave at once), bodies already encoded, small
// bodies, and types that are compressed already (images, fonts, PDFs).

const COMPRESSIBLE =
  /^(text\/(html|css|plain|csv|calendar|javascript)|application\/(json|javascript|manifest\+json|xml)|image\/svg\+xml)\b/i;
const MIN_BYTES = 1024;

/** Whether Accept-Encoding allows gzip (named, or "*", with a q above 0). */
export function acceptsGzip(req: Request): boolean {
  for (const part of (req.headers.get("accept-encoding") ?? "").split(",")) {
    const [name, ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    if (name !== "gzip" && name !== "*") continue;
    const q = params.find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** The response gzipped when the request allows it and the body is worth compressing. */
export function compressed(req: Request, res: Response): Response {
  const type = res.headers.get("content-type") ?? "";
  const length = Number(res.headers.get("content-length") ?? NaN);
  if (
    req.method === "HEAD" || !res.body || res.status === 204 || res.status === 304 ||
    res.headers.has("content-encoding") || !COMPRESSIBLE.test(type) ||
    /no-transform/i.test(res.headers.get("cache-control") ?? "") ||
    (Number.isFinite(length) && length < MIN_BYTES) || !acceptsGzip(req)
  ) {
    return res;
  }
  const headers = new Headers(res.headers);
  headers.set("content-encoding", "gzip");
  headers.delete("content-length");
  // another representation of the same content: its validator can only be weak
  const etag = headers.get("etag");
  if (etag && !etag.startsWith("W/")) headers.set("etag", `W/${etag}`);
  const vary = headers.get("vary");
  if (!vary?.toLowerCase().split(/\s*,\s*/).includes("accept-encoding")) {
    headers.set("vary", vary ? `${vary}, Accept-Encoding` : "Accept-Encoding");
  }
  return new Response(res.body.pipeThrough(new CompressionStream("gzip")), {
    status: res.status,
    statusText: res.statusText,
    headers,
  });
}

/** A request handler whose responses are compressed as `compressed` says. */
export function withCompression<A extends unknown[]>(
  handler: (req: Request, ...rest: A) => Response | Promise<Response>,
): (req: Request, ...rest: A) => Promise<Response> {
  return async (req, ...rest) => compressed(req, await handler(req, ...rest));
}
