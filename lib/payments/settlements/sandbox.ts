// The sandbox provider's settlement report, our own format (the sandbox party writes it, see
// sandboxSettlementCsv; finance can also upload it by hand):
//
//   type,intent_id,reference,currency,gross,fee,net,settled_at,payout_id
//   payment,pi_3f…,K7QW2M4X,USD,12.50,0.45,12.05,2026-03-01T10:00:00Z,po_…
//   refund,pi_3f…,re_91…,USD,-12.50,0.00,-12.50,2026-03-02T10:00:00Z,po_…
//   payout,,po_…,USD,-1234.00,0.00,-1234.00,2026-03-03T00:00:00Z,po_…
//
// * type: payment | refund | chargeback | fee | payout.
// * intent_id: the sandbox intent id (our payment reference); empty for fees and payouts.
// * reference: the order code for payments, the sandbox refund id for refunds, the payout id
//   for payouts.
// * gross, fee, net: decimal major units of `currency` (thousands separators allowed);
//   money out is negative; fee is never negative; net must equal gross - fee.
// * settled_at: ISO 8601 (UTC when no zone).
import { SettlementFileError } from "./csv.ts";
import { currencyCode, isoTime, majorToMinor } from "./amounts.ts";
import type { NormalizedLine, SettlementFormat, SettlementLineType } from "./types.ts";

const TYPES = ["payment", "refund", "chargeback", "fee", "payout"];

export const sandboxFormat: SettlementFormat = {
  provider: "sandbox",
  label: "Sandbox (Mutambo test provider)",
  required: ["type", "intent_id", "reference", "currency", "gross", "fee", "settled_at"],
  parse(v, line) {
    const type = v.type!.toLowerCase();
    if (!TYPES.includes(type)) {
      throw new SettlementFileError(
        line,
        `Type "${v.type}" must be payment, refund, chargeback, fee or payout`,
      );
    }
    const currency = currencyCode(v.currency!, line);
    const gross = majorToMinor(v.gross!, currency, { line, column: "gross" });
    const fee = majorToMinor(v.fee!, currency, { line, column: "fee" });
    if (fee < 0) throw new SettlementFileError(line, `fee "${v.fee}" must not be negative`);
    if (v.net) {
      const net = majorToMinor(v.net, currency, { line, column: "net" });
      if (net !== gross - fee) {
        throw new SettlementFileError(
          line,
          `net "${v.net}" is not gross "${v.gross}" minus fee "${v.fee}"`,
        );
      }
    }
    const reference = v.reference || v.intent_id || "";
    if (!reference) throw new SettlementFileError(line, "Needs a reference or an intent_id");
    return {
      type: type as SettlementLineType,
      reference,
      intent_id: v.intent_id || null,
      gross_minor: gross,
      fee_minor: fee,
      net_minor: gross - fee,
      currency,
      settled_at: isoTime(v.settled_at!, { line, column: "settled_at" }),
      payout_id: v.payout_id || null,
    };
  },
};

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function major(minor: number, currency: string): string {
  const d = currency === "JPY" ? 0 : 2;
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor).toString().padStart(d + 1, "0");
  return d === 0 ? sign + abs : `${sign}${abs.slice(0, -d)}.${abs.slice(-d)}`;
}

/** Writes normalized lines in the sandbox's settlement CSV format (CRLF, as spreadsheets do). */
export function sandboxSettlementCsv(lines: NormalizedLine[]): string {
  const head = "type,intent_id,reference,currency,gross,fee,net,settled_at,payout_id";
  return [
    head,
    ...lines.map((l) =>
      [
        l.type,
        l.intent_id ?? "",
        l.reference,
        l.currency,
        major(l.gross_minor, l.currency),
        major(l.fee_minor, l.currency),
        major(l.gross_minor - l.fee_minor, l.currency),
        l.settled_at,
        l.payout_id ?? "",
      ].map(cell).join(",")
    ),
  ].join("\r\n") + "\r\n";
}
