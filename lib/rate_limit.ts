// Fixed-window counters in Deno KV, e.g. failed sign-ins per email and per IP address.
// Each key's counter lives until the end of its window (KV expireIn) and is updated with an
// atomic check on its versionstamp, so parallel requests cannot lose a count.
import { kv } from "./admin_session.ts";

export interface Limit {
  /** Attempts allowed per window. */
  max: number;
  windowMs: number;
}

export interface LimitState {
  count: number;
  /** When the window ends (ms since epoch). */
  resetAt: number;
}

function key(bucket: string, id: string): Deno.KvKey {
  return ["rate", bucket, id.toLowerCase()];
}

/** The current count; `blocked` when it has reached the limit. */
export async function peek(
  bucket: string,
  id: string,
  limit: Limit,
): Promise<LimitState & { blocked: boolean }> {
  const entry = await (await kv()).get<LimitState>(key(bucket, id));
  const now = Date.now();
  const state = entry.value && entry.value.resetAt > now
    ? entry.value
    : { count: 0, resetAt: now + limit.windowMs };
  return { ...state, blocked: state.count >= limit.max };
}

/** Counts one attempt. Returns the state after counting. */
export async function hit(bucket: string, id: string, limit: Limit): Promise<LimitState> {
  const store = await kv();
  const k = key(bucket, id);
  for (let i = 0; i < 10; i++) {
    const entry = await store.get<LimitState>(k);
    const now = Date.now();
    const next = entry.value && entry.value.resetAt > now
      ? { count: entry.value.count + 1, resetAt: entry.value.resetAt }
      : { count: 1, resetAt: now + limit.windowMs };
    const result = await store.atomic().check(entry).set(k, next, {
      expireIn: Math.max(1, next.resetAt - now),
    }).commit();
    if (result.ok) return next;
  }
  throw new Error(`Could not update the rate limit for ${bucket}`);
}

export async function clear(bucket: string, id: string): Promise<void> {
  await (await kv()).delete(key(bucket, id));
}
