// The normalized settlement line api.import_settlement takes (sql/232_settlements.sql).

export type SettlementLineType = "payment" | "refund" | "chargeback" | "fee" | "payout";

export interface NormalizedLine {
  type: SettlementLineType;
  /** The provider's reference of the line (its transaction, refund or payout id, or ours). */
  reference: string;
  /** Our payment intent id (the provider reference we stored with the payment), if known. */
  intent_id: string | null;
  /** Integer minor units; negative for money going out (refunds, chargebacks, payouts). */
  gross_minor: number;
  /** Provider fee, minor units, never negative. */
  fee_minor: number;
  net_minor: number;
  currency: string;
  /** ISO timestamp. */
  settled_at: string;
  payout_id: string | null;
}

/** A provider's report format: the columns it needs and how a row becomes a line. */
export interface SettlementFormat {
  provider: string;
  label: string;
  required: string[];
  /** A row as a line, or null for a row that carries no money for us (e.g. a summary). */
  parse(values: Record<string, string>, line: number): NormalizedLine | null;
}
