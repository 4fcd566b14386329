// Per-minute series with the empty minutes filled in (pure helpers for the island and tests).

/** Minute starts (ms) from `since` to `now`, inclusive, at most `max` of the latest. */
export function minutes(since: string, now: string, max = 120): number[] {
  const end = Math.floor(Date.parse(now) / 60_000) * 60_000;
  let start = Math.floor(Date.parse(since) / 60_000) * 60_000;
  start = Math.max(start, end - (max - 1) * 60_000);
  const out: number[] = [];
  for (let t = start; t <= end; t += 60_000) out.push(t);
  return out;
}

/** Values per minute for `range`, 0 where `points` has none. */
export function fill<T extends { t: string }>(
  range: number[],
  points: T[],
  value: (p: T) => number,
): number[] {
  const byMinute = new Map<number, number>();
  for (const p of points) {
    const m = Math.floor(Date.parse(p.t) / 60_000) * 60_000;
    byMinute.set(m, (byMinute.get(m) ?? 0) + value(p));
  }
  return range.map((m) => byMinute.get(m) ?? 0);
}

/** Money as the buyer site writes it ("US$6.00"), from minor units: one style everywhere. */
export { formatMoney as money } from "../format.ts";
