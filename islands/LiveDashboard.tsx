// The live dashboard of one event: tiles, sales per minute (bars), check-ins per gate per
// minute (lines), and the section heatmap on the venue plan (sold / capacity). Server-rendered
// with the first stats; in the browser an EventSource on ./live/stream replaces the stats with
// each message. d3 computes scales and paths only; preact draws the SVG.
import { useEffect, useState } from "preact/hooks";
// @ts-types="npm:@types/d3-scale@4.0.9"
import { scaleBand, scaleLinear } from "d3-scale";
// @ts-types="npm:@types/d3-shape@3.1.7"
import { line } from "d3-shape";
import type { LiveStats, StreamMessage } from "../lib/dashboard/types.ts";
import { fill, minutes, money } from "../lib/dashboard/buckets.ts";
import type { LivePlan } from "../lib/admin/live_plan.ts";

interface Props {
  initial: LiveStats;
  streamUrl: string;
  /** The sections' shapes on the venue plan; null draws them as a grid of boxes. */
  plan?: LivePlan | null;
}

const GATE_COLOURS = ["#0369a1", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e"];
const heat = scaleLinear<string>().domain([0, 0.5, 0.9, 1]).range([
  "#e2e8f0",
  "#fde68a",
  "#f97316",
  "#b91c1c",
]).clamp(true);
const pct = (n: number, of: number) =>
  !of ? "—" : n && n * 1000 < of ? "<0.1%" : `${(Math.round((n / of) * 1000) / 10).toString()}%`;
const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

function Tile(p: { label: string; value: string; note?: string; id: string }) {
  return (
    <div class="rounded-lg border border-slate-200 bg-white p-3 shadow-sm">
      <div class="text-xs uppercase tracking-wide text-slate-500">{p.label}</div>
      <div
        class={`mt-1 font-semibold tabular-nums ${p.value.length > 9 ? "text-lg" : "text-2xl"}`}
        data-tile={p.id}
      >
        {p.value}
      </div>
      {p.note && <div class="text-xs text-slate-500">{p.note}</div>}
    </div>
  );
}

function SalesChart({ stats }: { stats: LiveStats }) {
  const range = minutes(stats.since, stats.now, 60);
  const values = fill(range, stats.sales_per_minute, (p) => p.tickets);
  const w = 600, h = 180, m = { l: 32, r: 8, t: 8, b: 22 };
  const x = scaleBand<number>().domain(range).range([m.l, w - m.r]).padding(0.15);
  const max = Math.max(1, ...values);
  const y = scaleLinear().domain([0, max]).nice().range([h - m.b, m.t]);
  const ticks = y.ticks(4).filter(Number.isInteger);
  return (
    <svg
      viewBox={`0 0 ${w} ${h}`}
      class="w-full h-auto"
      role="img"
      aria-label="Tickets sold per minute"
    >
      {ticks.map((t) => (
        <g key={t}>
          <line x1={m.l} x2={w - m.r} y1={y(t)} y2={y(t)} class="live-grid" />
          <text x={m.l - 4} y={y(t) + 4} text-anchor="end" class="live-axis">{t}</text>
        </g>
      ))}
      {range.map((t, i) =>
        values[i]
          ? (
            <rect
              key={t}
              x={x(t)}
              y={y(values[i]!)}
              width={x.bandwidth()}
              height={y(0) - y(values[i]!)}
              class="live-bar"
            >
              <title>{`${hhmm(t)} UTC: ${values[i]} tickets`}</title>
            </rect>
          )
          : null
      )}
      {range.filter((_, i) => (i % 10 === 0 && i < range.length - 5) || i === range.length - 1).map(
        (t, _, shown) => {
          const last = t === shown[shown.length - 1] && shown.length > 1; // kept inside the chart
          return (
            <text
              key={t}
              x={(x(t) ?? 0) + (last ? x.bandwidth() : x.bandwidth() / 2)}
              y={h - 6}
              text-anchor={last ? "end" : "middle"}
              class="live-axis"
            >
              {hhmm(t)}
            </text>
          );
        },
      )}
    </svg>
  );
}

function CheckinChart({ stats }: { stats: LiveStats }) {
  const gates = [
    ...new Set([...stats.gates, ...stats.checkins_per_gate_minute.map((c) => c.gate)]),
  ];
  if (stats.checkins_per_gate_minute.length === 0) {
    return (
      <p class="py-6 text-center text-sm text-slate-500">
        No data yet: no admissions in this window{gates.length
          ? ` (gates: ${gates.join(", ")})`
          : ""}.
      </p>
    );
  }
  const range = minutes(stats.since, stats.now, 60);
  const series = gates.map((g) =>
    fill(range, stats.checkins_per_gate_minute.filter((c) => c.gate === g), (c) => c.n)
  );
  const w = 600, h = 180, m = { l: 32, r: 8, t: 8, b: 22 };
  const x = scaleLinear().domain([range[0]!, range[range.length - 1]!]).range([m.l, w - m.r]);
  const y = scaleLinear().domain([0, Math.max(1, ...series.flat())]).nice().range([h - m.b, m.t]);
  const path = line<number>().x((_, i) => x(range[i]!)).y((v) => y(v));
  return (
    <div>
      <svg
        viewBox={`0 0 ${w} ${h}`}
        class="w-full h-auto"
        role="img"
        aria-label="Check-ins per gate per minute"
      >
        {y.ticks(4).filter(Number.isInteger).map((t) => (
          <g key={t}>
            <line x1={m.l} x2={w - m.r} y1={y(t)} y2={y(t)} class="live-grid" />
            <text x={m.l - 4} y={y(t) + 4} text-anchor="end" class="live-axis">{t}</text>
          </g>
        ))}
        {series.map((s, i) => (
          <path
            key={gates[i]}
            d={path(s) ?? ""}
            fill="none"
            stroke={GATE_COLOURS[i % GATE_COLOURS.length]}
            stroke-width="2"
          />
        ))}
        {x.ticks(6).map((t) => (
          <text key={+t} x={x(t)} y={h - 6} text-anchor="middle" class="live-axis">{hhmm(+t)}</text>
        ))}
      </svg>
      <ul class="flex flex-wrap gap-3 text-xs">
        {gates.map((g, i) => (
          <li key={g}>
            <span
              class="live-swatch"
              style={{ background: GATE_COLOURS[i % GATE_COLOURS.length] }}
            />{" "}
            {g}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Each section's shape on the venue plan, filled by its sold share, around the pitch or stage. */
function PlanHeatmap({ stats, plan }: { stats: LiveStats; plan: LivePlan }) {
  // Bigger sections first, so a block set into a stand (a VIP box) is drawn over it.
  const sections = [...stats.sections].sort((a, b) => b.capacity - a.capacity);
  return (
    <svg
      viewBox="0 0 200 200"
      class="w-full h-auto live-plan"
      role="img"
      aria-label="Sold share of each section on the venue plan"
    >
      <rect
        x={plan.centre.x}
        y={plan.centre.y}
        width={plan.centre.w}
        height={plan.centre.h}
        rx={2}
        fill="#dcfce7"
        stroke="#86efac"
        stroke-width="0.6"
      />
      {sections.map((d) => {
        const shape = plan.shapes[d.id];
        if (!shape) return null;
        const turn = shape.vertical ? `rotate(-90 ${shape.cx} ${shape.cy})` : undefined;
        return (
          <g key={d.id} data-section={d.name} data-sold={d.sold}>
            <path
              d={shape.path}
              fill={heat(d.capacity ? d.sold / d.capacity : 0)}
              stroke={heat(d.capacity ? d.sold / d.capacity : 0)}
              stroke-width={plan.pad}
              stroke-linejoin="round"
            />
            <path d={shape.path} fill="none" stroke="#334155" stroke-width="0.4" />
            <g transform={turn}>
              <text
                x={shape.cx}
                y={shape.cy - 1}
                text-anchor="middle"
                class="live-plan-name"
                style={{ fontSize: "5px" }}
              >
                {d.name}
              </text>
              <text
                x={shape.cx}
                y={shape.cy + 5}
                text-anchor="middle"
                class="live-plan-pct"
                style={{ fontSize: "5px" }}
              >
                {pct(d.sold, d.capacity)}
              </text>
            </g>
            <title>{`${d.name}: ${d.sold} sold, ${d.held} held of ${d.capacity}`}</title>
          </g>
        );
      })}
    </svg>
  );
}

function Heatmap({ stats, plan }: { stats: LiveStats; plan?: LivePlan | null | undefined }) {
  const all = stats.sections;
  if (all.length === 0) return <p class="text-sm text-slate-500">No sections.</p>;
  if (plan && all.every((d) => plan.shapes[d.id])) return <PlanHeatmap stats={stats} plan={plan} />;
  // The venue plan's positions; when sections share a position, a grid instead.
  const distinct = new Set(all.map((d) => `${Math.round(d.x / 10)},${Math.round(d.y / 10)}`)).size;
  const cols = Math.ceil(Math.sqrt(all.length));
  const s = distinct === all.length
    ? all
    : all.map((d, i) => ({ ...d, x: (i % cols) * 200, y: Math.floor(i / cols) * 140 }));
  const xs = s.map((d) => d.x), ys = s.map((d) => d.y);
  const gap = distinct === all.length
    ? Math.max(
      60,
      Math.min(
        ...s.flatMap((a, i) => s.slice(i + 1).map((b) => Math.hypot(a.x - b.x, a.y - b.y))),
        400,
      ),
    )
    : 200;
  const w = gap * 0.9, h = Math.min(gap * 0.62, 130);
  const [x0, x1] = [Math.min(...xs) - w / 2 - 10, Math.max(...xs) + w / 2 + 10];
  const [y0, y1] = [Math.min(...ys) - h / 2 - 10, Math.max(...ys) + h / 2 + 10];
  // One type size for every section, the one the longest name fits at.
  const font = Math.min(h / 4, ...s.map((d) => (w * 1.3) / Math.max(6, d.name.length)));
  return (
    <svg
      viewBox={`${x0} ${y0} ${x1 - x0} ${y1 - y0}`}
      class="w-full h-auto live-plan"
      role="img"
      aria-label="Sold share of each section on the venue plan"
    >
      {s.map((d) => {
        const share = d.capacity ? d.sold / d.capacity : 0;
        return (
          <g key={d.id} data-section={d.name} data-sold={d.sold}>
            <rect
              x={d.x - w / 2}
              y={d.y - h / 2}
              width={w}
              height={h}
              rx={8}
              fill={heat(share)}
              stroke="#334155"
              stroke-width="1.5"
            />
            <text
              x={d.x}
              y={d.y - h / 12}
              text-anchor="middle"
              class="live-plan-name"
              style={{ fontSize: `${font}px` }}
            >
              {d.name}
            </text>
            <text
              x={d.x}
              y={d.y + h / 4}
              text-anchor="middle"
              class="live-plan-pct"
              style={{ fontSize: `${font}px` }}
            >
              {pct(d.sold, d.capacity)}
            </text>
            <title>{`${d.name}: ${d.sold} sold, ${d.held} held of ${d.capacity}`}</title>
          </g>
        );
      })}
    </svg>
  );
}

export default function LiveDashboard({ initial, streamUrl, plan }: Props) {
  const [stats, setStats] = useState(initial);
  const [state, setState] = useState<"connecting" | "live" | "offline">("connecting");
  const [flash, setFlash] = useState("");
  useEffect(() => {
    const source = new EventSource(streamUrl);
    source.addEventListener("open", () => setState("live"));
    source.addEventListener("error", () => setState("offline"));
    source.addEventListener("stats", (e) => {
      const message = JSON.parse((e as MessageEvent<string>).data) as StreamMessage;
      setStats(message.stats);
      setState("live");
      if (message.kinds.length) setFlash(message.kinds.join(", "));
    });
    return () => source.close();
  }, [streamUrl]);

  const pf = stats.payment_failures;
  const capacity = stats.sections.reduce((n, s) => n + s.capacity, 0);
  return (
    <div class="space-y-4">
      <p class="text-sm text-slate-600" aria-live="polite" data-live-state={state}>
        <span class={`live-dot live-${state}`} />{" "}
        {state === "live" ? "Live" : state === "offline" ? "Reconnecting…" : "Connecting…"}
        {flash && <span class="text-slate-500">{` · last change: ${flash}`}</span>} · updated{" "}
        {new Date(stats.now).toISOString().slice(11, 19)} UTC
      </p>
      <div class="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
        <Tile
          id="tickets"
          label="Tickets sold"
          value={String(stats.totals.tickets)}
          note={`of ${capacity.toLocaleString("en")} · ${stats.totals.orders} order${
            stats.totals.orders === 1 ? "" : "s"
          }`}
        />
        <Tile
          id="revenue"
          label="Revenue"
          value={stats.revenue === null
            ? "—"
            : stats.revenue.length
            ? stats.revenue.map((r) => money(r.total_minor, r.currency)).join(" · ")
            : "No data yet"}
          note={stats.revenue === null ? "Hidden for your role" : "Paid orders, by currency"}
        />
        <Tile
          id="inside"
          label="People inside now"
          value={stats.scans ? String(stats.inside) : "No data yet"}
          note={`${stats.scans} scans`}
        />
        <Tile
          id="duplicates"
          label="Offline duplicates"
          value={stats.scans ? String(stats.offline_duplicates) : "No data yet"}
        />
        <Tile
          id="failures"
          label="Payment failures"
          value={pf === null ? "—" : stats.payment_attempts ? String(pf.count) : "No data yet"}
          note={pf === null
            ? "Hidden for your role"
            : pf.by_reason.slice(0, 2).map((r) => `${r.reason}: ${r.n}`).join(", ") ||
              `${stats.payment_attempts ?? 0} attempts`}
        />
        <Tile
          id="capacity"
          label="Sold vs capacity"
          value={pct(stats.totals.tickets, capacity)}
        />
      </div>
      <div class="grid gap-4 lg:grid-cols-2">
        <section class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <h2 class="mb-2 font-semibold">Tickets sold per minute</h2>
          <SalesChart stats={stats} />
        </section>
        <section class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <h2 class="mb-2 font-semibold">Check-ins per gate per minute</h2>
          <CheckinChart stats={stats} />
        </section>
      </div>
      <section class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
        <h2 class="mb-2 font-semibold">Sold vs capacity by section</h2>
        <div class="grid gap-4 lg:grid-cols-3">
          <div class="lg:col-span-2">
            <Heatmap stats={stats} plan={plan} />
          </div>
          <table class="w-full self-start text-sm">
            <thead>
              <tr class="text-left text-slate-500">
                <th class="py-1">Section</th>
                <th class="py-1 text-right">Sold</th>
                <th class="py-1 text-right">Held</th>
                <th class="py-1 text-right">Capacity</th>
              </tr>
            </thead>
            <tbody>
              {stats.sections.map((s) => (
                <tr key={s.id} class="border-t border-slate-100" data-section-row={s.name}>
                  <td class="py-1">
                    <span
                      class="live-swatch"
                      style={{ background: heat(s.capacity ? s.sold / s.capacity : 0) }}
                    />{" "}
                    {s.name}
                  </td>
                  <td class="py-1 text-right tabular-nums">{s.sold}</td>
                  <td class="py-1 text-right tabular-nums">{s.held}</td>
                  <td class="py-1 text-right tabular-nums">{s.capacity.toLocaleString("en")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
