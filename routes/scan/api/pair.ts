import { pairHandler } from "../../../lib/scan/server.ts";

export const handler = { POST: (ctx: { req: Request }) => pairHandler(ctx.req) };
