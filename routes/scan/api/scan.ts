import { scanHandler } from "../../../lib/scan/server.ts";

export const handler = { POST: (ctx: { req: Request }) => scanHandler(ctx.req) };
