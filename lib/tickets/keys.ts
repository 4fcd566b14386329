// Each event's ticket-signing key pair (Ed25519; ECDSA P-256 for older events), on the server only.
//
// ensureEventKeys(eventId) returns the event's pair, creating it on first use: a pair made with
// Web Crypto is registered through core.register_event_signing_key, where the first writer wins
// (two servers racing both end up with the stored pair). The private key is read with a direct
// query as the pool's login role (authenticator) OUTSIDE any request role: no API role can
// read it, and it never leaves this process. Pairs are cached per process (they never change).
import { db, type Sql } from "../db.ts";
import { generateEventKeyPair, signTicket, type TicketForPayload } from "./signing.ts";
import { keyFields } from "./key_algorithms.ts";

export interface EventKeys {
  eventId: string;
  kid: string;
  publicJwk: JsonWebKey;
  privateJwk: JsonWebKey;
}

const cache = new Map<string, Promise<EventKeys>>();

async function load(sql: Sql, eventId: string): Promise<EventKeys | null> {
  const [row] = await sql<{ key: (JsonWebKey & { kid: string }) | null }[]>`
    select core.event_signing_private_key(${eventId}::uuid) as key`;
  const key = row?.key;
  if (!key) return null;
  const { kid, ...privateJwk } = key;
  const publicJwk = keyFields(privateJwk, false);
  return { eventId, kid, publicJwk, privateJwk };
}

/** The event's signing keys, generated and registered when it has none yet (first writer wins). */
export function ensureEventKeys(
  eventId: string,
  options: { sql?: Sql } = {},
): Promise<EventKeys> {
  const cached = cache.get(eventId);
  if (cached) return cached;
  const promise = (async () => {
    const sql = options.sql ?? db();
    const existing = await load(sql, eventId);
    if (existing) return existing;
    const { publicJwk, privateJwk } = await generateEventKeyPair();
    await sql`select core.register_event_signing_key(
      ${eventId}::uuid, ${sql.json(publicJwk as never)}::jsonb, ${
      sql.json(privateJwk as never)
    }::jsonb)`;
    const stored = await load(sql, eventId);
    if (!stored) throw new Error(`The signing key of event "${eventId}" could not be stored`);
    return stored;
  })();
  cache.set(eventId, promise);
  promise.catch(() => cache.delete(eventId));
  return promise;
}

/** The QR text of a ticket, signed with its event's key. */
export async function signTicketForEvent(
  ticket: TicketForPayload,
  options: { sql?: Sql } = {},
): Promise<string> {
  const keys = await ensureEventKeys(ticket.event_id, options);
  return await signTicket(ticket, keys.privateJwk);
}

/** Forgets cached keys (tests that recreate the database). */
export function clearEventKeyCache(): void {
  cache.clear();
}
