import { syncHandler } from "../../../lib/scan/server.ts";

export const handler = { POST: (ctx: { req: Request }) => syncHandler(ctx.req) };
