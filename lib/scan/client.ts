// Browser helpers of the scanner page: storage, the server calls with their time limit, the
// offline queue, sound and vibration. Imported by islands/Scanner.tsx (browser-safe only).
import { type Decision, type Manifest, OfflineBook } from "./offline.ts";
import { parsePayload } from "../tickets/signing.ts";

export interface DeviceInfo {
  token: string;
  device_id: string;
  event_id: string;
  gate_id: string;
  gate_name: string;
  event_name: string;
  device_name: string;
}

export interface Queued {
  id: string;
  code: string;
  direction: "in" | "out";
  scanned_at: string;
  result: string;
  ticket_id?: string;
}

/** What the answer screen shows: the server's answer or the offline decision. */
export interface Answer extends Omit<Decision, "ticket"> {
  offline: boolean;
  ms: number;
  ticket?: {
    attendee_name?: string | null;
    ticket_type?: string | null | undefined;
    section?: string | null | undefined;
    seat?: string | null;
    order_code?: string | null;
  };
  reentry?: boolean;
  order_admitted?: number;
  order_tickets?: number;
}

const KEY = {
  device: "mt.scan.device",
  manifest: "mt.scan.manifest",
  increments: "mt.scan.increments",
  queue: "mt.scan.queue",
  counts: "mt.scan.counts",
  sync: "mt.scan.sync",
};

export const ONLINE_LIMIT_MS = 1500;

function load<T>(key: string, fallback: T): T {
  try {
    const text = localStorage.getItem(key);
    return text ? JSON.parse(text) as T : fallback;
  } catch {
    return fallback;
  }
}

function save(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, typeof value === "string" ? value : JSON.stringify(value));
  } catch { /* full storage: keep it in memory */ }
}

export const store = {
  device: () => load<DeviceInfo | null>(KEY.device, null),
  setDevice: (d: DeviceInfo | null) =>
    d ? save(KEY.device, d) : localStorage.removeItem(KEY.device),
  queue: () => load<Queued[]>(KEY.queue, []),
  setQueue: (q: Queued[]) => save(KEY.queue, q),
  counts: () => load(KEY.counts, { admitted: 0, rejected: 0, admits: [] as number[] }),
  setCounts: (c: { admitted: number; rejected: number; admits: number[] }) => save(KEY.counts, c),
  sync: () => load(KEY.sync, { at: 0, conflicts: 0, gate15: 0, gate15At: 0 }),
  setSync: (s: { at: number; conflicts: number; gate15: number; gate15At: number }) =>
    save(KEY.sync, s),
  clear() {
    for (const k of Object.values(KEY)) localStorage.removeItem(k);
  },
};

let book: OfflineBook | null = null;

/** The offline book: built from the stored manifest, its increments and the queued admissions. */
export function offlineBook(): OfflineBook | null {
  if (book) return book;
  const full = load<Manifest | null>(KEY.manifest, null);
  if (!full) return null;
  book = new OfflineBook(full);
  for (const inc of load<Manifest[]>(KEY.increments, [])) book.apply(inc);
  const gate = store.device()?.gate_id ?? "";
  for (const q of store.queue()) {
    if (q.ticket_id && (q.result === "admitted" || q.result === "exited")) {
      book.mark(q.ticket_id, q.result, Date.parse(q.scanned_at), gate);
    }
  }
  return book;
}

async function call(
  path: string,
  token: string,
  init: RequestInit = {},
  limit = 8000,
): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limit);
  try {
    return await fetch(path, {
      ...init,
      signal: abort.signal,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        ...init.headers,
      },
    });
  } finally {
    clearTimeout(timer);
  }
}

export class Revoked extends Error {}

/** Fetches the manifest (full, or changes since the stored version) and stores it. */
export async function refreshManifest(device: DeviceInfo): Promise<OfflineBook> {
  const current = offlineBook();
  const since = current && current.manifest.event.id === device.event_id ? current.version : 0;
  const res = await call(`/rest/rpc/scan_manifest?since_version=${since}`, device.token, {
    method: "GET",
  }, 20000);
  if (res.status === 401) throw new Revoked();
  if (!res.ok) throw new Error(`Manifest: ${res.status}`);
  const text = await res.text();
  const m = JSON.parse(text) as Manifest;
  if (m.full || !current) {
    book = new OfflineBook(m);
    save(KEY.manifest, text);
    save(KEY.increments, []);
  } else {
    current.apply(m);
    const incs = load<Manifest[]>(KEY.increments, []);
    if (m.tickets.n + m.used.n > 0) incs.push(m);
    save(KEY.increments, incs.length > 50 ? [] : incs); // many increments: next time fetch a full one
    if (incs.length > 50) localStorage.removeItem(KEY.manifest);
  }
  return offlineBook()!;
}

/** Asks the server; null when it fails or takes longer than ONLINE_LIMIT_MS (decide offline). */
export async function scanOnline(
  device: DeviceInfo,
  id: string,
  code: string,
  direction: "in" | "out",
) {
  if (navigator.onLine === false) return null;
  try {
    const res = await call("/scan/api/scan", device.token, {
      method: "POST",
      body: JSON.stringify({ id, code, direction }),
    }, ONLINE_LIMIT_MS);
    if (res.status === 401) throw new Revoked();
    if (res.status >= 500) return null;
    const body = await res.json();
    if (!res.ok) return { result: "invalid", reason: body.message ?? "Refused" } as Answer;
    return body as Answer;
  } catch (e) {
    if (e instanceof Revoked) throw e;
    return null;
  }
}

/** Decides from the manifest, marks and queues the scan. */
export async function scanOffline(
  device: DeviceInfo,
  id: string,
  code: string,
  direction: "in" | "out",
): Promise<Answer> {
  const t0 = performance.now();
  const b = offlineBook();
  const d: Decision = b
    ? await b.decide(code, device.gate_id, Date.now(), direction)
    : { result: "invalid", reason: "No offline data yet: connect once" };
  let ticketId: string | undefined;
  try {
    ticketId = parsePayload(code).ticketId;
  } catch { /* not a QR code */ }
  if (b && d.ticketId && (d.result === "admitted" || d.result === "exited")) {
    b.mark(d.ticketId, d.result, Date.now(), device.gate_id);
  }
  const q = store.queue();
  q.push({
    id,
    code: code.slice(0, 400),
    direction,
    scanned_at: new Date().toISOString(),
    result: d.result,
    ...(ticketId ? { ticket_id: ticketId } : {}),
  });
  store.setQueue(q);
  return { ...d, offline: true, ms: performance.now() - t0 };
}

/** Uploads queued scans (oldest first, 200 at a time); returns the duplicates the server found. */
export async function syncQueue(device: DeviceInfo): Promise<number> {
  let duplicates = 0;
  for (;;) {
    const q = store.queue();
    if (q.length === 0) return duplicates;
    const batch = q.slice(0, 200);
    const res = await call("/scan/api/sync", device.token, {
      method: "POST",
      body: JSON.stringify({ scans: batch }),
    });
    if (res.status === 401) throw new Revoked();
    if (!res.ok) throw new Error(`Sync: ${res.status}`);
    const body = await res.json() as { results: { result: string }[] };
    duplicates += body.results.filter((r) => r.result === "duplicate_offline").length;
    const done = new Set(batch.map((s) => s.id));
    store.setQueue(store.queue().filter((s) => !done.has(s.id)));
  }
}

export async function hello(device: DeviceInfo): Promise<number | null> {
  const res = await call("/rest/rpc/device_hello", device.token, { method: "POST", body: "{}" });
  if (res.status === 401) throw new Revoked();
  if (!res.ok) return null;
  return (await res.json()).gate_admitted_15m as number;
}

let audio: AudioContext | undefined;

/** A beep and a vibration per kind of answer. */
export function signal(kind: "ok" | "bad" | "warn"): void {
  try {
    audio ??= new AudioContext();
    const tones = kind === "ok"
      ? [[1320, 0, 0.12]]
      : kind === "warn"
      ? [[660, 0, 0.15], [660, 0.2, 0.15]]
      : [[220, 0, 0.25], [180, 0.3, 0.35]];
    for (const [f, start, length] of tones) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = f!;
      osc.type = kind === "bad" ? "square" : "sine";
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start!);
      osc.stop(audio.currentTime + start! + length!);
    }
  } catch { /* no audio */ }
  navigator.vibrate?.(kind === "ok" ? 80 : kind === "warn" ? [120, 80, 120] : [300, 100, 300]);
}

export function kindOf(a: Answer): "ok" | "bad" | "warn" {
  if (a.result === "admitted" || a.result === "exited") {
    return a.warning || a.reentry ? "warn" : "ok";
  }
  return a.result === "wrong_gate" || a.result === "not_yet_valid" ? "warn" : "bad";
}

export const WORDS: Record<string, string> = {
  admitted: "ADMIT",
  exited: "EXIT OK",
  already_used: "ALREADY USED",
  wrong_gate: "WRONG GATE",
  wrong_event: "WRONG EVENT",
  not_yet_valid: "NOT YET VALID",
  cancelled_or_refunded: "CANCELLED",
  invalid: "INVALID",
  duplicate_offline: "DUPLICATE",
};
