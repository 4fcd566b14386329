// Check-in setup of one event: gates, check-in lists (who enters where, single entry or
// re-entry, time window), pairing codes for scanner devices (code + QR of the pairing URL),
// the devices with last seen and revoke, and the offline duplicates report. Every form posts
// here with an `action` and comes back with 303; the rules are the api functions'.
import { Head, page, type PageProps } from "../../../../lib/fresh/mod.ts";
import { ApiError, type JwtClaims, rpc } from "../../../../lib/rest/mod.ts";
import { formatDateTime } from "../../../../lib/format.ts";
import { qrSvg } from "../../../../lib/tickets/qr.ts";

/** What routes/admin/_middleware.ts puts into ctx.state (typed here, per its contract). */
export interface StaffState {
  staff: {
    userId: string;
    orgId: string;
    role: string;
    email: string;
    name: string;
    claims: JwtClaims;
    csrf?: string;
    permissions?: Record<string, boolean>;
  };
}

interface Ctx {
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: StaffState;
}

export interface Setup {
  event: { id: string; name: string; starts_at: string; status: string };
  gates: { id: string; name: string; sort: number }[];
  lists: {
    id: string;
    name: string;
    mode: "single" | "reentry";
    ticket_type_ids: string[];
    section_ids: string[];
    gate_ids: string[];
    valid_from: string | null;
    valid_until: string | null;
  }[];
  ticket_types: { id: string; name: string; kind: string }[];
  sections: { id: string; name: string }[];
  devices: {
    id: string;
    name: string;
    gate: string;
    paired_at: string;
    last_seen_at: string;
    revoked_at: string | null;
    scans: number;
  }[];
  pairings: { code: string; code_display: string; gate: string; expires_at: string }[];
  stats: { admitted: number; inside: number };
  duplicates: number;
}

export interface Conflicts {
  count: number;
  items: {
    scan_id: string;
    result: string;
    reason: string | null;
    scanned_at: string;
    device: string;
    gate: string | null;
    attendee_name: string | null;
    order_code: string | null;
    standing: { scanned_at: string; device: string; gate: string | null } | null;
  }[];
}

interface Data {
  setup: Setup;
  conflicts: Conflicts;
  qrs: Record<string, string>;
  pairUrl: string;
  message: string;
  error: string;
  csrf: string;
  /** manage_check_in: gates and lists; without it (door staff) only devices and reports. */
  manage: boolean;
  now: number;
}

const str = (f: FormData, k: string) => String(f.get(k) ?? "").trim();
const time = (f: FormData, k: string) => str(f, k) ? new Date(str(f, k)).toISOString() : null;

export const handler = {
  async GET(ctx: Ctx) {
    const claims = ctx.state.staff.claims;
    const eventId = ctx.params.id!;
    let setup: Setup;
    let conflicts: Conflicts;
    try {
      [setup, conflicts] = await Promise.all([
        rpc<Setup>("check_in_setup", { event_id: eventId }, { claims }),
        rpc<Conflicts>("offline_conflicts", { event_id: eventId }, { claims }),
      ]);
    } catch (e) {
      if (e instanceof ApiError) {
        return new Response(e.message, {
          status: e.status,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      throw e;
    }
    const pairUrl = `${ctx.url.origin}/scan/?pair=`;
    const qrs: Record<string, string> = {};
    for (const p of setup.pairings) {
      qrs[p.code] = await qrSvg(pairUrl + p.code_display, { title: `Pair with ${p.code_display}` });
    }
    return page<Data>({
      setup,
      conflicts,
      qrs,
      pairUrl,
      message: ctx.url.searchParams.get("ok") ?? "",
      error: ctx.url.searchParams.get("error") ?? "",
      csrf: ctx.state.staff.csrf ?? "",
      manage: ctx.state.staff.permissions?.manage_check_in === true,
      now: Date.now(),
    });
  },

  async POST(ctx: Ctx) {
    const claims = ctx.state.staff.claims;
    const eventId = ctx.params.id!;
    const form = await ctx.req.formData();
    const back = (q: Record<string, string>) =>
      new Response(null, {
        status: 303,
        headers: { location: `/admin/events/${eventId}/check-in?${new URLSearchParams(q)}` },
      });
    try {
      switch (str(form, "action")) {
        case "add_gate":
          await rpc("save_gate", {
            event_id: eventId,
            name: str(form, "name"),
            gate_id: null,
            sort: Number(str(form, "sort") || 0),
          }, { claims });
          return back({ ok: `Gate "${str(form, "name")}" added` });
        case "save_list":
          await rpc("save_check_in_list", {
            event_id: eventId,
            name: str(form, "name"),
            mode: str(form, "mode") || "single",
            ticket_type_ids: form.getAll("ticket_type_ids").map(String),
            section_ids: form.getAll("section_ids").map(String),
            gate_ids: form.getAll("gate_ids").map(String),
            valid_from: time(form, "valid_from"),
            valid_until: time(form, "valid_until"),
            list_id: str(form, "list_id") || null,
          }, { claims });
          return back({ ok: `Check-in list "${str(form, "name")}" saved` });
        case "delete_list":
          await rpc("delete_check_in_list", { list_id: str(form, "list_id") }, { claims });
          return back({ ok: "Check-in list deleted" });
        case "pair": {
          const p = await rpc<{ code_display: string }>("create_pairing_code", {
            event_id: eventId,
            gate_id: str(form, "gate_id"),
            minutes: Number(str(form, "minutes") || 15),
          }, { claims });
          return back({ ok: `Pairing code ${p.code_display} created` });
        }
        case "revoke":
          await rpc("revoke_device", { device_id: str(form, "device_id") }, { claims });
          return back({ ok: "Device revoked: it can no longer scan" });
        default:
          return back({ error: "Unknown action" });
      }
    } catch (e) {
      if (e instanceof ApiError) return back({ error: e.message });
      throw e;
    }
  },
};

const card = "rounded-lg border border-slate-200 bg-white p-4 shadow-sm mb-4";
const btn = "rounded bg-sky-700 px-3 py-2 text-sm font-semibold text-white hover:bg-sky-800";
const btnGhost = "rounded border border-slate-300 px-3 py-2 text-sm hover:bg-slate-50";
const field = "rounded border border-slate-300 px-2 py-1.5 text-sm";
const th = "px-2 py-1 text-left text-xs font-semibold uppercase text-slate-500";
const td = "px-2 py-1.5 text-sm border-t border-slate-100";

function Csrf({ token }: { token: string }) {
  return token ? <input type="hidden" name="_csrf" value={token} /> : null;
}

function names(ids: string[], all: { id: string; name: string }[], none: string) {
  return ids.length === 0
    ? none
    : ids.map((id) => all.find((x) => x.id === id)?.name ?? "?").join(", ");
}

export default function CheckInPage({ data }: PageProps<Data>) {
  const { setup: s, conflicts, qrs, csrf, manage } = data;
  // A device that said hello (or scanned) in the last two minutes counts as online.
  const online = (d: Setup["devices"][number]) =>
    !d.revoked_at && data.now - Date.parse(d.last_seen_at) < 120_000;
  return (
    <div>
      <Head>
        <title>Check-in · {s.event.name}</title>
      </Head>
      <p class="mb-2 text-sm">
        <a href={`/admin/events/${s.event.id}`} class="text-sky-700 hover:underline">
          ← {s.event.name}
        </a>
      </p>
      <h1 class="mb-1 text-2xl font-bold">Check-in</h1>
      <p class="mb-4 text-sm text-slate-600">
        {formatDateTime(s.event.starts_at)} · admitted {s.stats.admitted} · inside now{" "}
        {s.stats.inside} · offline duplicates{" "}
        <strong class={s.duplicates ? "text-red-700" : ""}>{s.duplicates}</strong>
      </p>
      {data.message && (
        <p class="mb-4 rounded bg-green-50 p-3 text-sm text-green-800" role="status">
          {data.message}
        </p>
      )}
      {data.error && (
        <p class="mb-4 rounded bg-red-50 p-3 text-sm text-red-800" role="alert">{data.error}</p>
      )}

      <section class={card}>
        <h2 class="mb-3 text-lg font-semibold">Gates</h2>
        <ul class="mb-3 flex flex-wrap gap-2">
          {s.gates.map((g) => (
            <li key={g.id} class="rounded-full bg-slate-100 px-3 py-1 text-sm">{g.name}</li>
          ))}
          {s.gates.length === 0 && (
            <li class="text-sm text-slate-500">No gates yet: add one to pair devices.</li>
          )}
        </ul>
        {manage && (
          <form method="post" class="flex flex-wrap items-end gap-2">
            <Csrf token={csrf} />
            <input type="hidden" name="action" value="add_gate" />
            <label class="grid text-sm">
              Name{" "}
              <input name="name" required maxLength={60} class={field} placeholder="North Gate" />
            </label>
            <label class="grid text-sm">
              Order{" "}
              <input
                name="sort"
                type="number"
                value={String(s.gates.length + 1)}
                class={`${field} w-20`}
              />
            </label>
            <button type="submit" class={btn}>Add gate</button>
          </form>
        )}
      </section>

      <section class={card}>
        <h2 class="mb-1 text-lg font-semibold">Check-in lists</h2>
        <p class="mb-3 text-sm text-slate-600">
          Without lists every admission ticket enters once at any gate. Empty choices mean "all".
        </p>
        {s.lists.length > 0 && (
          <div class="mb-4 overflow-x-auto">
            <table class="w-full">
              <thead>
                <tr>
                  <th class={th}>List</th>
                  <th class={th}>Tickets</th>
                  <th class={th}>Sections</th>
                  <th class={th}>Gates</th>
                  <th class={th}>Entry</th>
                  <th class={th}>Window</th>
                  <th class={th}></th>
                </tr>
              </thead>
              <tbody>
                {s.lists.map((l) => (
                  <tr key={l.id}>
                    <td class={td}>{l.name}</td>
                    <td class={td}>{names(l.ticket_type_ids, s.ticket_types, "All admissions")}</td>
                    <td class={td}>{names(l.section_ids, s.sections, "All")}</td>
                    <td class={td}>{names(l.gate_ids, s.gates, "All")}</td>
                    <td class={td}>
                      {l.mode === "reentry" ? "Entry/exit, re-entry" : "Single entry"}
                    </td>
                    <td class={td}>
                      {l.valid_from ? formatDateTime(l.valid_from) : "—"} →{" "}
                      {l.valid_until ? formatDateTime(l.valid_until) : "—"}
                    </td>
                    <td class={td}>
                      {manage && (
                        <form method="post">
                          <Csrf token={csrf} />
                          <input type="hidden" name="action" value="delete_list" />
                          <input type="hidden" name="list_id" value={l.id} />
                          <button type="submit" class="text-sm text-red-700 hover:underline">
                            Delete
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {manage && (
          <form method="post" class="grid gap-3 sm:grid-cols-2">
            <Csrf token={csrf} />
            <input type="hidden" name="action" value="save_list" />
            <label class="grid text-sm">
              Name{" "}
              <input name="name" required maxLength={80} class={field} placeholder="Main stand" />
            </label>
            <label class="grid text-sm">
              Entry
              <select name="mode" class={field}>
                <option value="single">Single entry</option>
                <option value="reentry">Entry/exit with re-entry</option>
              </select>
            </label>
            <Choices label="Ticket types" name="ticket_type_ids" options={s.ticket_types} />
            <Choices label="Sections" name="section_ids" options={s.sections} />
            <Choices label="Gates" name="gate_ids" options={s.gates} />
            <div class="grid gap-2">
              <label class="grid text-sm">
                Valid from <input name="valid_from" type="datetime-local" class={field} />
              </label>
              <label class="grid text-sm">
                Valid until <input name="valid_until" type="datetime-local" class={field} />
              </label>
            </div>
            <div>
              <button type="submit" class={btn}>Save list</button>
            </div>
          </form>
        )}
      </section>

      <section class={card}>
        <h2 class="mb-1 text-lg font-semibold">Pair a scanner device</h2>
        <p class="mb-3 text-sm text-slate-600">
          Door staff open <code>/scan</code>{" "}
          on a phone and enter the code, or scan the QR code with the phone's camera.
        </p>
        {s.gates.length === 0 && (
          <p class="mb-4 text-sm text-slate-500">
            Devices pair to a gate:{" "}
            {manage ? "add a gate above first." : "ask a manager to add one."}
          </p>
        )}
        {s.gates.length > 0 && (
          <form method="post" class="mb-4 flex flex-wrap items-end gap-2">
            <Csrf token={csrf} />
            <input type="hidden" name="action" value="pair" />
            <label class="grid text-sm">
              Gate
              <select name="gate_id" required class={field}>
                {s.gates.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
              </select>
            </label>
            <label class="grid text-sm">
              Valid for (minutes){" "}
              <input
                name="minutes"
                type="number"
                min={1}
                max={1440}
                value="15"
                class={`${field} w-24`}
              />
            </label>
            <button type="submit" class={btn}>
              Create pairing code
            </button>
          </form>
        )}
        <div class="grid gap-4 sm:grid-cols-3">
          {s.pairings.map((p) => (
            <figure
              class="rounded border border-slate-200 p-3 text-center"
              data-code={p.code_display}
            >
              <div
                class="mx-auto h-40 w-40"
                dangerouslySetInnerHTML={{ __html: qrs[p.code] ?? "" }}
              />
              <figcaption>
                <div class="font-mono text-2xl font-bold tracking-widest">{p.code_display}</div>
                <div class="text-sm text-slate-600">
                  {p.gate} · until {formatDateTime(p.expires_at)}
                </div>
                <div class="break-all text-xs text-slate-500">{data.pairUrl + p.code_display}</div>
              </figcaption>
            </figure>
          ))}
        </div>
      </section>

      <section class={card}>
        <h2 class="mb-3 text-lg font-semibold">Devices</h2>
        {s.devices.length === 0
          ? <p class="text-sm text-slate-500">No devices paired yet.</p>
          : (
            <div class="overflow-x-auto">
              <table class="w-full" data-devices>
                <thead>
                  <tr>
                    <th class={th}>Device</th>
                    <th class={th}>Status</th>
                    <th class={th}>Gate</th>
                    <th class={th}>Last seen</th>
                    <th class={th}>Scans</th>
                    <th class={th}></th>
                  </tr>
                </thead>
                <tbody>
                  {s.devices.map((d) => (
                    <tr key={d.id} class={d.revoked_at ? "text-slate-400" : ""}>
                      <td class={td}>{d.name}</td>
                      <td class={td} data-device-status>
                        {d.revoked_at
                          ? "revoked"
                          : online(d)
                          ? <span class="font-semibold text-emerald-700">online</span>
                          : "offline"}
                      </td>
                      <td class={td}>{d.gate}</td>
                      <td class={td}>{formatDateTime(d.last_seen_at)}</td>
                      <td class={td}>{d.scans}</td>
                      <td class={td}>
                        {d.revoked_at
                          ? `Revoked ${formatDateTime(d.revoked_at)}`
                          : (
                            <form method="post">
                              <Csrf token={csrf} />
                              <input type="hidden" name="action" value="revoke" />
                              <input type="hidden" name="device_id" value={d.id} />
                              <button type="submit" class={btnGhost}>Revoke</button>
                            </form>
                          )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>

      <section class={card} id="conflicts">
        <h2 class="mb-1 text-lg font-semibold">Offline conflicts ({conflicts.count})</h2>
        <p class="mb-3 text-sm text-slate-600">
          Tickets admitted twice while devices were offline (the earliest scan stands), and offline
          admissions the server would have refused.
        </p>
        {conflicts.count === 0
          ? <p class="text-sm text-slate-500">None.</p>
          : (
            <div class="overflow-x-auto">
              <table class="w-full">
                <thead>
                  <tr>
                    <th class={th}>Scanned</th>
                    <th class={th}>Ticket</th>
                    <th class={th}>Device / gate</th>
                    <th class={th}>Result</th>
                    <th class={th}>Earlier scan that stands</th>
                  </tr>
                </thead>
                <tbody>
                  {conflicts.items.map((c) => (
                    <tr>
                      <td class={td}>{formatDateTime(c.scanned_at)}</td>
                      <td class={td}>
                        {c.attendee_name ?? "—"}{" "}
                        {c.order_code && <span class="text-slate-500">({c.order_code})</span>}
                      </td>
                      <td class={td}>{c.device} / {c.gate ?? "—"}</td>
                      <td class={`${td} font-semibold text-red-700`}>
                        {c.result.replaceAll("_", " ")}
                      </td>
                      <td class={td}>
                        {c.standing
                          ? `${formatDateTime(c.standing.scanned_at)} · ${c.standing.device} / ${
                            c.standing.gate ?? "—"
                          }`
                          : "—"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </div>
  );
}

function Choices(
  { label, name, options }: {
    label: string;
    name: string;
    options: { id: string; name: string }[];
  },
) {
  return (
    <fieldset class="text-sm">
      <legend class="mb-1">
        {label} <span class="text-slate-500">(none ticked = all)</span>
      </legend>
      <div class="flex flex-wrap gap-x-3 gap-y-1">
        {options.map((o) => (
          <label key={o.id} class="flex items-center gap-1">
            <input type="checkbox" name={name} value={o.id} /> {o.name}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
