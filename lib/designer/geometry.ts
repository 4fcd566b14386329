// The seat geometry of api.build_seated_section (sql/101 + 107), ported formula for formula
// so the designer's live preview puts every seat where the database will. Keep in step with
// the SQL: tests/designer/geometry_test.ts compares the two for several patterns.

export interface Pattern {
  rows: number;
  seats_per_row?: number;
  seats_per_row_list?: number[];
  seats_increment?: number;
  row_labels?: "letters" | "numbers";
  first_row?: string;
  skip_i_o?: boolean;
  numbering?: "ltr" | "rtl" | "odd_even";
  first_seat?: number;
  seat_spacing?: number;
  row_spacing?: number;
  origin_x?: number;
  origin_y?: number;
  rotation_deg?: number;
  arc_radius?: number | null;
  arc_center_x?: number;
  arc_center_y?: number;
  arc_direction_deg?: number;
  focal_x?: number | null;
  focal_y?: number | null;
  aisle_ends?: boolean;
  accessible_rows?: string[];
  restricted_view_rows?: string[];
}

export interface Row {
  label: string;
  index: number;
  numbers: number[];
  x: number[];
  y: number[];
  /** Per seat, attributes joined by commas ("" for none), as api.layout_designer returns them. */
  attributes: string[];
  /** Per seat, its own price zone id (null: the section's); only on rows that have any. */
  zones?: (string | null)[];
}

export interface Built {
  rows: Row[];
  focal: { x: number; y: number };
  count: number;
}

const LETTERS_SKIP = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const LETTERS_ALL = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const rad = (d: number) => (d * Math.PI) / 180;
/** Postgres' round(numeric, 2): half away from zero. */
export const round2 = (v: number) => Math.sign(v) * Math.round(Math.abs(v) * 100 + 1e-9) / 100;

/** core.row_letter: A..Z, then AA, BB, … */
export function rowLetter(k: number, skipIO: boolean): string {
  const a = skipIO ? LETTERS_SKIP : LETTERS_ALL;
  return a[k % a.length]!.repeat(Math.floor(k / a.length) + 1);
}

/** The problem with a pattern in words, or null (the SQL checks the same and has the last word). */
export function patternError(p: Pattern): string | null {
  if (!Number.isInteger(p.rows) || p.rows < 1 || p.rows > 200) {
    return `Rows ${p.rows} must be between 1 and 200`;
  }
  if (p.seats_per_row_list) {
    if (p.seats_per_row_list.length !== p.rows) {
      return `The list has ${p.seats_per_row_list.length} rows but the section has ${p.rows}`;
    }
  } else {
    const n = p.seats_per_row ?? NaN;
    if (!Number.isInteger(n) || n < 1 || n > 500) {
      return `Seats per row ${p.seats_per_row} must be between 1 and 500`;
    }
    const last = n + (p.rows - 1) * (p.seats_increment ?? 0);
    if (last < 1 || last > 500) return `Seats increment gives rows outside 1 to 500 seats`;
  }
  if ((p.seat_spacing ?? 1) <= 0 || (p.row_spacing ?? 1) <= 0) {
    return "Seat and row spacing must be positive";
  }
  if (p.arc_radius != null && p.arc_radius <= 0) {
    return `Arc radius ${p.arc_radius} must be positive`;
  }
  return null;
}

/** The seats api.build_seated_section would insert for this pattern. */
export function buildSeats(p: Pattern): Built {
  const seatSp = p.seat_spacing ?? 1, rowSp = p.row_spacing ?? 1;
  const ox = p.origin_x ?? 0, oy = p.origin_y ?? 0;
  const theta = rad(p.rotation_deg ?? 0);
  const arc = p.arc_radius ?? null;
  const cx = p.arc_center_x ?? 0, cy = p.arc_center_y ?? 0;
  const dir = rad(p.arc_direction_deg ?? 90);
  const skip = p.skip_i_o ?? true;
  const letters = (p.row_labels ?? "letters") === "letters";
  const alphabet = skip ? LETTERS_SKIP : LETTERS_ALL;
  const firstIndex = letters
    ? alphabet.indexOf((p.first_row ?? "A").toUpperCase())
    : Number(p.first_row ?? "1");
  const fx = p.focal_x ??
    (arc != null ? cx + 0.6 * arc * Math.cos(dir) : ox + 10 * rowSp * Math.sin(theta));
  const fy = p.focal_y ??
    (arc != null ? cy + 0.6 * arc * Math.sin(dir) : oy - 10 * rowSp * Math.cos(theta));
  const firstSeat = p.first_seat ?? 1;
  const aisle = p.aisle_ends ?? true;
  const acc = new Set(p.accessible_rows ?? []);
  const restr = new Set(p.restricted_view_rows ?? []);
  const rows: Row[] = [];
  let count = 0;
  for (let g = 1; g <= p.rows; g++) {
    const n = p.seats_per_row_list?.[g - 1] ??
      (p.seats_per_row ?? 0) + (g - 1) * (p.seats_increment ?? 0);
    const label = letters ? rowLetter(firstIndex + g - 1, skip) : String(firstIndex + g - 1);
    const half = Math.floor((n + 1) / 2); // integer division in SQL
    const row: Row = { label, index: g, numbers: [], x: [], y: [], attributes: [] };
    const v = (g - 1) * rowSp;
    for (let i = 1; i <= n; i++) {
      const num = (p.numbering ?? "ltr") === "ltr"
        ? i
        : p.numbering === "rtl"
        ? n - i + 1
        : i <= half
        ? 2 * (half - i) + 1
        : 2 * (i - half);
      const u = (i - 1 - (n - 1) / 2) * seatSp;
      let x: number, y: number;
      if (arc == null) {
        x = ox + u * Math.cos(theta) - v * Math.sin(theta);
        y = oy + u * Math.sin(theta) + v * Math.cos(theta);
      } else {
        const r = arc + v;
        x = cx + r * Math.cos(dir - u / r);
        y = cy + r * Math.sin(dir - u / r);
      }
      const attrs: string[] = [];
      if (aisle && (i === 1 || i === n)) attrs.push("aisle");
      if (acc.has(label)) attrs.push("accessible");
      if (restr.has(label)) attrs.push("restricted_view");
      row.numbers.push(num + firstSeat - 1);
      row.x.push(round2(x));
      row.y.push(round2(y));
      row.attributes.push(attrs.join(","));
      count++;
    }
    rows.push(row);
  }
  return { rows, focal: { x: fx, y: fy }, count };
}

/** Turn a set of rows by `deg` around (px, py), then move by (dx, dy): api.move_section. */
export function moveRows(
  rows: Row[],
  pivot: { x: number; y: number },
  move: { dx: number; dy: number; deg: number },
): Row[] {
  const t = rad(move.deg), c = Math.cos(t), s = Math.sin(t);
  return rows.map((r) => ({
    ...r,
    x: r.x.map((x, i) => round2(pivot.x + (x - pivot.x) * c - (r.y[i]! - pivot.y) * s + move.dx)),
    y: r.y.map((y, i) => round2(pivot.y + (r.x[i]! - pivot.x) * s + (y - pivot.y) * c + move.dy)),
  }));
}
