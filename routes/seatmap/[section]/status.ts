// The seat statuses of one section for the seat map island, shared for a second.
import type { Handlers } from "../../../lib/fresh/mod.ts";
import { statusResponse } from "../../../lib/seat_map.ts";

export const handler: Handlers = { GET: (ctx) => statusResponse(ctx.params.section ?? "") };
