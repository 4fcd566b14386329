// PostgREST-compatible endpoint: /rest/rpc/<fn> and read-only /rest/<view>.
// Everything happens in lib/rest; this file only hands the request over.
import { restHandler } from "../../lib/rest/mod.ts";

interface RestContext {
  req: Request;
  params: Record<string, string | undefined>;
}

function serve(ctx: RestContext): Promise<Response> {
  return restHandler(ctx.req, ctx.params.path ?? "");
}

export const handler = {
  GET: serve,
  HEAD: serve,
  POST: serve,
  PATCH: serve,
  PUT: serve,
  DELETE: serve,
};
