// The venue plan behind the live dashboard's heatmap: each section's shape from the layout
// (api.event_outlines through lib/venue_overview.ts, as on the buyer's seat map) in a 200 × 200
// box, made once per page load on the server and handed to the island as plain data.
import { type OutlineIn, venueOverview } from "../venue_overview.ts";

export interface LivePlan {
  shapes: Record<string, { path: string; cx: number; cy: number; vertical: boolean }>;
  centre: { x: number; y: number; w: number; h: number };
  pad: number;
}

const SPORTS = ["football", "rugby", "cricket", "athletics", "sport"];

/** The plan, or null when the layout has nothing to draw (the island then uses a grid). */
export function livePlan(
  sections: { id: string; kind: string; x: number; y: number }[],
  outlines: OutlineIn[],
  category: string,
): LivePlan | null {
  const overview = venueOverview(
    sections,
    outlines,
    SPORTS.includes(category) ? "pitch" : "stage",
  );
  if (!overview) return null;
  return {
    shapes: Object.fromEntries(overview.shapes),
    centre: overview.centre,
    pad: overview.pad,
  };
}
