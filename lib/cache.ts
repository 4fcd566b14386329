// A small in-process cache for public reads that thousands of buyers ask for at once: the
// value for a key is loaded once (concurrent callers share the same promise) and kept for a
// short time. Failures are not kept. Only for data the same for every caller.

interface Entry<T> {
  expires: number;
  value: Promise<T>;
}

export class TtlCache<T> {
  #entries = new Map<string, Entry<T>>();

  constructor(readonly ttlMs: number, readonly maxEntries = 1000) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = load();
    this.#entries.delete(key); // re-insert so the Map's order is oldest first
    this.#entries.set(key, { expires: now + this.ttlMs, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
