// Money and dates in settlement files: decimal amounts in major units ("1,234.50", "-12.00",
// "1 234,50" is refused as ambiguous) to integer minor units of the currency, exactly (no
// floating point), and report dates to ISO timestamps.
import { SettlementFileError } from "./csv.ts";

/** Digits after the decimal point per ISO 4217 (2 when not listed). */
const DECIMALS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

export function currencyDecimals(currency: string): number {
  return DECIMALS[currency] ?? 2;
}

/** A 3-letter currency code, upper case (Stripe writes "usd"). */
export function currencyCode(value: string, line: number): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) {
    throw new SettlementFileError(line, `Currency "${value}" is not a 3-letter code`);
  }
  return code;
}

/**
 * A decimal amount in major units as integer minor units: "1,234.50" USD -> 123450.
 * Thousands separators (",", "'", "_" or spaces between groups of three) are dropped; more
 * decimals than the currency has is an error, never a rounding.
 */
export function majorToMinor(
  value: string,
  currency: string,
  where: { line: number; column: string },
): number {
  const raw = value.trim();
  let text = raw.replace(/^\((.*)\)$/, "-$1"); // accounting negatives: (12.00)
  text = text.replace(/^([+-]?)\s*[A-Z]{3}\s*/i, "$1"); // a leading currency code
  text = text.replace(/(\d)[,'_ ](?=\d{3}(\D|$))/g, "$1");
  const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) {
    throw new SettlementFileError(where.line, `${where.column} "${raw}" is not an amount`);
  }
  const decimals = currencyDecimals(currency);
  const frac = m[3] ?? "";
  if (frac.replace(/0+$/, "").length > decimals) {
    throw new SettlementFileError(
      where.line,
      `${where.column} "${raw}" has more than ${decimals} decimals for ${currency}`,
    );
  }
  const minor = BigInt(m[2]!) * 10n ** BigInt(decimals) +
    BigInt((frac + "000").slice(0, decimals) || "0");
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new SettlementFileError(where.line, `${where.column} "${raw}" is too large`);
  }
  return m[1] === "-" && minor !== 0n ? -Number(minor) : Number(minor);
}

/** An integer amount already in minor units ("250000", "2,500"), as Paystack reports them. */
export function wholeMinor(value: string, where: { line: number; column: string }): number {
  const text = value.trim().replace(/(\d)[,'_ ](?=\d{3}(\D|$))/g, "$1");
  if (!/^[+-]?\d{1,15}$/.test(text)) {
    throw new SettlementFileError(
      where.line,
      `${where.column} "${value.trim()}" is not a whole number of minor units`,
    );
  }
  return Number(text);
}

/** A date or date and time (ISO 8601, "2026-03-01 14:05:00", or a unix timestamp) as ISO. */
export function isoTime(value: string, where: { line: number; column: string }): string {
  const text = value.trim();
  let d: Date;
  if (/^\d{9,11}$/.test(text)) d = new Date(Number(text) * 1000);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) d = new Date(`${text}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) {
    d = new Date(`${text.replace(" ", "T")}Z`); // no zone: UTC, as the providers' reports are
  } else d = new Date(text);
  if (!text || Number.isNaN(d.getTime()) || !/^\d|^[A-Z][a-z]{2}/.test(text)) {
    throw new SettlementFileError(where.line, `${where.column} "${text}" is not a date`);
  }
  return d.toISOString();
}
