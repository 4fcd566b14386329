import { useComputed, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

export interface MapSection {
  id: string;
  name: string;
  kind: string;
  zone: string | null;
  color: string;
  free: number;
  capacity: number;
  /** Label position in the overview's 200 × 200 box. */
  cx: number;
  cy: number;
  /** The section's outline as an SVG path in that box; null: drawn as a sized circle. */
  shape: string | null;
  /** The name is written along a tall section, turned a quarter. */
  vertical: boolean;
  /** Price per ticket type id in this section's zone (minor units). */
  prices: Record<string, number>;
}

export interface SeatMapProps {
  slug: string;
  csrf: string;
  currency: string;
  centre: string;
  /** The pitch or stage in the overview box; null: a plain block in the middle. */
  field: { x: number; y: number; w: number; h: number } | null;
  /** Stroke that pads outlines drawn through seat centres. */
  pad: number;
  sections: MapSection[];
  types: { id: string; name: string; max: number }[];
  zones: { id: string; name: string }[];
  /** Price per ticket type id per zone id (minor units): seats priced in their own zone. */
  zonePrices: Record<string, Record<string, number>>;
  /** Preselected section (from ?section= or the last form). */
  where: string;
  error: string | null;
}

interface Seats {
  ids: number[];
  rows: string[];
  numbers: string[];
  x: number[];
  y: number[];
  attributes: (string | null)[];
  status: string;
  /** Each seat's price zone id (its own, else its section's), when the server sends it. */
  zones?: (string | null)[];
}

const money = (minor: number, currency: string) =>
  new Intl.NumberFormat("en-ZW", { style: "currency", currency }).format(minor / 100);
const taken = "#cbd5e1";

/** A section name's place in the 200 × 200 overview, kept inside it (about 0.6 em a letter). */
function labelAt(sec: MapSection): { x: number; y: number } {
  const half = (sec.name.length * (sec.shape ? 6 : 7) * 0.6) / 2 + 2;
  const keep = (v: number) => Math.min(200 - half, Math.max(half, v));
  return sec.vertical ? { x: sec.cx, y: keep(sec.cy) } : { x: keep(sec.cx), y: sec.cy };
}

// A section's seats (labels, positions) are fetched once per page; on every change only their
// statuses, one character per seat, which the server shares among all buyers for a second.
const layouts = new Map<string, Omit<Seats, "status">>();

/** The venue as SVG: sections first, one section's seats on demand, pick or best available. */
export default function SeatMap(props: SeatMapProps) {
  const open = useSignal<MapSection | null>(null);
  const seats = useSignal<Seats | null>(null);
  const picked = useSignal<number[]>([]); // indexes into seats
  const row = useSignal("");
  const type = useSignal(props.types[0]?.id ?? "");
  const note = useSignal(props.error);
  const price = useComputed(() => open.value?.prices[type.value] ?? null);

  async function load(section: MapSection, keep: boolean) {
    let layout = layouts.get(section.id);
    const [layoutRes, statusRes] = await Promise.all([
      layout ? null : fetch(`/seatmap/${section.id}/seats`),
      fetch(`/seatmap/${section.id}/status`),
    ]);
    for (const res of [layoutRes, statusRes]) {
      if (res && !res.ok) return void (note.value = (await res.json()).message);
    }
    if (layoutRes) layouts.set(section.id, layout = await layoutRes.json());
    const data: Seats = { ...layout!, status: (await statusRes.json()).status };
    if (open.value?.id !== section.id) return;
    const lost = keep ? picked.value.filter((i) => data.status[i] !== "f") : [];
    if (lost.length) {
      note.value = `${lost.map((i) => `Row ${data.rows[i]} seat ${data.numbers[i]}`).join(", ")} ${
        lost.length > 1 ? "were" : "was"
      } just taken by someone else`;
      picked.value = picked.value.filter((i) => !lost.includes(i));
    }
    seats.value = data;
    if (!keep) row.value = data.rows[data.status.indexOf("f")] ?? data.rows[0] ?? "";
  }
  function choose(section: MapSection) {
    if (section.kind !== "seated") {
      note.value = `${section.name} is standing: buy standing tickets on the event page`;
      return;
    }
    open.value = section;
    seats.value = null;
    picked.value = [];
    note.value = null;
    load(section, false);
  }
  // Seats taken by others show up at once through Server-Sent Events (NOTIFY from the
  // database); polling every 5 s is the fallback while the stream is down, and every 30 s
  // otherwise (holds that lapse on their own send no event).
  useEffect(() => {
    const refresh = () => open.value && seats.value && load(open.value, true);
    let live: EventSource | undefined;
    if (typeof EventSource !== "undefined") {
      live = new EventSource(`/live/events/${props.slug}`);
      live.addEventListener("seats", (e) => {
        const changed = JSON.parse((e as MessageEvent).data) as Record<string, number[]>;
        if (open.value && open.value.id in changed) refresh();
      });
    }
    let last = 0;
    const timer = setInterval(() => {
      const streaming = live?.readyState === 1;
      if (Date.now() - last >= (streaming ? 30000 : 5000)) {
        last = Date.now();
        refresh();
      }
    }, 5000);
    return () => {
      clearInterval(timer);
      live?.close();
    };
  }, []);

  function toggle(i: number) {
    const s = seats.value;
    if (!s || s.status[i] !== "f") return;
    row.value = s.rows[i]!;
    picked.value = picked.value.includes(i)
      ? picked.value.filter((p) => p !== i)
      : [...picked.value, i].slice(-20);
  }
  // A seat's price: its own zone's price for the ticket type, else the section's.
  const seatPrice = (s: Seats, i: number): number | null => {
    const zone = s.zones?.[i];
    return zone ? props.zonePrices[zone]?.[type.value] ?? null : price.value;
  };
  const label = (s: Seats, i: number) =>
    `Row ${s.rows[i]} seat ${s.numbers[i]}${
      seatPrice(s, i) !== null ? `, ${money(seatPrice(s, i)!, props.currency)}` : ""
    }${s.attributes[i]?.includes("accessible") ? ", accessible" : ""}${
      s.status[i] === "f" ? "" : ", taken"
    }`;

  const s = seats.value;
  let box = "0 0 1 1";
  if (s) {
    const pad = 2;
    const [x0, x1, y0, y1] = [
      Math.min(...s.x),
      Math.max(...s.x),
      Math.min(...s.y),
      Math.max(...s.y),
    ];
    box = `${x0 - pad} ${y0 - pad} ${x1 - x0 + 2 * pad} ${y1 - y0 + 2 * pad}`;
  }
  const rowSeats = s ? s.rows.flatMap((r, i) => (r === row.value ? [i] : [])) : [];
  const rowNames = s ? [...new Set(s.rows)] : [];
  const prices = s ? picked.value.map((i) => seatPrice(s, i)) : [];
  const total = prices.every((p) => p !== null)
    ? prices.reduce<number>((sum, p) => sum + p!, 0)
    : null;

  return (
    <div>
      <svg
        viewBox="0 0 200 200"
        class="w-full max-w-md mx-auto block"
        role="img"
        aria-label="Venue map"
      >
        {(() => {
          const f = props.field ?? { x: 70, y: 75, w: 60, h: 50 };
          return (
            <>
              <rect x={f.x} y={f.y} width={f.w} height={f.h} rx="3" fill="#d9f99d" />
              <text
                x={f.x + f.w / 2}
                y={f.y + f.h / 2 + 2.5}
                text-anchor="middle"
                font-size={Math.min(8, Math.max(5, f.h * 0.6))}
                fill="#365314"
              >
                {props.centre}
              </text>
            </>
          );
        })()}
        {/* largest first: a block set into a bigger stand's rows is drawn over it */}
        {[...props.sections].sort((a, b) => b.capacity - a.capacity).map((sec) => (
          <g
            key={sec.id}
            onClick={() => choose(sec)}
            class="cursor-pointer"
          >
            {sec.shape
              ? (
                <path
                  d={sec.shape}
                  data-section={sec.name}
                  fill={sec.free > 0 ? sec.color : taken}
                  stroke={open.value?.id === sec.id ? "#0f172a" : sec.free > 0 ? sec.color : taken}
                  stroke-width={props.pad}
                  stroke-linejoin="round"
                />
              )
              : (
                <circle
                  cx={sec.cx}
                  cy={sec.cy}
                  r={Math.max(13, Math.min(26, Math.sqrt(sec.capacity) / 7))}
                  data-section={sec.name}
                  fill={sec.free > 0 ? sec.color : taken}
                  stroke={open.value?.id === sec.id ? "#0f172a" : "#fff"}
                  stroke-width="2"
                />
              )}
            <text
              x={labelAt(sec).x}
              y={labelAt(sec).y + 2.5}
              transform={sec.vertical
                ? `rotate(-90 ${labelAt(sec).x} ${labelAt(sec).y})`
                : undefined}
              text-anchor="middle"
              font-size={sec.shape ? 6 : 7}
              font-weight="700"
              fill="#0f172a"
              stroke="#fff"
              stroke-width="2"
              paint-order="stroke"
            >
              {sec.name}
            </text>
          </g>
        ))}
      </svg>
      <ul class="mt-3 grid gap-2 sm:grid-cols-2" aria-label="Sections">
        {props.sections.map((sec) => (
          <li key={sec.id}>
            <a
              href={sec.kind === "seated" ? `?section=${sec.id}#best` : `/e/${props.slug}#buy`}
              onClick={(e) => (e.preventDefault(), choose(sec))}
              aria-current={open.value?.id === sec.id ? "true" : undefined}
              class="flex items-center gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm"
            >
              <span
                class="w-3 h-3 rounded-full shrink-0"
                style={{ background: sec.free > 0 ? sec.color : taken }}
              />
              <span class="flex-1 font-semibold">{sec.name}</span>
              <span class="text-slate-600">
                {sec.free > 0 ? `${sec.free.toLocaleString("en")} left` : "Sold out"}
                {sec.kind === "standing" && " · standing"}
              </span>
            </a>
          </li>
        ))}
      </ul>
      {note.value && (
        <p
          role="alert"
          class="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800"
        >
          {note.value}
        </p>
      )}
      <form
        method="post"
        action={`/e/${props.slug}/seats`}
        id="best"
        class="mt-4 rounded-xl border border-slate-200 bg-white p-4"
      >
        <input type="hidden" name="_csrf" value={props.csrf} />
        <label class="block text-sm font-medium">
          Ticket type
          <select
            name="ticket_type"
            class="mt-1 w-full rounded-md border border-slate-300 bg-white px-2 py-1.5"
            onChange={(e) => (type.value = e.currentTarget.value)}
          >
            {props.types.map((t) => (
              <option value={t.id} selected={t.id === type.value}>{t.name}</option>
            ))}
          </select>
        </label>
        {open.value && (
          <div class="sm-open">
            <h2 class="sm-title">{open.value.name}</h2>
            {!s ? <p class="sm-note">Loading seats…</p> : (
              <>
                <svg
                  viewBox={box}
                  class="sm-seats"
                  aria-hidden="true"
                  onClick={(e) =>
                    toggle(Number((e.target as Element).getAttribute("data-i") ?? -1))}
                >
                  {s.ids.map((_, i) => {
                    const fill = picked.value.includes(i)
                      ? "#f59e0b"
                      : s.status[i] === "f"
                      ? open.value!.color
                      : taken;
                    return s.attributes[i]?.includes("accessible")
                      ? (
                        <rect
                          data-i={i}
                          x={s.x[i]! - 0.45}
                          y={s.y[i]! - 0.45}
                          width="0.9"
                          height="0.9"
                          fill={fill}
                          stroke="#0f172a"
                          stroke-width="0.15"
                        />
                      )
                      : <circle key={i} data-i={i} cx={s.x[i]} cy={s.y[i]} r="0.45" fill={fill} />;
                  })}
                </svg>
                <p class="sm-legend">
                  <span>
                    <span
                      class="sm-dot"
                      style={{ background: open.value.color }}
                    />{" "}
                    Free
                  </span>
                  <span>
                    <span
                      class="sm-dot"
                      style={{ background: taken }}
                    />{" "}
                    Taken
                  </span>
                  <span>
                    <span class="sm-dot sm-mine" /> Your pick
                  </span>
                  <span>
                    <span class="sm-dot sm-acc" /> Accessible
                  </span>
                </p>
                <label class="sm-row">
                  Row
                  <select
                    class="sm-select"
                    value={row.value}
                    onChange={(e) => (row.value = e.currentTarget.value)}
                  >
                    {rowNames.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </label>
                <ul class="sm-buttons" aria-label={`Seats in row ${row.value}`}>
                  {rowSeats.map((i) => (
                    <li key={s.ids[i]}>
                      <button
                        type="button"
                        aria-label={label(s, i)}
                        aria-pressed={picked.value.includes(i)}
                        disabled={s.status[i] !== "f"}
                        onClick={() => toggle(i)}
                        class={s.attributes[i]?.includes("accessible")
                          ? "sm-seat sm-acc"
                          : "sm-seat"}
                      >
                        {s.numbers[i]}
                      </button>
                    </li>
                  ))}
                </ul>
                {picked.value.map((i) => (
                  <input key={i} type="hidden" name="seat" value={s.ids[i]} />
                ))}
                <p class="sm-total" aria-live="polite">
                  {picked.value.length === 0
                    ? "Tap seats to pick them"
                    : `${picked.value.length} seat${picked.value.length > 1 ? "s" : ""}: ${
                      picked.value.map((i) => `${s.rows[i]}${s.numbers[i]}`).join(", ")
                    }${total !== null ? ` · ${money(total, props.currency)}` : ""}`}
                </p>
                <button
                  type="submit"
                  name="action"
                  value="pick"
                  disabled={picked.value.length === 0}
                  class="sm-hold"
                >
                  Hold these seats
                </button>
              </>
            )}
          </div>
        )}
        <fieldset class="mt-4 border-t border-slate-200 pt-3">
          <legend class="font-bold">Best available</legend>
          <div class="flex gap-2 mt-1">
            <label class="text-sm font-medium">
              Seats
              <select
                name="quantity"
                class="block rounded-md border border-slate-300 bg-white px-2 py-1.5"
              >
                {Array.from(
                  { length: 10 },
                  (_, n) => <option key={n} value={n + 1} selected={n === 1}>{n + 1}</option>,
                )}
              </select>
            </label>
            <label class="flex-1 text-sm font-medium">
              Where
              <select
                name="where"
                class="block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5"
              >
                <option value="">Best in the venue</option>
                {props.zones.map((z) => (
                  <option value={`zone:${z.id}`} selected={props.where === `zone:${z.id}`}>
                    {z.name} (any section)
                  </option>
                ))}
                {props.sections.filter((x) => x.kind === "seated").map((x) => (
                  <option
                    value={`section:${x.id}`}
                    selected={open.value
                      ? open.value.id === x.id
                      : props.where === `section:${x.id}`}
                  >
                    {x.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <button
            type="submit"
            name="action"
            value="best"
            class="mt-3 w-full rounded-md bg-slate-900 px-4 py-2.5 font-semibold text-white"
          >
            Best available{open.value ? ` in ${open.value.name}` : ""}
          </button>
        </fieldset>
      </form>
    </div>
  );
}
