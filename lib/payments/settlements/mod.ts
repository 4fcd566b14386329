// Settlement reports: each provider's CSV read into the normalized lines api.import_settlement
// takes, with the file's sha256 (the import happens once per file) and its period.
import { readCsv, SettlementFileError } from "./csv.ts";
import { flutterwaveFormat } from "./flutterwave.ts";
import { paystackFormat } from "./paystack.ts";
import { sandboxFormat } from "./sandbox.ts";
import { stripeFormat } from "./stripe.ts";
import type { NormalizedLine, SettlementFormat } from "./types.ts";

export { SettlementFileError } from "./csv.ts";
export type { NormalizedLine } from "./types.ts";

export const SETTLEMENT_FORMATS: Record<string, SettlementFormat> = {
  sandbox: sandboxFormat,
  paystack: paystackFormat,
  flutterwave: flutterwaveFormat,
  stripe: stripeFormat,
};

export const MAX_SETTLEMENT_LINES = 100_000;

export interface ParsedSettlement {
  provider: string;
  sha256: string;
  lines: NormalizedLine[];
  periodFrom: string | null;
  periodTo: string | null;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads a provider's settlement CSV; throws SettlementFileError naming the bad line. */
export async function parseSettlement(provider: string, text: string): Promise<ParsedSettlement> {
  const format = SETTLEMENT_FORMATS[provider];
  if (!format) {
    throw new SettlementFileError(
      0,
      `Provider "${provider}" has no settlement format (choose ${
        Object.keys(SETTLEMENT_FORMATS).join(", ")
      })`,
    );
  }
  const rows = readCsv(text, { required: format.required });
  if (rows.length > MAX_SETTLEMENT_LINES) {
    throw new SettlementFileError(
      0,
      `The file has ${rows.length} lines; at most ${MAX_SETTLEMENT_LINES} fit in one import`,
    );
  }
  const lines: NormalizedLine[] = [];
  for (const row of rows) {
    const line = format.parse(row.values, row.line);
    if (line) lines.push(line);
  }
  if (lines.length === 0) throw new SettlementFileError(0, "The file has no settled lines");
  const days = lines.map((l) => l.settled_at.slice(0, 10)).sort();
  return {
    provider,
    sha256: await sha256(text),
    lines,
    periodFrom: days[0] ?? null,
    periodTo: days.at(-1) ?? null,
  };
}
