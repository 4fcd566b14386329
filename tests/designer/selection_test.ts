// lib/designer/selection.ts (box select, selection list) and the per-seat zones of the JSON
// format (lib/designer/layout_json.ts): export by zone name, checks before import.
import assert from "node:assert/strict";
import type { Row } from "../../lib/designer/geometry.ts";
import {
  addKeys,
  boxKeys,
  isSelected,
  ownZoneCounts,
  selectedCount,
  selectionList,
} from "../../lib/designer/selection.ts";
import {
  type DesignerLayout,
  exportLayout,
  validateLayout,
} from "../../lib/designer/layout_json.ts";

const row = (label: string, y: number, n: number, zones?: (string | null)[]): Row => ({
  label,
  index: y + 1,
  numbers: Array.from({ length: n }, (_, i) => i + 1),
  x: Array.from({ length: n }, (_, i) => i),
  y: Array.from({ length: n }, () => y),
  attributes: Array.from({ length: n }, () => ""),
  ...(zones ? { zones } : {}),
});
const rows = [row("A", 0, 10), row("B", 1, 10), row("C", 2, 10)];

Deno.test("a box over whole rows selects the rows; over part of a row, its seats", () => {
  assert.deepEqual(boxKeys(rows, { x: -1, y: -0.5, w: 12, h: 2 }), ["A", "B"]);
  assert.deepEqual(boxKeys(rows, { x: 7.5, y: 2.5, w: -2, h: -2 }), ["B:7", "B:8", "C:7", "C:8"]);
  assert.deepEqual(boxKeys(rows, { x: 20, y: 20, w: 1, h: 1 }), []);
});

Deno.test("the selection list sends whole rows without numbers and drops seats of selected rows", () => {
  const sel = addKeys(new Set(["C:1", "B:3"]), ["B", "C:2"]);
  assert.deepEqual(selectionList(sel).sort((a, b) => a.row.localeCompare(b.row)), [
    { row: "B" },
    { row: "C", numbers: [1, 2] },
  ]);
  assert.equal(selectedCount(rows, sel), 12);
  assert.ok(isSelected(sel, rows[1]!, 9));
  assert.ok(!isSelected(sel, rows[2]!, 5));
});

Deno.test("own zones are counted per zone", () => {
  const zoned = [row("A", 0, 3, ["z1", null, "z2"]), row("B", 1, 2, ["z1", "z1"]), row("C", 2, 4)];
  assert.deepEqual([...ownZoneCounts(zoned)], [["z1", 3], ["z2", 1]]);
});

const layout: DesignerLayout = {
  id: "v",
  version: 1,
  status: "draft",
  layout_id: "l",
  layout: "Main",
  venue_id: "ve",
  venue: "Hall",
  capacity: 6,
  zones: [
    { id: "z1", name: "Gold", color: "#b45309", rank: 1 },
    { id: "z2", name: "Silver", color: "#6b7280", rank: 2 },
  ],
  sections: [{
    id: "s",
    name: "Stalls",
    kind: "seated",
    capacity: 6,
    zone_id: "z1",
    x: 0,
    y: 0,
    focal_x: 0,
    focal_y: -5,
    sort: 1,
    rows: [row("A", 0, 3, [null, "z2", "z2"]), row("B", 1, 3)],
  }],
};

Deno.test("export names each seat's own zone, and the file passes the import checks", () => {
  const file = exportLayout(layout);
  const s = file.sections[0]!;
  assert.equal(s.kind, "seated");
  if (s.kind !== "seated") return;
  assert.deepEqual(s.rows![0]!.zones, [null, "Silver", "Silver"]);
  assert.equal(s.rows![1]!.zones, undefined);
  assert.deepEqual(validateLayout(JSON.parse(JSON.stringify(file))), []);
});

Deno.test("import checks refuse unknown seat zones and zone lists of the wrong length", () => {
  const file = JSON.parse(JSON.stringify(exportLayout(layout)));
  file.sections[0].rows[0].zones = [null, "Bronze", null];
  file.sections[0].rows[1].zones = ["Gold"];
  assert.deepEqual(validateLayout(file), [
    'Section 1 ("Stalls"), row 1 ("A"): price zone "Bronze" is not in "zones"',
    'Section 1 ("Stalls"), row 2 ("B"): "zones" must have one entry (a zone name or null) per seat',
  ]);
});
