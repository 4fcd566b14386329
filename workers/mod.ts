// The workers the server starts: one outbox worker with every topic's handler.
import { emailHandlers } from "./email.ts";
import { refundHandlers } from "./refunds.ts";
import { type OutboxWorkerOptions, startOutboxWorker } from "./outbox.ts";
import { webhookHandlers } from "./webhooks.ts";

/** Starts the outbox worker for email and refund topics; returns a function that stops it. */
export function startWorkers(
  options: Omit<OutboxWorkerOptions, "handlers"> = {},
): () => Promise<void> {
  return startOutboxWorker({
    ...options,
    handlers: { ...emailHandlers(), ...refundHandlers(), ...webhookHandlers() },
  });
}
