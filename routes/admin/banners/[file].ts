// Event banners uploaded in the admin, served publicly (buyer pages show them): only names
// made by lib/uploads.ts (content hash, so they are cached for a year).
import type { RouteContext } from "../../../lib/fresh/mod.ts";
import { UPLOAD_NAME, uploadsDir } from "../../../lib/uploads.ts";

const TYPES: Record<string, string> = { jpg: "image/jpeg", png: "image/png", webp: "image/webp" };

export const handler = {
  async GET(ctx: RouteContext) {
    const name = ctx.params.file ?? "";
    const m = UPLOAD_NAME.exec(name);
    if (!m) return new Response("Not found", { status: 404 });
    try {
      const bytes = await Deno.readFile(`${uploadsDir()}/${name}`);
      return new Response(bytes, {
        headers: {
          "content-type": TYPES[m[1]!]!,
          "cache-control": "public, max-age=31536000, immutable",
          "x-content-type-options": "nosniff",
        },
      });
    } catch {
      return new Response("Not found", { status: 404 });
    }
  },
};
