// The venue layout designer: the plan as SVG (a section = an outline + one path per row of
// seats, rows as lines when zoomed out), a pattern form with a live preview built by the
// same geometry as api.build_seated_section, standing sections, drag/turn a section, seat
// and row selection (click, shift-click a row, shift-drag a box) for accessible/restricted
// marks and for price zones per row or seat, price zones per section, JSON import and
// export. Every change is one JSON POST to the page's route, which calls the api.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { buildSeats, type Pattern, patternError, type Row } from "../lib/designer/geometry.ts";
import {
  bounds,
  type Box,
  dotsPath,
  nearestSeat,
  outlinePath,
  rowLinesPath,
  standingRadius,
} from "../lib/designer/render.ts";
import { type DesignerLayout, exportLayout } from "../lib/designer/layout_json.ts";
import {
  addKeys,
  boxKeys,
  isSelected,
  ownZoneCounts,
  selectedCount,
  selectionList,
} from "../lib/designer/selection.ts";

export interface LayoutDesignerProps {
  versionId: string;
  csrf: string;
  canEdit: boolean;
}

const DEFAULT: Pattern = {
  rows: 10,
  seats_per_row: 20,
  numbering: "ltr",
  seat_spacing: 0.6,
  row_spacing: 0.9,
  rotation_deg: 0,
  arc_radius: null,
  arc_direction_deg: 90,
};
const num = (v: string) => (v.trim() === "" ? null : Number(v));

export default function LayoutDesigner(
  { versionId: _versionId, csrf, canEdit }: LayoutDesignerProps,
) {
  const layout = useSignal<DesignerLayout | null>(null);
  const view = useSignal<Box>({ x: -50, y: -50, w: 100, h: 100 });
  const selected = useSignal<string | null>(null);
  const picked = useSignal<Set<string>>(new Set()); // "row" or "row:number"
  const box = useSignal<Box | null>(null); // shift-drag selection box, in plan units
  const seatZone = useSignal(""); // the zone to give the selection ("" = the section's)
  const move = useSignal({ dx: 0, dy: 0, deg: 0 });
  const adding = useSignal<"" | "seated" | "standing">("");
  const pattern = useSignal<Pattern>(DEFAULT);
  const name = useSignal("");
  const capacity = useSignal(500);
  const message = useSignal<{ kind: "ok" | "error"; text: string; list?: string[] } | null>(null);
  const timing = useSignal("");
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<
    { x: number; y: number; what: "pan" | "preview" | "section" | "box"; start: unknown } | null
  >(null);
  const boxedAt = useRef(0); // when a box was last drawn: the click that ends it selects nothing

  async function load() {
    const t0 = performance.now();
    const res = await fetch(`?format=json`, { headers: { accept: "application/json" } });
    const data = await res.json();
    if (!res.ok) return void (message.value = { kind: "error", text: data.error });
    show(data, t0);
  }
  function show(data: DesignerLayout, t0 = performance.now()) {
    layout.value = data;
    view.value = bounds(
      data.sections.map((s) => s.rows),
      data.sections.filter((s) => s.kind === "standing").map((s) => ({
        x: s.x,
        y: s.y,
        r: standingRadius(s.capacity),
      })),
    );
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        const seats = data.sections.reduce(
          (n, s) => n + s.rows.reduce((m, r) => m + r.x.length, 0),
          0,
        );
        timing.value = `Drew ${seats.toLocaleString("en")} seats in ${
          Math.round(performance.now() - t0)
        } ms`;
        svg.current?.setAttribute("data-render-ms", String(Math.round(performance.now() - t0)));
      })
    );
  }
  useEffect(() => void load(), []);

  async function send(body: Record<string, unknown>, ok: string): Promise<boolean> {
    message.value = null;
    const res = await fetch("", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({ error: `The server answered ${res.status}` }));
    if (!res.ok) {
      message.value = { kind: "error", text: data.error, list: data.errors };
      return false;
    }
    show(data.layout);
    message.value = { kind: "ok", text: ok };
    return true;
  }

  const l = layout.value;
  const v = view.value;
  const unitsPerPx = v.w / (svg.current?.clientWidth || 800);
  const detail = unitsPerPx < 0.12; // seats as dots once a seat is about 5 px wide
  const zoneColor = (id: string | null) => l?.zones.find((z) => z.id === id)?.color ?? "#64748b";
  const sec = l?.sections.find((s) => s.id === selected.value) ?? null;
  const p = pattern.value;
  const preview = adding.value === "seated" && !patternError(p) ? buildSeats(p) : null;
  const pick = picked.value;
  const isPicked = (r: Row, i: number) => isSelected(pick, r, i);

  function toPlan(e: MouseEvent) {
    const rect = svg.current!.getBoundingClientRect();
    const s = Math.max(v.w / rect.width, v.h / rect.height);
    const ox = v.x + (v.w - rect.width * s) / 2, oy = v.y + (v.h - rect.height * s) / 2;
    return { x: ox + (e.clientX - rect.left) * s, y: oy + (e.clientY - rect.top) * s, s };
  }
  function onDown(e: PointerEvent, what: "pan" | "preview" | "section" | "box") {
    e.stopPropagation();
    if (e.shiftKey && (what === "pan" || what === "section") && sec?.kind === "seated") {
      what = "box";
    }
    const at = toPlan(e);
    if (what === "box") box.value = { x: at.x, y: at.y, w: 0, h: 0 };
    drag.current = {
      x: at.x,
      y: at.y,
      what,
      start: what === "pan" ? v : what === "preview" ? p : move.value,
    };
    (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
  }
  function onMove(e: PointerEvent) {
    const d = drag.current;
    if (!d) return;
    const at = toPlan(e);
    const dx = at.x - d.x, dy = at.y - d.y;
    if (d.what === "box") {
      box.value = { x: d.x, y: d.y, w: dx, h: dy };
    } else if (d.what === "pan") {
      const s = d.start as Box;
      view.value = { ...s, x: s.x - dx, y: s.y - dy };
      d.x = at.x - dx;
      d.y = at.y - dy;
    } else if (d.what === "preview") {
      const s = d.start as Pattern;
      pattern.value = s.arc_radius != null
        ? {
          ...s,
          arc_center_x: round1((s.arc_center_x ?? 0) + dx),
          arc_center_y: round1((s.arc_center_y ?? 0) + dy),
        }
        : {
          ...s,
          origin_x: round1((s.origin_x ?? 0) + dx),
          origin_y: round1((s.origin_y ?? 0) + dy),
        };
    } else {
      const s = d.start as { dx: number; dy: number; deg: number };
      move.value = { ...s, dx: round1(s.dx + dx), dy: round1(s.dy + dy) };
    }
  }
  function zoom(f: number) {
    view.value = {
      x: v.x + (v.w * (1 - f)) / 2,
      y: v.y + (v.h * (1 - f)) / 2,
      w: v.w * f,
      h: v.h * f,
    };
  }
  function onUp() {
    const b = box.value;
    drag.current = null;
    if (!b) return;
    box.value = null;
    if (!sec || Math.abs(b.w) + Math.abs(b.h) < 4 * unitsPerPx) return; // a shift-click
    boxedAt.current = performance.now();
    const m = move.value; // seats are drawn moved while a move is unsaved
    const keys = boxKeys(sec.rows, { ...b, x: b.x - m.dx, y: b.y - m.dy });
    picked.value = addKeys(pick, keys);
  }
  function clickSeat(e: MouseEvent) {
    if (performance.now() - boxedAt.current < 400) return;
    if (!sec || sec.kind !== "seated") return;
    const at = toPlan(e);
    const hit = nearestSeat(sec.rows, at.x, at.y, Math.max(1, 6 * at.s));
    if (!hit) return;
    const key = e.shiftKey || !detail
      ? hit.row.label
      : `${hit.row.label}:${hit.row.numbers[hit.i]}`;
    const next = new Set(pick);
    next.has(key) ? next.delete(key) : next.add(key);
    picked.value = next;
  }
  const selection = () => selectionList(pick);
  function setP(key: keyof Pattern, value: unknown) {
    pattern.value = { ...p, [key]: value };
  }
  function importFile(file: File) {
    file.text().then((t) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(t);
      } catch (e) {
        message.value = {
          kind: "error",
          text: `The file is not valid JSON: ${(e as Error).message}`,
        };
        return;
      }
      send({ action: "import", layout: parsed }, "Layout imported");
    });
  }
  function exportFile() {
    if (!l) return;
    const blob = new Blob([JSON.stringify(exportLayout(l), null, 1)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${l.venue}-${l.layout}-v${l.version}.json`.replace(/[^\w.-]+/g, "-");
    a.click();
  }

  const field = (label: string, key: keyof Pattern, step = "1") => (
    <label class="dz-field">
      {label}
      <input
        type="number"
        step={step}
        value={(p[key] as number | null | undefined) ?? ""}
        onInput={(e) => setP(key, num((e.target as HTMLInputElement).value))}
      />
    </label>
  );
  const dot = Math.max(0.35, (p.seat_spacing ?? 0.6) * 0.8);

  return (
    <div class="dz">
      <div class="dz-toolbar">
        <button type="button" onClick={() => zoom(0.6)} aria-label="Zoom in">+</button>
        <button type="button" onClick={() => zoom(1 / 0.6)} aria-label="Zoom out">−</button>
        <button type="button" onClick={() => l && show(l)}>Fit</button>
        {canEdit && (
          <>
            <button type="button" onClick={() => (adding.value = "seated", name.value = "")}>
              Add seated section
            </button>
            <button type="button" onClick={() => (adding.value = "standing", name.value = "")}>
              Add standing section
            </button>
            <label class="dz-file">
              Import JSON
              <input
                type="file"
                accept="application/json,.json"
                onChange={(e) => {
                  const f = (e.target as HTMLInputElement).files?.[0];
                  if (f) importFile(f);
                }}
              />
            </label>
          </>
        )}
        <button type="button" onClick={exportFile}>Export JSON</button>
        <span class="dz-stat" data-testid="capacity">
          {l
            ? `${l.capacity.toLocaleString("en")} places · ${l.sections.length} sections`
            : "Loading…"}
        </span>
        <span class="dz-stat" data-testid="timing">{timing.value}</span>
      </div>
      {message.value && (
        <div
          class={message.value.kind === "ok" ? "dz-ok" : "dz-error"}
          role={message.value.kind === "ok" ? "status" : "alert"}
        >
          {message.value.text}
          {message.value.list && message.value.list.length > 1 && (
            <ul>{message.value.list.map((t) => <li key={t}>{t}</li>)}</ul>
          )}
        </div>
      )}
      <div class="dz-body">
        <svg
          ref={svg}
          class="dz-plan"
          viewBox={`${v.x} ${v.y} ${v.w} ${v.h}`}
          onPointerDown={(e) => onDown(e, "pan")}
          onPointerMove={onMove}
          onPointerUp={onUp}
          onWheel={(e) => {
            e.preventDefault();
            zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15);
          }}
          role="img"
          aria-label="Venue plan"
        >
          {l?.sections.map((s) => {
            const color = zoneColor(s.zone_id);
            const sel = s.id === selected.value;
            const m = sel ? move.value : { dx: 0, dy: 0, deg: 0 };
            const tf = `translate(${m.dx} ${m.dy}) rotate(${m.deg} ${s.x} ${s.y})`;
            const choose = (e: PointerEvent) => {
              e.stopPropagation();
              if (selected.value !== s.id) {
                selected.value = s.id;
                picked.value = new Set();
                move.value = { dx: 0, dy: 0, deg: 0 };
              } else if (canEdit) onDown(e, "section");
            };
            if (s.kind === "standing") {
              const r = standingRadius(s.capacity);
              return (
                <g transform={tf} onPointerDown={choose} class={sel ? "dz-sel" : ""}>
                  <circle
                    cx={s.x}
                    cy={s.y}
                    r={r}
                    fill={color}
                    fill-opacity="0.35"
                    stroke={color}
                    stroke-width={r / 30}
                  />
                  <text
                    x={s.x}
                    y={s.y}
                    font-size={Math.min(r / 4, unitsPerPx * 16)}
                    text-anchor="middle"
                    class="dz-label"
                  >
                    {s.name}
                  </text>
                </g>
              );
            }
            const sw = detail ? 0.42 : 0.7;
            return (
              <g transform={tf} class={sel ? "dz-sel" : ""}>
                <path
                  d={outlinePath(s.rows)}
                  fill={color}
                  fill-opacity="0.12"
                  stroke={color}
                  stroke-width={unitsPerPx * 1.5}
                  onPointerDown={choose}
                />
                <path
                  d={detail ? dotsPath(s.rows) : rowLinesPath(s.rows)}
                  stroke={color}
                  stroke-width={sw}
                  stroke-linecap="round"
                  fill="none"
                  onPointerDown={choose}
                  onClick={sel ? clickSeat : undefined}
                />
                {detail && (
                  <>
                    <path
                      d={dotsPath(s.rows, (r, i) => r.attributes[i]!.includes("accessible"))}
                      stroke="#0284c7"
                      stroke-width={sw}
                      stroke-linecap="round"
                    />
                    <path
                      d={dotsPath(s.rows, (r, i) => r.attributes[i]!.includes("restricted_view"))}
                      stroke="#9ca3af"
                      stroke-width={sw}
                      stroke-linecap="round"
                    />
                  </>
                )}
                {(s.rows.some((r) => r.zones) ? l.zones : []).map((z) => (
                  <path
                    data-zone={z.name}
                    d={dotsPath(s.rows, (r, i) => r.zones?.[i] === z.id)}
                    stroke={z.color}
                    stroke-width={sw}
                    stroke-linecap="round"
                  />
                ))}
                {sel && detail && s.rows.map((r) => {
                  // the row's label just before its first seat, along the row
                  const n = r.x.length, x0 = r.x[0]!, y0 = r.y[0]!;
                  const dx = n > 1 ? x0 - r.x[1]! : -0.6, dy = n > 1 ? y0 - r.y[1]! : 0;
                  return (
                    <text
                      x={x0 + dx * 1.6}
                      y={y0 + dy * 1.6}
                      font-size={unitsPerPx * 11}
                      text-anchor="middle"
                      dominant-baseline="central"
                      class="dz-label"
                    >
                      {r.label}
                    </text>
                  );
                })}
                {sel && pick.size > 0 && (
                  <path
                    d={dotsPath(s.rows, isPicked)}
                    stroke="#f59e0b"
                    stroke-width={sw * 1.2}
                    stroke-linecap="round"
                  />
                )}
                <SectionName rows={s.rows} name={s.name} at={s} unitsPerPx={unitsPerPx} />
              </g>
            );
          })}
          {box.value && (
            <rect
              x={Math.min(box.value.x, box.value.x + box.value.w)}
              y={Math.min(box.value.y, box.value.y + box.value.h)}
              width={Math.abs(box.value.w)}
              height={Math.abs(box.value.h)}
              fill="#f59e0b"
              fill-opacity="0.12"
              stroke="#b45309"
              stroke-width={unitsPerPx * 1.5}
              stroke-dasharray={`${unitsPerPx * 4} ${unitsPerPx * 3}`}
              data-testid="selection-box"
            />
          )}
          {preview && (
            <g class="dz-preview" onPointerDown={(e) => onDown(e, "preview")}>
              <path
                d={outlinePath(preview.rows)}
                fill="#f59e0b"
                fill-opacity="0.15"
                stroke="#f59e0b"
                stroke-width={unitsPerPx * 2}
              />
              <path
                d={dotsPath(preview.rows)}
                stroke="#b45309"
                stroke-width={dot}
                stroke-linecap="round"
              />
              <circle cx={preview.focal.x} cy={preview.focal.y} r={unitsPerPx * 5} fill="#dc2626" />
            </g>
          )}
        </svg>
        <aside class="dz-side">
          {adding.value === "seated" && (
            <form
              class="dz-form"
              aria-label="New seated section"
              onSubmit={async (e) => {
                e.preventDefault();
                const problem = patternError(p);
                if (problem) return void (message.value = { kind: "error", text: problem });
                if (
                  await send({
                    action: "add_seated",
                    name: name.value,
                    zone_id: zoneSel(e),
                    pattern: p,
                  }, `Section "${name.value}" added`)
                ) {
                  adding.value = "";
                }
              }}
            >
              <h2>New seated section</h2>
              <label class="dz-field">
                Section name
                <input
                  required
                  value={name.value}
                  onInput={(e) => (name.value = (e.target as HTMLInputElement).value)}
                />
              </label>
              <ZoneSelect zones={l?.zones ?? []} />
              {field("Rows", "rows")}
              {field("Seats per row", "seats_per_row")}
              {field("Extra seats each row", "seats_increment")}
              <label class="dz-field">
                Numbering
                <select
                  value={p.numbering}
                  onChange={(e) => setP("numbering", (e.target as HTMLSelectElement).value)}
                >
                  <option value="ltr">1, 2, 3 left to right</option>
                  <option value="rtl">Right to left</option>
                  <option value="odd_even">Odd left, even right</option>
                </select>
              </label>
              <label class="dz-field">
                Row labels
                <select
                  value={p.row_labels ?? "letters"}
                  onChange={(e) => setP("row_labels", (e.target as HTMLSelectElement).value)}
                >
                  <option value="letters">A, B, C (no I, O)</option>
                  <option value="numbers">1, 2, 3</option>
                </select>
              </label>
              {field("Seat spacing (m)", "seat_spacing", "0.05")}
              {field("Row spacing (m)", "row_spacing", "0.05")}
              {field("Position x", p.arc_radius != null ? "arc_center_x" : "origin_x", "0.1")}
              {field("Position y", p.arc_radius != null ? "arc_center_y" : "origin_y", "0.1")}
              {field("Rotation (°)", "rotation_deg")}
              {field("Arc radius (m, empty = straight)", "arc_radius", "0.5")}
              {field("Arc direction (°, 90 = south)", "arc_direction_deg")}
              {field("Focal point x", "focal_x", "0.1")}
              {field("Focal point y", "focal_y", "0.1")}
              <p class="dz-hint">
                {patternError(p) ??
                  `${preview?.count.toLocaleString("en")} seats · drag the preview to place it`}
              </p>
              <button type="submit" class="dz-primary">Save section</button>
              <button type="button" onClick={() => (adding.value = "")}>Cancel</button>
            </form>
          )}
          {adding.value === "standing" && (
            <form
              class="dz-form"
              aria-label="New standing section"
              onSubmit={async (e) => {
                e.preventDefault();
                const c = v.x + v.w / 2, d = v.y + v.h / 2;
                if (
                  await send({
                    action: "add_standing",
                    name: name.value,
                    capacity: capacity.value,
                    zone_id: zoneSel(e),
                    x: round1(c),
                    y: round1(d),
                  }, `Standing section "${name.value}" added`)
                ) {
                  adding.value = "";
                }
              }}
            >
              <h2>New standing section</h2>
              <label class="dz-field">
                Section name
                <input
                  required
                  value={name.value}
                  onInput={(e) => (name.value = (e.target as HTMLInputElement).value)}
                />
              </label>
              <label class="dz-field">
                Capacity
                <input
                  type="number"
                  value={capacity.value}
                  onInput={(e) => (capacity.value = Number((e.target as HTMLInputElement).value))}
                />
              </label>
              <ZoneSelect zones={l?.zones ?? []} />
              <p class="dz-hint">Placed at the centre of the view; drag it afterwards.</p>
              <button type="submit" class="dz-primary">Save section</button>
              <button type="button" onClick={() => (adding.value = "")}>Cancel</button>
            </form>
          )}
          {!adding.value && sec && (
            <div class="dz-form">
              <h2>{sec.name}</h2>
              <p class="dz-hint">
                {sec.kind} · {sec.capacity.toLocaleString("en")}{" "}
                places{sec.kind === "seated" ? ` · ${sec.rows.length} rows` : ""}
              </p>
              {canEdit && (
                <>
                  <label class="dz-field">
                    Price zone
                    <select
                      value={sec.zone_id ?? ""}
                      onChange={(e) =>
                        send({
                          action: "zone",
                          section_id: sec.id,
                          zone_id: (e.target as HTMLSelectElement).value || null,
                        }, "Price zone set")}
                    >
                      <option value="">None</option>
                      {l?.zones.map((z) => <option key={z.id} value={z.id}>{z.name}</option>)}
                    </select>
                  </label>
                  <label class="dz-field">
                    Turn (°)
                    <input
                      type="range"
                      min="-180"
                      max="180"
                      value={move.value.deg}
                      onInput={(
                        e,
                      ) => (move.value = {
                        ...move.value,
                        deg: Number((e.target as HTMLInputElement).value),
                      })}
                    />
                  </label>
                  <p class="dz-hint">
                    Drag the selected section to move it. Moved by ({move.value.dx},{" "}
                    {move.value.dy}), turned {move.value.deg}°.
                  </p>
                  <button
                    type="button"
                    class="dz-primary"
                    disabled={!move.value.dx && !move.value.dy && !move.value.deg}
                    onClick={async () => {
                      if (
                        await send({
                          action: "move",
                          section_id: sec.id,
                          dx: move.value.dx,
                          dy: move.value.dy,
                          rotate_deg: move.value.deg,
                        }, "Position saved")
                      ) {
                        move.value = { dx: 0, dy: 0, deg: 0 };
                      }
                    }}
                  >
                    Save position
                  </button>
                  {sec.kind === "seated" && (
                    <>
                      <p class="dz-hint" data-testid="selected">
                        Click seats (zoomed in) or rows (zoomed out, or shift-click), or shift-drag
                        a box, to select them: {selectedCount(sec.rows, pick).toLocaleString("en")}
                        {" "}
                        seats selected.
                      </p>
                      <div class="dz-row" style={{ alignItems: "end" }}>
                        <label class="dz-field">
                          Zone for selection
                          <select
                            value={seatZone.value}
                            onChange={(e) => seatZone.value = (e.target as HTMLSelectElement).value}
                          >
                            <option value="">Section's zone</option>
                            {l?.zones.map((z) => <option key={z.id} value={z.id}>{z.name}</option>)}
                          </select>
                        </label>
                        <button
                          type="button"
                          disabled={!pick.size}
                          onClick={async () => {
                            const zone = l?.zones.find((z) => z.id === seatZone.value);
                            if (
                              await send(
                                {
                                  action: "seat_zone",
                                  section_id: sec.id,
                                  seats: selection(),
                                  zone_id: seatZone.value || null,
                                },
                                `${
                                  selectedCount(sec.rows, pick).toLocaleString("en")
                                } seats now in ${zone ? zone.name : "the section's zone"}`,
                              )
                            ) picked.value = new Set();
                          }}
                        >
                          Set zone
                        </button>
                      </div>
                      {[...ownZoneCounts(sec.rows)].length > 0 && (
                        <ul class="dz-list" aria-label="Seats with their own zone">
                          {[...ownZoneCounts(sec.rows)].map(([id, n]) => (
                            <li key={id}>
                              <i style={{ background: zoneColor(id) }} /> {l?.zones.find((z) =>
                                z.id === id
                              )?.name}: {n.toLocaleString("en")} seats
                            </li>
                          ))}
                        </ul>
                      )}
                      {(["accessible", "restricted_view"] as const).map((a) => (
                        <div class="dz-row">
                          <button
                            type="button"
                            disabled={!pick.size}
                            onClick={() =>
                              send({
                                action: "attribute",
                                section_id: sec.id,
                                seats: selection(),
                                attribute: a,
                                on: true,
                              }, `Marked ${a.replace("_", " ")}`)}
                          >
                            Mark {a.replace("_", " ")}
                          </button>
                          <button
                            type="button"
                            disabled={!pick.size}
                            onClick={() =>
                              send({
                                action: "attribute",
                                section_id: sec.id,
                                seats: selection(),
                                attribute: a,
                                on: false,
                              }, `Unmarked ${a.replace("_", " ")}`)}
                          >
                            Unmark
                          </button>
                        </div>
                      ))}
                    </>
                  )}
                  <button
                    type="button"
                    class="dz-danger"
                    onClick={() =>
                      confirm(`Delete ${sec.name}?`) &&
                      send({ action: "delete", section_id: sec.id }, `Deleted ${sec.name}`).then(
                        () => (selected.value = null),
                      )}
                  >
                    Delete section
                  </button>
                </>
              )}
            </div>
          )}
          {!adding.value && !sec && (
            <div class="dz-form">
              <h2>Sections</h2>
              <ul class="dz-list">
                {l?.sections.map((s) => (
                  <li>
                    <button
                      type="button"
                      onClick={() => (selected.value = s.id, picked.value = new Set())}
                    >
                      <i style={{ background: zoneColor(s.zone_id) }} /> {s.name}
                    </button>{" "}
                    {s.capacity.toLocaleString("en")}
                  </li>
                ))}
              </ul>
              <h2>Price zones</h2>
              <ul class="dz-list">
                {l?.zones.map((z) => (
                  <li>
                    <i style={{ background: z.color }} /> {z.name}
                  </li>
                ))}
              </ul>
              {canEdit && (
                <form
                  class="dz-row"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const f = new FormData(e.currentTarget as HTMLFormElement);
                    send({
                      action: "add_zone",
                      name: f.get("zone"),
                      color: f.get("color"),
                      rank: (l?.zones.length ?? 0) + 1,
                    }, "Price zone added");
                  }}
                >
                  <input name="zone" placeholder="New zone" aria-label="New zone name" required />
                  <input name="color" type="color" value="#1d4ed8" aria-label="Zone colour" />
                  <button type="submit">Add</button>
                </form>
              )}
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}

function round1(v: number) {
  return Math.round(v * 10) / 10;
}

function zoneSel(e: Event): string | null {
  const s = (e.currentTarget as HTMLFormElement).querySelector<HTMLSelectElement>(
    "select[name=zone]",
  );
  return s?.value || null;
}

function ZoneSelect({ zones }: { zones: { id: string; name: string }[] }) {
  return (
    <label class="dz-field">
      Price zone
      <select name="zone">
        <option value="">None</option>
        {zones.map((z) => <option key={z.id} value={z.id}>{z.name}</option>)}
      </select>
    </label>
  );
}

/**
 * A seated section's name at its middle seat; turned upright along a section much taller
 * than wide (a side stand: lying flat, the stadium's Covered Stand ran over VIP's name).
 */
function SectionName(
  { rows, name, at, unitsPerPx }: {
    rows: { x: number[]; y: number[] }[];
    name: string;
    at: { x: number; y: number };
    unitsPerPx: number;
  },
) {
  const mid = rows[rows.length >> 1];
  const x = mid?.x[mid.x.length >> 1] ?? at.x;
  const y = mid?.y[mid.y.length >> 1] ?? at.y;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const r of rows) {
    for (const v of r.x) (x0 = Math.min(x0, v)), (x1 = Math.max(x1, v));
    for (const v of r.y) (y0 = Math.min(y0, v)), (y1 = Math.max(y1, v));
  }
  const font = unitsPerPx * 12;
  const upright = y1 - y0 > 1.5 * (x1 - x0);
  return (
    <text
      x={x}
      y={y}
      font-size={font}
      text-anchor="middle"
      class="dz-label"
      transform={upright ? `rotate(-90 ${x} ${y})` : undefined}
    >
      {name}
    </text>
  );
}
