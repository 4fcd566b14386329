// What a request asks for beyond its path: the media type it accepts (an array, or one
// object with `application/vnd.pgrst.object+json`), its Prefer header, and its JSON body.
import { ApiError, invalidBody, unsupportedMediaType } from "./errors.ts";

export const jsonType = "application/json; charset=utf-8";
export const objectType = "application/vnd.pgrst.object+json; charset=utf-8";

/** True when the client asks for a single object; throws 406 PGRST107 for other media types. */
export function wantsSingleObject(accept: string | null): boolean {
  if (accept === null || accept.trim() === "") return false;
  const ranges = accept.split(",").map((part, index) => {
    const [type = "", ...parameters] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = parameters.find((p) => p.startsWith("q="));
    return { type, q: q ? Number(q.slice(2)) : 1, index };
  }).filter((r) => r.type !== "" && !(r.q <= 0))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranges) {
    if (type === "application/vnd.pgrst.object+json" || type === "application/vnd.pgrst.object") {
      return true;
    }
    if (type === "application/json" || type === "application/*" || type === "*/*") return false;
  }
  throw unsupportedMediaType(accept);
}

/** The `count=` preference: PostgREST's planned and estimated counts are exact here. */
export function wantsCount(prefer: string | null): boolean {
  if (!prefer) return false;
  return prefer.split(",").some((p) => /^count=(exact|planned|estimated)$/i.test(p.trim()));
}

export interface ParsedBody {
  value: unknown;
  /** The JSON text to hand to Postgres (the body as received, or `{}` when empty). */
  raw: string;
}

export const maxBodyBytes = 1_048_576;

/** Reads a JSON (or form-encoded) request body; bad input is 400 PGRST102, too large 413. */
export async function readBody(req: Request): Promise<ParsedBody> {
  const contentType = (req.headers.get("content-type") ?? "application/json").split(";")[0]!
    .trim().toLowerCase();
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBodyBytes) throw tooLarge();
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > maxBodyBytes) throw tooLarge();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalidBody("Empty or invalid json", "The body is not valid UTF-8");
  }
  if (contentType === "application/x-www-form-urlencoded") {
    const value = Object.fromEntries(new URLSearchParams(text));
    return { value, raw: JSON.stringify(value) };
  }
  if (contentType !== "application/json" && !contentType.endsWith("+json")) {
    throw invalidBody(`Content-Type not acceptable: ${contentType}`);
  }
  if (text.trim() === "") return { value: {}, raw: "{}" };
  try {
    return { value: JSON.parse(text), raw: text };
  } catch (error) {
    throw invalidBody("Empty or invalid json", error instanceof Error ? error.message : undefined);
  }
}

function tooLarge(): ApiError {
  return new ApiError(413, "PGRST102", `The request body is larger than ${maxBodyBytes} bytes`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
