// The confirmation email worker, logging instead of sending (real SMTP comes with the Money
// issue). It claims `orders__send_confirmation` messages from the outbox (FOR UPDATE SKIP
// LOCKED inside core.outbox_claim, leased, so several workers never take the same row and a
// crashed one's rows come back), renders the email with the buyer's order link, logs it,
// marks it done, and on an error leaves it for a retry with exponential backoff.
import { db, type Sql } from "../lib/db.ts";
import { unseal } from "../lib/payments/service.ts";

export const TOPIC = "orders__send_confirmation";

export interface OutboxMessage {
  id: string;
  org_id: string | null;
  topic: string;
  payload: { order_id?: string; code?: string; email?: string | null; phone?: string | null };
  attempts: number;
  order_link: string | null;
}

export interface RenderedEmail {
  to: string;
  subject: string;
  text: string;
}

export interface WorkerOptions {
  sql?: Sql;
  /** Absolute origin for links in emails (default PUBLIC_ORIGIN or http://localhost:8000). */
  origin?: string;
  /** Where the rendered email goes (default: the log). */
  deliver?: (email: RenderedEmail, message: OutboxMessage) => void | Promise<void>;
  /** Pause between polls when the outbox is empty (ms, default 2000). */
  idleMs?: number;
}

/** The email text for one confirmation. */
export async function renderConfirmation(
  message: OutboxMessage,
  origin: string,
): Promise<RenderedEmail> {
  const to = message.payload.email ?? message.payload.phone;
  if (!to) throw new Error(`Message ${message.id} has no email or phone`);
  if (!message.order_link) throw new Error(`Order ${message.payload.code} has no stored link`);
  const link = new URL(await unseal(message.order_link), origin).toString();
  const code = message.payload.code ?? "";
  const display = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
  return {
    to,
    subject: `Your tickets — order ${display}`,
    text: [
      "Thank you for your order.",
      "",
      `Order: ${display}`,
      `Your tickets (keep this link private, it opens your tickets): ${link}`,
      "",
      "Show the QR code on your phone at the gate, or print the PDF from that page.",
      "— Mutambo",
    ].join("\n"),
  };
}

/** Claims and handles one batch; returns how many messages were handled (done or failed). */
export async function runOutboxLogOnce(options: WorkerOptions = {}): Promise<number> {
  const sql = options.sql ?? db();
  const origin = options.origin ?? Deno.env.get("PUBLIC_ORIGIN") ?? "http://localhost:8000";
  const deliver = options.deliver ??
    ((email: RenderedEmail) =>
      console.log(`[email] to ${email.to}: ${email.subject}\n${email.text}`));
  const messages = await sql<OutboxMessage[]>`
    select * from core.outbox_claim(array[${TOPIC}]::text[], 20, 60)`;
  for (const message of messages) {
    try {
      await deliver(await renderConfirmation(message, origin), message);
      await sql`select core.outbox_done(${message.id}::bigint)`;
    } catch (e) {
      await sql`select core.outbox_failed(${message.id}::bigint, ${(e as Error).message})`;
    }
  }
  return messages.length;
}

/** Starts the loop; returns a function that stops it (resolves once the current batch ends). */
export function startOutboxLogWorker(options: WorkerOptions = {}): () => Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      let handled = 0;
      try {
        handled = await runOutboxLogOnce(options);
      } catch (e) {
        console.error("outbox worker: claiming failed", e);
      }
      if (handled === 0 && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, options.idleMs ?? 2000);
        });
      }
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}
