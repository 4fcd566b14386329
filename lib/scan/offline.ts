// Offline decisions on the scanner device, from the manifest of api.scan_manifest (browser-
// safe: Web Crypto only). The same rules as core.decide_ticket, applied to what the device
// last synced plus its own offline admissions; the server re-decides every offline scan when
// it syncs (api.sync_scans) and the earliest admission of a ticket stands.
import { base64url, fromBase64url, parsePayload } from "../tickets/signing.ts";
import { importVerifyingKey, jwkAlg, verifyBytes } from "../tickets/key_algorithms.ts";

export interface ManifestList {
  name: string;
  mode: "single" | "reentry";
  types: number[];
  sections: number[];
  gates: string[];
  from: string | null;
  until: string | null;
}

export interface Manifest {
  format: number;
  version: number;
  full: boolean;
  event: { id: string; name: string; starts_at: string };
  device: { id: string; name: string; gate_id: string };
  keys: { kid: string; public_jwk: JsonWebKey }[];
  gates: { id: string; name: string }[];
  ticket_types: { name: string; admission: boolean }[];
  sections: string[];
  lists: ManifestList[];
  tickets: { n: number; ids: string; types: string; sections: string; status: string };
  used: { n: number; ids: string; gates: string; at: string; inside: string };
}

export type Result =
  | "admitted"
  | "exited"
  | "already_used"
  | "wrong_gate"
  | "wrong_event"
  | "not_yet_valid"
  | "cancelled_or_refunded"
  | "invalid";

export interface Decision {
  result: Result;
  reason?: string;
  warning?: string;
  ticketId?: string;
  ticket?: { ticket_type?: string | undefined; section?: string | undefined };
  used_at?: string;
  used_gate?: string;
  right_gates?: string[];
  valid_from?: string;
}

interface TicketInfo {
  type: number;
  section: number;
  status: number;
}
interface UsedInfo {
  gate: number;
  at: number;
  inside: boolean;
}

/** Says whether a signature over the data is the key's. */
type Verifier = (
  signature: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
) => Promise<boolean>;

/**
 * A verifier for a manifest key: Web Crypto where the browser has the scheme; for Ed25519 on
 * browsers without it in Web Crypto (before Chrome 137, Safari 17, Firefox 129),
 * @noble/ed25519, fetched as its own chunk only then (webCrypto: false forces it, for tests).
 */
export async function verifier(
  jwk: JsonWebKey,
  options: { webCrypto?: boolean } = {},
): Promise<Verifier> {
  if (options.webCrypto !== false || jwkAlg(jwk) !== "EdDSA") {
    try {
      const key = await importVerifyingKey(jwk);
      return (signature, data) => verifyBytes(key, signature, data);
    } catch (e) {
      if (jwkAlg(jwk) !== "EdDSA") throw e;
    }
  }
  const ed = await import("@noble/ed25519");
  const publicKey = fromBase64url(jwk.x!);
  return async (signature, data) => {
    try {
      return await ed.verifyAsync(signature, data, publicKey, { zip215: false });
    } catch {
      return false; // a malformed signature or key is not a good signature
    }
  };
}

/** The 8-character key of a ticket in the manifest: its id's first 6 bytes in base64url. */
export function ticketKey(ticketId: string): string {
  const hex = ticketId.replaceAll("-", "").slice(0, 12);
  return base64url(
    Uint8Array.from({ length: 6 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)),
  );
}

function chunks(b64: string): Uint8Array {
  return b64 ? fromBase64url(b64) : new Uint8Array(0);
}

/** The device's offline knowledge: manifest tickets, used set, rules and the event's keys. */
export class OfflineBook {
  manifest: Manifest;
  version: number;
  tickets = new Map<string, TicketInfo>();
  used = new Map<string, UsedInfo>();
  #keys: Promise<Verifier[]> | undefined;

  constructor(full: Manifest) {
    this.manifest = full;
    this.version = full.version;
    this.apply(full);
  }

  /** Applies a manifest (full or incremental) on top of what the book knows. */
  apply(m: Manifest): void {
    if (!m.full) {
      this.manifest = {
        ...this.manifest,
        keys: m.keys,
        gates: m.gates,
        lists: m.lists,
        ticket_types: m.ticket_types,
        sections: m.sections,
      };
      this.#keys = undefined;
    }
    this.version = m.version;
    const ids = chunks(m.tickets.ids);
    const types = chunks(m.tickets.types);
    const sections = chunks(m.tickets.sections);
    const status = chunks(m.tickets.status);
    for (let i = 0; i < m.tickets.n; i++) {
      this.tickets.set(base64url(ids.subarray(i * 6, i * 6 + 6)), {
        type: types[i]!,
        section: (sections[i * 2]! << 8) | sections[i * 2 + 1]!,
        status: status[i]!,
      });
    }
    const uids = chunks(m.used.ids);
    const ugates = chunks(m.used.gates);
    const uat = chunks(m.used.at);
    const uinside = chunks(m.used.inside);
    const view = new DataView(uat.buffer, uat.byteOffset, uat.byteLength);
    for (let i = 0; i < m.used.n; i++) {
      this.used.set(base64url(uids.subarray(i * 6, i * 6 + 6)), {
        gate: ugates[i]!,
        at: view.getUint32(i * 4) * 1000,
        inside: uinside[i] === 1,
      });
    }
  }

  keys(): Promise<Verifier[]> {
    this.#keys ??= Promise.all(this.manifest.keys.map((k) => verifier(k.public_jwk)));
    return this.#keys;
  }

  gateName(index: number): string | undefined {
    return this.manifest.gates[index - 1]?.name;
  }

  /** Records an admission or exit this device made offline (so a second scan is refused). */
  mark(ticketId: string, result: "admitted" | "exited", at: number, gateId: string): void {
    const key = ticketKey(ticketId);
    const gate = this.manifest.gates.findIndex((g) => g.id === gateId) + 1;
    const before = this.used.get(key);
    if (result === "admitted") {
      this.used.set(
        key,
        before && !before.inside
          ? { ...before, inside: true }
          : before ?? { gate, at, inside: true },
      );
    } else if (before) {
      this.used.set(key, { ...before, inside: false });
    }
  }

  /** Decides a scanned code at gate `gateId` at time `at` (ms), as core.decide_ticket would. */
  async decide(
    code: string,
    gateId: string,
    at = Date.now(),
    direction: "in" | "out" = "in",
  ): Promise<Decision> {
    let p;
    try {
      p = parsePayload(code);
    } catch {
      if (/^[2-9A-HJKMNP-Z]{4}-?[2-9A-HJKMNP-Z]{4}$/i.test(code.trim())) {
        return { result: "invalid", reason: "Order codes need the network: scan the QR code" };
      }
      return { result: "invalid", reason: "Unreadable code" };
    }
    if (p.eventId !== this.manifest.event.id) {
      return { result: "wrong_event", reason: "Ticket for another event" };
    }
    if (!p.signature) return { result: "invalid", reason: "Forged or altered code" };
    let signature: Uint8Array<ArrayBuffer>;
    try {
      signature = fromBase64url(p.signature);
    } catch {
      return { result: "invalid", reason: "Forged or altered code" };
    }
    const data = new TextEncoder().encode(p.signed);
    let good = false;
    for (const verify of await this.keys()) {
      if (signature.length === 64 && await verify(signature, data)) {
        good = true;
        break;
      }
    }
    if (!good) {
      return {
        result: "invalid",
        reason: "Forged or altered code (signature)",
        ticketId: p.ticketId,
      };
    }
    const key = ticketKey(p.ticketId);
    const info = this.tickets.get(key);
    const base = { ticketId: p.ticketId };
    if (info?.status === 1) {
      return { ...base, result: "cancelled_or_refunded", reason: "Cancelled or refunded" };
    }
    const tt = info ? this.manifest.ticket_types[info.type - 1] : undefined;
    const ticket = {
      ticket_type: tt?.name,
      section: info ? this.manifest.sections[info.section - 1] : undefined,
    };
    let mode: "single" | "reentry" = "single";
    if (info && this.manifest.lists.length > 0) {
      const matching = this.manifest.lists.filter((l) =>
        ((l.types.length === 0 && tt?.admission) || l.types.includes(info.type)) &&
        (l.sections.length === 0 || l.sections.includes(info.section))
      );
      if (matching.length === 0) {
        return {
          ...base,
          ticket,
          result: "invalid",
          reason: "No check-in list lets this ticket in",
        };
      }
      const here = matching.filter((l) => l.gates.length === 0 || l.gates.includes(gateId));
      if (here.length === 0) {
        const ids = new Set(matching.flatMap((l) => l.gates));
        return {
          ...base,
          ticket,
          result: "wrong_gate",
          reason: "Wrong gate",
          right_gates: this.manifest.gates.filter((g) => ids.has(g.id)).map((g) => g.name),
        };
      }
      const open = here.find((l) =>
        (!l.from || at >= Date.parse(l.from)) && (!l.until || at < Date.parse(l.until))
      );
      if (!open) {
        const later = here.filter((l) => l.from && Date.parse(l.from) > at).map((l) => l.from!)
          .sort();
        if (later.length) {
          return {
            ...base,
            ticket,
            result: "not_yet_valid",
            reason: "Not valid yet",
            valid_from: later[0]!,
          };
        }
        return { ...base, ticket, result: "invalid", reason: "The check-in window has closed" };
      }
      mode = open.mode;
    } else if (info && !tt?.admission) {
      return {
        ...base,
        ticket,
        result: "invalid",
        reason: "This ticket is an add-on, not an admission",
      };
    }
    const used = this.used.get(key);
    const warning = info ? undefined : "Not in this device's list yet: check the ticket";
    if (direction === "out") {
      if (mode !== "reentry") {
        return {
          ...base,
          ticket,
          result: "invalid",
          reason: "No re-entry on this ticket: exits are not recorded",
        };
      }
      if (!used?.inside) {
        return { ...base, ticket, result: "invalid", reason: "This ticket is not inside" };
      }
      return { ...base, ticket, result: "exited" };
    }
    if (!used || (mode === "reentry" && !used.inside)) {
      return { ...base, ticket, result: "admitted", ...(warning ? { warning } : {}) };
    }
    return {
      ...base,
      ticket,
      result: "already_used",
      reason: "Already used",
      used_at: new Date(used.at).toISOString(),
      ...(this.gateName(used.gate) ? { used_gate: this.gateName(used.gate)! } : {}),
    };
  }
}
