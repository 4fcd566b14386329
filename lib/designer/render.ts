// Drawing helpers for the designer: SVG path strings so that a row of seats is ONE path
// (dots as zero-length round-capped segments), whatever the number of seats, plus section
// outlines and the plan's bounds. No DOM here; the island puts the strings into <path d>.
import type { Row } from "./geometry.ts";

const f = (v: number) => Math.round(v * 100) / 100;

/** Every seat of the rows as a dot: "M x y h0" per seat (draw with stroke-linecap round). */
export function dotsPath(rows: Row[], only?: (row: Row, i: number) => boolean): string {
  let d = "";
  for (const r of rows) {
    for (let i = 0; i < r.x.length; i++) {
      if (!only || only(r, i)) d += `M${f(r.x[i]!)} ${f(r.y[i]!)}h0`;
    }
  }
  return d;
}

/** Each row as a line through every `step`-th seat: the far-zoom level of detail. */
export function rowLinesPath(rows: Row[], step = 8): string {
  let d = "";
  for (const r of rows) {
    const n = r.x.length;
    if (n === 0) continue;
    d += `M${f(r.x[0]!)} ${f(r.y[0]!)}`;
    for (let i = step; i < n - 1; i += step) d += `L${f(r.x[i]!)} ${f(r.y[i]!)}`;
    d += n > 1 ? `L${f(r.x[n - 1]!)} ${f(r.y[n - 1]!)}` : "h0";
  }
  return d;
}

/** The section's outline: the front row forwards, the back row backwards (a polygon, or an
 * arc band for bowl sections). */
export function outlinePath(rows: Row[], pad = 0.4): string {
  if (rows.length === 0) return "";
  const front = rows[0]!, back = rows[rows.length - 1]!;
  const pts: string[] = [];
  const step = Math.max(1, Math.floor(front.x.length / 24));
  for (let i = 0; i < front.x.length; i += step) pts.push(`${f(front.x[i]!)} ${f(front.y[i]!)}`);
  pts.push(`${f(front.x.at(-1)!)} ${f(front.y.at(-1)!)}`);
  const bstep = Math.max(1, Math.floor(back.x.length / 24));
  pts.push(`${f(back.x.at(-1)!)} ${f(back.y.at(-1)!)}`);
  for (let i = back.x.length - 1; i >= 0; i -= bstep) pts.push(`${f(back.x[i]!)} ${f(back.y[i]!)}`);
  pts.push(`${f(back.x[0]!)} ${f(back.y[0]!)}`);
  void pad;
  return `M${pts.join("L")}Z`;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The bounding box of the rows and standing points, with a margin. */
export function bounds(rowsList: Row[][], points: { x: number; y: number; r: number }[]): Box {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const rows of rowsList) {
    for (const r of rows) {
      for (let i = 0; i < r.x.length; i++) {
        const x = r.x[i]!, y = r.y[i]!;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  for (const p of points) {
    x0 = Math.min(x0, p.x - p.r);
    x1 = Math.max(x1, p.x + p.r);
    y0 = Math.min(y0, p.y - p.r);
    y1 = Math.max(y1, p.y + p.r);
  }
  if (!Number.isFinite(x0)) return { x: -50, y: -50, w: 100, h: 100 };
  const m = Math.max(x1 - x0, y1 - y0) * 0.06 + 2;
  return { x: x0 - m, y: y0 - m, w: x1 - x0 + 2 * m, h: y1 - y0 + 2 * m };
}

/** A standing section's drawn radius: its area grows with capacity (about 2 people per m²). */
export const standingRadius = (capacity: number) => Math.max(3, Math.sqrt(capacity / 2 / Math.PI));

/** The seat nearest to (x, y) in these rows, within `max`. */
export function nearestSeat(
  rows: Row[],
  x: number,
  y: number,
  max: number,
): { row: Row; i: number } | null {
  let best: { row: Row; i: number } | null = null, bd = max * max;
  for (const r of rows) {
    for (let i = 0; i < r.x.length; i++) {
      const d = (r.x[i]! - x) ** 2 + (r.y[i]! - y) ** 2;
      if (d < bd) [bd, best] = [d, { row: r, i }];
    }
  }
  return best;
}
