// "Something changed on this event" signals for the live dashboard, coalesced per subscriber.
//
// Sources, all on the process's one LISTEN connection (postgres.js keeps a single dedicated
// connection per pool for every channel it listens on, the same one lib/live.ts uses for
// `seats`): `live` (orders change status, payments fail: sql/210), `check_in` (scans: sql/170)
// and `seats` (holds and sales through lib/live.ts). A subscriber gets at most one call per
// `intervalMs` (default 250): the first change is passed on at once, later ones within the
// window are folded into one trailing call that lists every kind seen.
import { db, type Sql } from "../db.ts";
import { subscribe as subscribeSeats } from "../live.ts";

export type ChangeKind = "sale" | "payment" | "scan" | "seats";
type Listener = (kinds: ChangeKind[]) => void;

const subscribers = new Map<string, Set<Listener>>();
let listening: Promise<unknown> | undefined;

function dispatch(eventId: string, kind: ChangeKind) {
  for (const listener of subscribers.get(eventId) ?? []) listener([kind]);
}

function onPayload(kindOf: (p: Record<string, unknown>) => ChangeKind) {
  return (payload: string) => {
    try {
      const p = JSON.parse(payload) as Record<string, unknown>;
      if (typeof p.e === "string") dispatch(p.e, kindOf(p));
    } catch {
      // not ours
    }
  };
}

function listen(sql: Sql): Promise<unknown> {
  listening ??= Promise.all([
    sql.listen("live", onPayload((p) => p.k === "payment" ? "payment" : "sale")),
    sql.listen("check_in", onPayload(() => "scan")),
  ]);
  return listening;
}

/** A listener that passes changes on at most once per `intervalMs` (leading + trailing edge). */
export function coalesce(
  listener: Listener,
  intervalMs = 250,
): { push: Listener; stop: () => void } {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = new Set<ChangeKind>();
  const fire = () => {
    timer = undefined;
    last = Date.now();
    const kinds = [...pending];
    pending = new Set();
    listener(kinds);
  };
  return {
    push(kinds) {
      for (const k of kinds) pending.add(k);
      if (timer) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Calls `listener` (coalesced) whenever a sale, payment failure, scan or seat change of the event happens. */
export async function subscribeEvent(
  eventId: string,
  listener: Listener,
  options: { sql?: Sql; intervalMs?: number } = {},
): Promise<() => void> {
  const sql = options.sql ?? db();
  await listen(sql);
  const c = coalesce(listener, options.intervalMs);
  let set = subscribers.get(eventId);
  if (!set) subscribers.set(eventId, set = new Set());
  set.add(c.push);
  const stopSeats = await subscribeSeats(eventId, () => c.push(["seats"]), { sql });
  return () => {
    stopSeats();
    c.stop();
    set!.delete(c.push);
    if (set!.size === 0) subscribers.delete(eventId);
  };
}
