// The seats of one section for the seat map island (labels, positions, zones), cached.
import type { Handlers } from "../../../lib/fresh/mod.ts";
import { seatsResponse } from "../../../lib/seat_map.ts";

export const handler: Handlers = { GET: (ctx) => seatsResponse(ctx.params.section ?? "") };
