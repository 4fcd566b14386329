// static/: scanned once at startup into memory, served with strong ETags (content hash).
// Only files found by the scan can be served, so path traversal has nothing to reach.

export interface StaticFile {
  body: Uint8Array;
  etag: string;
  contentType: string;
}

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  map: "application/json; charset=utf-8",
  json: "application/json; charset=utf-8",
  webmanifest: "application/manifest+json; charset=utf-8",
  html: "text/html; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  pdf: "application/pdf",
  wasm: "application/wasm",
  mp3: "audio/mpeg",
  mp4: "video/mp4",
  webm: "video/webm",
};

export function contentTypeOf(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}

/** A strong ETag: the first 16 bytes of the SHA-256 of the content, base64url. */
export async function etagOf(body: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>),
  );
  const b64 = btoa(String.fromCharCode(...digest.subarray(0, 16)));
  return `"${b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}"`;
}

/** Every file under `dir` (dot files excluded), keyed by URL path ("/css/site.css"). */
export async function loadStatic(dir: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  const walk = async (rel: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir + rel));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) {
        const body = await Deno.readFile(dir + path);
        files.set(path, { body, etag: await etagOf(body), contentType: contentTypeOf(path) });
      }
    }
  };
  await walk("");
  return files;
}

/** True when an If-None-Match header matches `etag` (weak comparison, as RFC 9110 asks). */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag.replace(/^W\//, "") === bare;
  });
}

/** The response for a known file: 304 when the client has it, else the bytes. */
export function serveFile(
  req: Request,
  file: StaticFile,
  cacheControl: string,
): Response {
  const headers = new Headers({
    "content-type": file.contentType,
    "etag": file.etag,
    "cache-control": cacheControl,
    "vary": "Accept-Encoding",
  });
  if (etagMatches(req.headers.get("if-none-match"), file.etag)) {
    headers.delete("content-type");
    return new Response(null, { status: 304, headers });
  }
  headers.set("content-length", String(file.body.byteLength));
  return new Response(req.method === "HEAD" ? null : file.body as Uint8Array<ArrayBuffer>, {
    headers,
  });
}
