// Live seat changes: ONE `LISTEN seats` connection per process (postgres.js sql.listen keeps
// a dedicated connection and re-listens after reconnects), fanned out in memory to the
// subscribers of each event (the SSE route routes/live/events/[id].ts). The NOTIFYs come from
// the statement-level trigger on core.event_seats (sql/152, 155): {"e": event, "s": {section: [seat ids]}}.
import { db, type Sql } from "./db.ts";

export interface SeatChange {
  /** Event id. */
  e: string;
  /** Section id -> seat ids that changed (empty for standing sections or large changes). */
  s: Record<string, number[]>;
}

type Listener = (change: SeatChange) => void;

const subscribers = new Map<string, Set<Listener>>();
let listening: Promise<{ unlisten(): Promise<void> }> | undefined;

function dispatch(payload: string) {
  let change: SeatChange;
  try {
    change = JSON.parse(payload);
  } catch {
    return;
  }
  for (const listener of subscribers.get(change.e) ?? []) {
    try {
      listener(change);
    } catch (e) {
      console.error("live: a subscriber failed", e);
    }
  }
}

/** Calls `listener` for every seat change of the event; returns the unsubscribe function. */
export async function subscribe(
  eventId: string,
  listener: Listener,
  options: { sql?: Sql } = {},
): Promise<() => void> {
  listening ??= (options.sql ?? db()).listen("seats", dispatch);
  await listening;
  let set = subscribers.get(eventId);
  if (!set) subscribers.set(eventId, set = new Set());
  set.add(listener);
  return () => {
    set!.delete(listener);
    if (set!.size === 0) subscribers.delete(eventId);
  };
}

/** Number of open subscriptions (for tests and metrics). */
export function subscriberCount(): number {
  let n = 0;
  for (const set of subscribers.values()) n += set.size;
  return n;
}

/** Stops listening (shutdown, tests). */
export async function stopLive(): Promise<void> {
  const current = listening;
  listening = undefined;
  subscribers.clear();
  if (current) await (await current).unlisten();
}
