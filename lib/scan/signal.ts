// The live dashboard's signal for scans recorded by the scan route.
//
// The route calls api.scan(notify => false): a NOTIFY inside the scan's transaction holds a
// cluster-wide lock through the commit's WAL flush, so every notifying commit waits for the one
// before it. Instead, after its commits, the route calls scanRecorded(event) and this module
// sends NOTIFY check_in {e, n} at most once per WINDOW_MS per event: the first scan at once,
// later ones folded into one trailing notification (n = scans folded). The dashboard reads only
// e and coalesces per 250 ms itself, so it sees every scan within WINDOW_MS of its commit.
// The notification is its own transaction with synchronous_commit off: it carries no data
// (notifications are not kept across a crash anyway), so it need not wait for a WAL flush.
import { db, type Sql } from "../db.ts";
import { literal } from "./call.ts";

export const WINDOW_MS = 100;

interface EventSignal {
  last: number;
  pending: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const events = new Map<string, EventSignal>();

async function send(sql: Sql, eventId: string, n: number): Promise<void> {
  try {
    await sql.unsafe(
      `select set_config('synchronous_commit', 'off', true), pg_notify('check_in', ${
        literal(JSON.stringify({ e: eventId, n }))
      })`,
    );
  } catch (e) {
    console.error("scan: check_in notification failed", e);
  }
}

/** Says that a scan of the event was committed; the dashboard hears of it within WINDOW_MS. */
export function scanRecorded(eventId: string, sql: Sql = db()): void {
  let s = events.get(eventId);
  if (!s) events.set(eventId, s = { last: 0, pending: 0, timer: undefined });
  s.pending++;
  if (s.timer) return;
  const state = s;
  const fire = () => {
    state.timer = undefined;
    state.last = Date.now();
    const n = state.pending;
    state.pending = 0;
    void send(sql, eventId, n);
  };
  const wait = state.last + WINDOW_MS - Date.now();
  if (wait <= 0) fire();
  else state.timer = setTimeout(fire, wait);
}
