// Signed QR payloads for tickets, verifiable offline with the event's public key.
//
// pgcrypto cannot sign with Ed25519 or ECDSA, so the server signs with Web Crypto, one key
// pair per event (registered in core.event_signing_keys, first writer wins): Ed25519 for new
// events, ECDSA P-256 for events keyed before (lib/tickets/key_algorithms.ts). The QR text is
//
//   MT1.<ticket id>.<event id>.<check>.<issued at>.<signature>
//
// ticket and event ids are uuids as 22 base64url characters, check is the first 9 bytes of
// SHA-256(secret) as 12 base64url characters (a scanner that knows the secret, online or from
// its manifest, can tie the code to it; the secret itself never appears in the QR), issued at
// is whole seconds since 1970 in base 36, and the signature is the raw 64 bytes (Ed25519, or
// ECDSA's r||s) in base64url (86 characters). About 190 characters: a QR of version 9-10 at medium correction.
//
// The signature only says "the server issued this"; whether the ticket admits is decided in
// SQL (core.ticket_is_valid: its order is paid and it is not cancelled or refunded).

import {
  generateKeyPair,
  importSigningKey,
  importVerifyingKey,
  signBytes,
  verifyBytes,
} from "./key_algorithms.ts";

export interface TicketForPayload {
  id: string;
  event_id: string;
  secret: string;
  issued_at: string | Date;
}

export interface TicketPayload {
  ticketId: string;
  eventId: string;
  check: string;
  issuedAt: Date;
}

export type VerifyResult =
  | ({ ok: true } & TicketPayload)
  | { ok: false; reason: string };

const prefix = "MT1";
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error(`Not base64url: "${text.slice(0, 20)}"`);
  const s = atob(
    text.replaceAll("-", "+").replaceAll("_", "/") + "===".slice((text.length + 3) % 4),
  );
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function uuidToBytes(uuid: string): Uint8Array {
  if (!uuidPattern.test(uuid)) throw new Error(`Expected a uuid but found "${uuid}"`);
  const hex = uuid.replaceAll("-", "");
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function bytesToUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** The check derived from a ticket's secret: base64url of the first 9 bytes of SHA-256(secret). */
export async function secretCheck(secret: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)),
  );
  return base64url(digest.slice(0, 9));
}

/** The compact, unsigned payload of a ticket: MT1.<ticket>.<event>.<check>.<issued at>. */
export async function ticketPayload(ticket: TicketForPayload): Promise<string> {
  const issued = ticket.issued_at instanceof Date ? ticket.issued_at : new Date(ticket.issued_at);
  if (Number.isNaN(issued.getTime())) {
    throw new Error(`Expected an issue time but found "${ticket.issued_at}"`);
  }
  if (!ticket.secret || ticket.secret.length < 16) {
    throw new Error("A ticket secret of at least 16 characters is required");
  }
  return [
    prefix,
    base64url(uuidToBytes(ticket.id)),
    base64url(uuidToBytes(ticket.event_id)),
    await secretCheck(ticket.secret),
    Math.floor(issued.getTime() / 1000).toString(36),
  ].join(".");
}

/** Reads a payload (signed or not) without verifying it; throws on a malformed one. */
export function parsePayload(text: string): TicketPayload & { signed: string; signature?: string } {
  const parts = text.trim().split(".");
  if ((parts.length !== 5 && parts.length !== 6) || parts[0] !== prefix) {
    throw new Error("Not a Mutambo ticket code");
  }
  const [, t, e, check, issued, signature] = parts as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (
    t.length !== 22 || e.length !== 22 || check.length !== 12 || !/^[0-9a-z]{1,10}$/.test(issued)
  ) {
    throw new Error("Not a Mutambo ticket code");
  }
  return {
    ticketId: bytesToUuid(fromBase64url(t)),
    eventId: bytesToUuid(fromBase64url(e)),
    check,
    issuedAt: new Date(parseInt(issued, 36) * 1000),
    signed: parts.slice(0, 5).join("."),
    ...(signature === undefined ? {} : { signature }),
  };
}

/** A new key pair for an event (Ed25519), as JWKs (what api.register_event_signing_key takes). */
export function generateEventKeyPair(): Promise<{ publicJwk: JsonWebKey; privateJwk: JsonWebKey }> {
  return generateKeyPair();
}

/** The QR text of a ticket: its payload signed with the event's private key. */
export async function signTicket(
  ticket: TicketForPayload,
  privateJwk: JsonWebKey,
): Promise<string> {
  const key = await importSigningKey(privateJwk);
  const payload = await ticketPayload(ticket);
  return `${payload}.${base64url(await signBytes(key, new TextEncoder().encode(payload)))}`;
}

/**
 * Verifies a ticket's QR text with the event's public key (offline). With `eventId`, a code
 * of another event is refused; with `secret`, a code whose check does not match is refused.
 */
export async function verifyTicket(
  qr: string,
  publicJwk: JsonWebKey,
  options: { eventId?: string; secret?: string } = {},
): Promise<VerifyResult> {
  let parsed;
  try {
    parsed = parsePayload(qr);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (!parsed.signature) return { ok: false, reason: "The code is not signed" };
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = fromBase64url(parsed.signature);
  } catch {
    return { ok: false, reason: "The signature is malformed" };
  }
  if (signature.length !== 64) return { ok: false, reason: "The signature is malformed" };
  const key = await importVerifyingKey(publicJwk);
  const good = await verifyBytes(key, signature, new TextEncoder().encode(parsed.signed));
  if (!good) {
    return { ok: false, reason: "The signature does not match: not issued by us or altered" };
  }
  if (options.eventId && options.eventId.toLowerCase() !== parsed.eventId) {
    return { ok: false, reason: "This ticket is for another event" };
  }
  if (options.secret !== undefined && (await secretCheck(options.secret)) !== parsed.check) {
    return { ok: false, reason: "The code does not match this ticket's secret" };
  }
  return {
    ok: true,
    ticketId: parsed.ticketId,
    eventId: parsed.eventId,
    check: parsed.check,
    issuedAt: parsed.issuedAt,
  };
}
