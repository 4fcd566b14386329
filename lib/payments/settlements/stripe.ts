// Stripe's itemized payout reconciliation report (report type payout_reconciliation.itemized,
// downloadable from the Dashboard or the Reporting API; same columns as
// balance_change_from_activity.itemized). Based on docs.stripe.com/reports/payout-reconciliation
// and the Reporting API column list found with `search`: balance_transaction_id,
// created_utc, available_on_utc, currency (lower case), gross, fee, net (decimal MAJOR units),
// reporting_category (charge, refund, dispute, dispute_reversal, fee, payout, …), source_id,
// payment_intent_id, charge_id, automatic_payout_id, description.
//
// * payment_intent_id is our intent id (Checkout Session's PaymentIntent).
// * A negative fee (a fee Stripe gave back on a refund) is counted as fee 0: our ledger
//   posts fees only when they are charged (the gross of the refund still has to match).
// * Categories we do not post (transfer, topup, other_adjustment, …) are refused by name.
import { SettlementFileError } from "./csv.ts";
import { currencyCode, isoTime, majorToMinor } from "./amounts.ts";
import type { SettlementFormat, SettlementLineType } from "./types.ts";

const CATEGORY: Record<string, SettlementLineType> = {
  charge: "payment",
  payment: "payment",
  refund: "refund",
  partial_capture_reversal: "refund",
  dispute: "chargeback",
  fee: "fee",
  stripe_fee: "fee",
  network_cost: "fee",
  payout: "payout",
};

export const stripeFormat: SettlementFormat = {
  provider: "stripe",
  label: "Stripe (itemized payout reconciliation)",
  required: ["balance_transaction_id", "currency", "gross", "fee", "reporting_category"],
  parse(v, line) {
    const type = CATEGORY[v.reporting_category!.toLowerCase()];
    if (!type) {
      throw new SettlementFileError(
        line,
        `Reporting category "${v.reporting_category}" is not one we reconcile (charge, refund, dispute, fee, payout)`,
      );
    }
    const currency = currencyCode(v.currency!, line);
    const gross = majorToMinor(v.gross!, currency, { line, column: "gross" });
    const rawFee = majorToMinor(v.fee!, currency, { line, column: "fee" });
    const fee = Math.max(0, rawFee);
    if (v.net && majorToMinor(v.net, currency, { line, column: "net" }) !== gross - rawFee) {
      throw new SettlementFileError(
        line,
        `net "${v.net}" is not gross "${v.gross}" minus fee "${v.fee}"`,
      );
    }
    const when = v.available_on_utc || v.created_utc || v.created || "";
    return {
      type,
      reference: type === "payment"
        ? (v.payment_intent_id || v.charge_id || v.balance_transaction_id!)
        : type === "payout"
        ? (v.automatic_payout_id || v.source_id || v.balance_transaction_id!)
        : (v.source_id || v.balance_transaction_id!),
      intent_id: v.payment_intent_id || null,
      gross_minor: gross,
      fee_minor: fee,
      net_minor: gross - fee,
      currency,
      settled_at: isoTime(when, { line, column: "available_on_utc" }),
      payout_id: v.automatic_payout_id || null,
    };
  },
};
