// Paystack settlement transactions. Based on Paystack's Settlements API
// (GET /settlement and GET /settlement/:id/transactions: transaction objects with id,
// reference, amount and fees in the currency's subunit (kobo, cents), currency, status,
// paid_at), which is also what the dashboard's settlement export lists. Found with `search`
// (paystack.com/docs/api/settlement, hexdocs Paystack.Settlement, the API's "amounts are
// positive integers in subunits"); no real export file was available to compare.
//
//   settlement_id,id,reference,amount,fees,currency,status,paid_at[,type][,settled_at]
//
// * reference: the transaction reference we created (our intent id, "<order>-<8 hex>").
// * amount, fees: integer subunits; net = amount - fees.
// * type (our optional column, absent from Paystack's export): transaction (default),
//   refund, chargeback/dispute, fee, payout; status "success" rows only (others are not
//   settled and are skipped).
import { SettlementFileError } from "./csv.ts";
import { currencyCode, isoTime, wholeMinor } from "./amounts.ts";
import type { SettlementFormat, SettlementLineType } from "./types.ts";

const TYPE: Record<string, SettlementLineType> = {
  "": "payment",
  transaction: "payment",
  payment: "payment",
  charge: "payment",
  refund: "refund",
  chargeback: "chargeback",
  dispute: "chargeback",
  fee: "fee",
  payout: "payout",
  settlement: "payout",
};

export const paystackFormat: SettlementFormat = {
  provider: "paystack",
  label: "Paystack (settlement transactions)",
  required: ["reference", "amount", "fees", "currency", "paid_at"],
  parse(v, line) {
    const status = (v.status ?? "success").toLowerCase();
    if (status && status !== "success" && status !== "successful") return null;
    const type = TYPE[(v.type ?? "").toLowerCase()];
    if (!type) throw new SettlementFileError(line, `Type "${v.type}" is not a Paystack line type`);
    const amount = wholeMinor(v.amount!, { line, column: "amount" });
    const fee = wholeMinor(v.fees!, { line, column: "fees" });
    if (fee < 0) throw new SettlementFileError(line, `fees "${v.fees}" must not be negative`);
    const gross = type === "payment" || type === "fee" ? amount : -Math.abs(amount);
    if (!v.reference) throw new SettlementFileError(line, "Needs a reference");
    return {
      type,
      reference: v.reference,
      intent_id: type === "payout" || type === "fee" ? null : v.reference,
      gross_minor: gross,
      fee_minor: fee,
      net_minor: gross - fee,
      currency: currencyCode(v.currency!, line),
      settled_at: isoTime(v.settled_at || v.paid_at!, { line, column: "paid_at" }),
      payout_id: v.settlement_id || null,
    };
  },
};
