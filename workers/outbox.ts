// The generic outbox worker. It claims due messages of the topics it has handlers for
// (core.outbox_claim: FOR UPDATE SKIP LOCKED and a lease, so two workers never hold the same
// row and a crashed worker's rows come back after the lease), runs the topic's handler, marks
// the message done, and on an error leaves it for a retry with jittered exponential backoff
// (core.outbox_failed) until it is dead-lettered after maxAttempts tries. Delivery is
// at-least-once: handlers pass the outbox id on as the receiver's dedupe key.
import { db, type Sql } from "../lib/db.ts";

export interface OutboxMessage {
  id: string;
  org_id: string | null;
  topic: string;
  payload: Record<string, unknown>;
  attempts: number;
  order_link: string | null;
}

export interface HandlerContext {
  sql: Sql;
  origin: string;
}

export type OutboxHandler = (message: OutboxMessage, context: HandlerContext) => Promise<void>;

export interface OutboxWorkerOptions {
  /** Handlers per topic; only these topics are claimed. */
  handlers: Record<string, OutboxHandler>;
  /** Connection (default: the server's pool, which logs in as authenticator). */
  sql?: Sql;
  /** Absolute origin for links (default PUBLIC_ORIGIN or http://localhost:8000). */
  origin?: string;
  /** Messages per claim (default 10). */
  batch?: number;
  /** How long a claimed message stays invisible to other workers (s, default 300). */
  leaseSeconds?: number;
  /** Failures before a message is dead-lettered (default 8). */
  maxAttempts?: number;
  /** Pause between polls when nothing is due (ms, default 2000). */
  idleMs?: number;
  /** Where failures are reported (default console.warn). */
  onError?: (message: OutboxMessage, error: Error, dead: boolean) => void;
}

/** Claims one batch and handles it; returns how many messages were claimed. */
export async function runOutboxOnce(options: OutboxWorkerOptions): Promise<number> {
  const sql = options.sql ?? db();
  const origin = options.origin ?? Deno.env.get("PUBLIC_ORIGIN") ?? "http://localhost:8000";
  const topics = Object.keys(options.handlers);
  if (topics.length === 0) return 0;
  const messages = await sql<OutboxMessage[]>`
    select id::text, org_id, topic, payload, attempts, order_link
    from core.outbox_claim(${topics}::text[], ${options.batch ?? 10}, ${
    options.leaseSeconds ?? 300
  })`;
  for (const message of messages) {
    try {
      await options.handlers[message.topic]!(message, { sql, origin });
      await sql`select core.outbox_done(${message.id}::bigint)`;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const [row] = await sql<{ dead: boolean | null }[]>`
        select core.outbox_failed(${message.id}::bigint, ${error.message}, ${
        options.maxAttempts ?? 8
      }) as dead`;
      const report = options.onError ??
        ((m: OutboxMessage, err: Error, dead: boolean) =>
          console.warn(
            `outbox: ${m.topic} #${m.id} attempt ${m.attempts} failed${
              dead ? " (dead letter)" : ""
            }: ${err.message}`,
          ));
      report(message, error, row?.dead === true);
    }
  }
  return messages.length;
}

/** Starts the polling loop; returns a function that stops it once the current batch ends. */
export function startOutboxWorker(options: OutboxWorkerOptions): () => Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loop = (async () => {
    while (!stopped) {
      let handled = 0;
      try {
        handled = await runOutboxOnce(options);
      } catch (e) {
        console.error("outbox worker: claiming failed", e);
      }
      if (handled === 0 && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, options.idleMs ?? 2000);
        });
      }
    }
  })();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    wake?.();
    await loop;
  };
}
