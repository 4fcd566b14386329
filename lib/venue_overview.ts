// The venue overview of the buyer's seat map, drawn from the layout's real geometry: each
// seated section as the outline of its rows (api.event_outlines), standing sections as blocks
// where the layout places them, and the pitch or stage between them, all fitted into the
// map's 200 × 200 box. Presentation only: what is free and what it costs comes from SQL.

export interface OverviewSectionIn {
  id: string;
  kind: string;
  /** The section's map position (standing sections are drawn around it). */
  x: number;
  y: number;
}

export interface OutlineIn {
  section_id: string;
  kind: string;
  /** Flat [x1, y1, x2, y2, …] polygon in venue units; null for standing sections. */
  outline: number[] | null;
  focal_x: number;
  focal_y: number;
}

export interface OverviewShape {
  /** SVG path in the 200 × 200 box. */
  path: string;
  /** Where the section's name goes. */
  cx: number;
  cy: number;
  /** Taller than wide: the name is written along it (turned a quarter). */
  vertical: boolean;
}

export interface Overview {
  shapes: Map<string, OverviewShape>;
  /** The pitch or stage, in the 200 × 200 box. */
  centre: { x: number; y: number; w: number; h: number };
  /** Stroke width that pads outlines drawn through seat centres out to the seats' edges. */
  pad: number;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const BOX = 200;
const MARGIN = 8;

function bounds(points: [number, number][]): Rect {
  return {
    x0: Math.min(...points.map((p) => p[0])),
    y0: Math.min(...points.map((p) => p[1])),
    x1: Math.max(...points.map((p) => p[0])),
    y1: Math.max(...points.map((p) => p[1])),
  };
}

function pairs(flat: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/**
 * The overview, or null when the layout has no seated geometry to draw (standing-only
 * events, or standing sections without their own positions): the caller then places the
 * sections in a ring.
 */
export function venueOverview(
  sections: OverviewSectionIn[],
  outlines: OutlineIn[],
  centre: "pitch" | "stage",
): Overview | null {
  const byId = new Map(outlines.map((o) => [o.section_id, o]));
  const seated = sections.flatMap((s) => {
    const o = byId.get(s.id);
    return o?.outline && o.outline.length >= 2 ? [{ s, points: pairs(o.outline), o }] : [];
  });
  if (seated.length === 0) return null;
  const standing = sections.filter((s) => !seated.some((x) => x.s.id === s.id));
  if (new Set(standing.map((s) => `${s.x},${s.y}`)).size < standing.length) return null;

  const seatBounds = bounds(seated.flatMap((x) => x.points));
  const span = Math.max(1, seatBounds.x1 - seatBounds.x0, seatBounds.y1 - seatBounds.y0);
  const centre0 = {
    x: (seatBounds.x0 + seatBounds.x1) / 2,
    y: (seatBounds.y0 + seatBounds.y1) / 2,
  };

  // Standing sections: a block at their position, its long side facing the middle.
  const blocks = new Map<string, [number, number][]>();
  for (const s of standing) {
    const along = Math.abs(s.x - centre0.x) >= Math.abs(s.y - centre0.y);
    const [hw, hh] = along ? [0.06 * span, 0.25 * span] : [0.25 * span, 0.06 * span];
    blocks.set(s.id, [[s.x - hw, s.y - hh], [s.x + hw, s.y - hh], [s.x + hw, s.y + hh], [
      s.x - hw,
      s.y + hh,
    ]]);
  }

  // The whole venue and its middle.
  const all = bounds([...seated.flatMap((x) => x.points), ...[...blocks.values()].flat()]);
  const mid = { x: (all.x0 + all.x1) / 2, y: (all.y0 + all.y1) / 2 };

  // A stage: a bar at the focal point, across the width of the seats facing it.
  // A pitch: the focal points the seated sections face (touchlines, goal lines), mirrored
  // about the venue's middle (a stand on one side only still faces a whole pitch), a little
  // smaller so it does not touch the front rows.
  const focals = bounds(seated.map((x) => [x.o.focal_x, x.o.focal_y]));
  let pitch: Rect;
  if (centre === "stage") {
    const f = { x: (focals.x0 + focals.x1) / 2, y: (focals.y0 + focals.y1) / 2 };
    const wide = Math.abs(f.y - centre0.y) >= Math.abs(f.x - centre0.x);
    const [hw, hh] = wide
      ? [0.3 * (seatBounds.x1 - seatBounds.x0), 0.04 * span]
      : [0.04 * span, 0.3 * (seatBounds.y1 - seatBounds.y0)];
    pitch = { x0: f.x - hw, x1: f.x + hw, y0: f.y - hh, y1: f.y + hh };
  } else {
    pitch = {
      x0: Math.min(focals.x0, 2 * mid.x - focals.x1),
      x1: Math.max(focals.x1, 2 * mid.x - focals.x0),
      y0: Math.min(focals.y0, 2 * mid.y - focals.y1),
      y1: Math.max(focals.y1, 2 * mid.y - focals.y0),
    };
    const pw = pitch.x1 - pitch.x0, ph = pitch.y1 - pitch.y0;
    // only one direction faced: as deep as it is wide
    if (pw < 0.1 * span) pitch = { ...pitch, x0: mid.x - ph / 2, x1: mid.x + ph / 2 };
    if (ph < 0.1 * span) pitch = { ...pitch, y0: mid.y - pw / 2, y1: mid.y + pw / 2 };
    const sx = 0.15 * (pitch.x1 - pitch.x0) / 2, sy = 0.15 * (pitch.y1 - pitch.y0) / 2;
    pitch = { x0: pitch.x0 + sx, x1: pitch.x1 - sx, y0: pitch.y0 + sy, y1: pitch.y1 - sy };
  }

  // Fit everything into the box, keeping proportions.
  const world = bounds([
    [all.x0, all.y0],
    [all.x1, all.y1],
    [pitch.x0, pitch.y0],
    [pitch.x1, pitch.y1],
  ]);
  const scale = (BOX - 2 * MARGIN) / Math.max(1, world.x1 - world.x0, world.y1 - world.y0);
  const ox = BOX / 2 - ((world.x0 + world.x1) / 2) * scale;
  const oy = BOX / 2 - ((world.y0 + world.y1) / 2) * scale;
  const px = (x: number) => Math.round((ox + x * scale) * 10) / 10;
  const py = (y: number) => Math.round((oy + y * scale) * 10) / 10;
  const path = (points: [number, number][]) =>
    `M${points.map(([x, y]) => `${px(x)} ${py(y)}`).join("L")}Z`;
  const centroid = (points: [number, number][]) => ({
    cx: px(points.reduce((a, p) => a + p[0], 0) / points.length),
    cy: py(points.reduce((a, p) => a + p[1], 0) / points.length),
  });
  const vertical = (points: [number, number][]) => {
    const b = bounds(points);
    return b.y1 - b.y0 > 1.3 * (b.x1 - b.x0);
  };

  // A seated section's name goes halfway between its middle and its back row, so a block set
  // into the front of a bigger stand (a VIP box) and the stand keep their names apart.
  const label = (points: [number, number][]) => {
    const rows = points.length / 2;
    const back = [
      (points[rows - 1]![0] + points[rows]![0]) / 2,
      (points[rows - 1]![1] + points[rows]![1]) / 2,
    ];
    const mx = points.reduce((a, p) => a + p[0], 0) / points.length;
    const my = points.reduce((a, p) => a + p[1], 0) / points.length;
    return { cx: px((mx + back[0]!) / 2), cy: py((my + back[1]!) / 2) };
  };
  const shapes = new Map<string, OverviewShape>();
  for (const { s, points } of seated) {
    shapes.set(s.id, { path: path(points), ...label(points), vertical: vertical(points) });
  }
  for (const [id, points] of blocks) {
    shapes.set(id, { path: path(points), ...centroid(points), vertical: vertical(points) });
  }
  return {
    shapes,
    centre: {
      x: px(pitch.x0),
      y: py(pitch.y0),
      w: Math.round((pitch.x1 - pitch.x0) * scale * 10) / 10,
      h: Math.round((pitch.y1 - pitch.y0) * scale * 10) / 10,
    },
    // enough to give a one-row section some body and round the corners
    pad: 3,
  };
}
