// Flutterwave settlement transactions. Based on the v3 Settlements API (GET /v3/settlements/:id,
// documented in Flutterwave/Node-v3 documentation/settlements.md): each settlement (id,
// currency, gross_amount, app_fee, merchant_fee, net_amount, disburse_ref) lists transactions
// with tx_ref (the reference we created: our intent id), flw_ref, id, charged_amount,
// app_fee, merchant_fee, stampduty_charge, settlement_amount, status, transaction_date and
// currency, amounts in MAJOR units with decimals (e.g. 2826.96 NGN). One row per transaction:
//
//   settlement_id,id,tx_ref,flw_ref,charged_amount,app_fee,merchant_fee,stampduty_charge,
//   settlement_amount,currency,status,transaction_date[,type]
//
// * fee = app_fee + merchant_fee + stampduty_charge; settlement_amount (when given) must be
//   charged_amount - fee.
// * type (our optional column): payment (default), refund, chargeback, payout.
import { SettlementFileError } from "./csv.ts";
import { currencyCode, isoTime, majorToMinor } from "./amounts.ts";
import type { SettlementFormat, SettlementLineType } from "./types.ts";

const TYPE: Record<string, SettlementLineType> = {
  "": "payment",
  payment: "payment",
  charge: "payment",
  refund: "refund",
  chargeback: "chargeback",
  fee: "fee",
  payout: "payout",
};

export const flutterwaveFormat: SettlementFormat = {
  provider: "flutterwave",
  label: "Flutterwave (settlement transactions)",
  required: ["tx_ref", "charged_amount", "app_fee", "currency", "transaction_date"],
  parse(v, line) {
    const status = (v.status ?? "successful").toLowerCase();
    if (status && status !== "successful" && status !== "success") return null;
    const type = TYPE[(v.type ?? "").toLowerCase()];
    if (!type) {
      throw new SettlementFileError(line, `Type "${v.type}" is not a Flutterwave line type`);
    }
    const currency = currencyCode(v.currency!, line);
    const at = (column: string) =>
      v[column] ? majorToMinor(v[column]!, currency, { line, column }) : 0;
    const charged = at("charged_amount");
    const fee = at("app_fee") + at("merchant_fee") + at("stampduty_charge");
    if (fee < 0) throw new SettlementFileError(line, "The fees must not be negative");
    if (v.settlement_amount && Math.abs(at("settlement_amount")) !== Math.abs(charged) - fee) {
      throw new SettlementFileError(
        line,
        `settlement_amount "${v.settlement_amount}" is not charged_amount "${v.charged_amount}" minus the fees`,
      );
    }
    const gross = type === "payment" || type === "fee" ? charged : -Math.abs(charged);
    if (!v.tx_ref) throw new SettlementFileError(line, "Needs a tx_ref");
    return {
      type,
      reference: type === "payment" ? v.tx_ref : v.flw_ref || v.id || v.tx_ref,
      intent_id: type === "payout" || type === "fee" ? null : v.tx_ref,
      gross_minor: gross,
      fee_minor: fee,
      net_minor: gross - fee,
      currency,
      settled_at: isoTime(v.transaction_date!, { line, column: "transaction_date" }),
      payout_id: v.settlement_id || null,
    };
  },
};
