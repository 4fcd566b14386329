// The seat map's venue overview drawn from the layout's geometry (lib/venue_overview.ts).
import assert from "node:assert/strict";
import { type OutlineIn, venueOverview } from "../../lib/venue_overview.ts";

// A stand west of a pitch centred at the origin (rows running north-south, front row at
// x = -30), a smaller block set into its front, and a standing terrace to the east.
const rows = (x0: number, x1: number, y0: number, y1: number, n: number) => {
  const side1: number[] = [], side2: number[] = [];
  for (let r = 0; r < n; r++) {
    const x = x0 - ((x0 - x1) * r) / (n - 1);
    side1.push(x, y0);
    side2.unshift(x, y1);
  }
  return [...side1, ...side2];
};
const sections = [
  { id: "west", kind: "seated", x: 0, y: 0 },
  { id: "box", kind: "seated", x: 0, y: 0 },
  { id: "east", kind: "standing", x: 60, y: 0 },
];
const outlines: OutlineIn[] = [
  {
    section_id: "west",
    kind: "seated",
    outline: rows(-30, -70, -40, 40, 20),
    focal_x: -25,
    focal_y: 0,
  },
  {
    section_id: "box",
    kind: "seated",
    outline: rows(-30, -40, -8, 8, 5),
    focal_x: -25,
    focal_y: 0,
  },
  { section_id: "east", kind: "standing", outline: null, focal_x: 60, focal_y: 0 },
];

function numbers(path: string): number[] {
  return [...path.matchAll(/-?\d+(\.\d+)?/g)].map((m) => Number(m[0]));
}

Deno.test("seated sections are drawn as their outlines, standing ones as blocks, all inside the box", () => {
  const o = venueOverview(sections, outlines, "pitch")!;
  assert.ok(o);
  assert.equal(o.shapes.size, 3);
  const west = numbers(o.shapes.get("west")!.path);
  assert.equal(west.length, 80, "both ends of 20 rows: 40 points");
  for (const shape of o.shapes.values()) {
    for (const v of numbers(shape.path)) assert.ok(v >= 0 && v <= 200, `${v} inside the 200 box`);
  }
  // west of the pitch, which is west of the terrace
  const xs = (id: string) => numbers(o.shapes.get(id)!.path).filter((_, i) => i % 2 === 0);
  assert.ok(Math.max(...xs("west")) <= o.centre.x, "the stand ends where the pitch begins");
  assert.ok(
    o.centre.x + o.centre.w <= Math.min(...xs("east")),
    "the pitch ends before the terrace",
  );
  assert.equal(o.shapes.get("west")!.vertical, true, "a tall stand has its name written along it");
  assert.ok(
    Math.abs(o.shapes.get("west")!.cx - o.shapes.get("box")!.cx) > 10,
    "the stand's name and the block's name are apart",
  );
});

Deno.test("a stage is a bar at the focal point across the seats facing it", () => {
  const hall = [{ id: "hall", kind: "seated", x: 0, y: 0 }];
  const o = venueOverview(hall, [{
    section_id: "hall",
    kind: "seated",
    outline: rows(10, 50, -20, 20, 10),
    focal_x: 0,
    focal_y: 0,
  }], "stage")!;
  const hallXs = numbers(o.shapes.get("hall")!.path).filter((_, i) => i % 2 === 0);
  // rows run from x = 10 to 50, so the stage (x = 0) is a tall bar left of them
  assert.ok(o.centre.h > o.centre.w, "the bar runs across the rows");
  assert.ok(o.centre.x + o.centre.w <= Math.min(...hallXs), "in front of the first row");
});

Deno.test("without seated geometry, or with standing sections sharing a spot, there is no overview", () => {
  assert.equal(
    venueOverview([{ id: "field", kind: "standing", x: 0, y: 0 }], [{
      section_id: "field",
      kind: "standing",
      outline: null,
      focal_x: 0,
      focal_y: 0,
    }], "stage"),
    null,
  );
  assert.equal(
    venueOverview([...sections, { id: "east2", kind: "standing", x: 60, y: 0 }], outlines, "pitch"),
    null,
  );
});
