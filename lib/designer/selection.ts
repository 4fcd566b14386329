// The designer's seat selection: keys "A" (a whole row) or "A:12" (one seat), a box
// (shift-drag) turned into keys, and the selection as the api's
// [{"row": "A"}, {"row": "B", "numbers": [1, 2]}] list. No DOM here.
import type { Row } from "./geometry.ts";
import type { Box } from "./render.ts";

export type Selection = Set<string>;

/** Is seat i of row r selected (by its row or by itself)? */
export function isSelected(sel: Selection, r: Row, i: number): boolean {
  return sel.has(r.label) || sel.has(`${r.label}:${r.numbers[i]}`);
}

/** Keys of the seats inside the box (any corner order): a row whose every seat is inside
 * becomes one row key. */
export function boxKeys(rows: Row[], box: Box): string[] {
  const x0 = Math.min(box.x, box.x + box.w), x1 = Math.max(box.x, box.x + box.w);
  const y0 = Math.min(box.y, box.y + box.h), y1 = Math.max(box.y, box.y + box.h);
  const keys: string[] = [];
  for (const r of rows) {
    const inside: number[] = [];
    for (let i = 0; i < r.x.length; i++) {
      const x = r.x[i]!, y = r.y[i]!;
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) inside.push(i);
    }
    if (inside.length === 0) continue;
    if (inside.length === r.x.length) keys.push(r.label);
    else for (const i of inside) keys.push(`${r.label}:${r.numbers[i]}`);
  }
  return keys;
}

/** The selection plus the box's keys (a seat key is dropped when its row is selected). */
export function addKeys(sel: Selection, keys: string[]): Selection {
  const next = new Set(sel);
  for (const k of keys) next.add(k);
  for (const k of [...next]) {
    const row = k.split(":")[0]!;
    if (k.includes(":") && next.has(row)) next.delete(k);
  }
  return next;
}

/** The selection as the api's list: whole rows without numbers, other rows with theirs. */
export function selectionList(sel: Selection): { row: string; numbers?: number[] }[] {
  const byRow = new Map<string, number[] | null>();
  for (const k of sel) {
    const at = k.indexOf(":");
    const row = at < 0 ? k : k.slice(0, at);
    if (at < 0) byRow.set(row, null);
    else if (byRow.get(row) !== null) {
      byRow.set(row, [...(byRow.get(row) ?? []), Number(k.slice(at + 1))]);
    }
  }
  return [...byRow].map(([row, numbers]) => (numbers ? { row, numbers } : { row }));
}

/** How many seats the selection covers in these rows. */
export function selectedCount(rows: Row[], sel: Selection): number {
  let n = 0;
  for (const r of rows) {
    if (sel.has(r.label)) n += r.x.length;
    else for (let i = 0; i < r.x.length; i++) if (sel.has(`${r.label}:${r.numbers[i]}`)) n++;
  }
  return n;
}

/** Seats with their own zone, per zone id (for the legend). */
export function ownZoneCounts(rows: Row[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) {
    for (const z of r.zones ?? []) if (z) counts.set(z, (counts.get(z) ?? 0) + 1);
  }
  return counts;
}
