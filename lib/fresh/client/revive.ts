// The inverse of ../serialize.ts, shipped to the browser in the runtime chunk: keep it small.

export const UNDEFINED = -1;
export const NAN = -2;
export const POS_INFINITY = -3;
export const NEG_INFINITY = -4;
export const NEG_ZERO = -5;

const CONSTANTS: Record<number, unknown> = {
  [UNDEFINED]: undefined,
  [NAN]: NaN,
  [POS_INFINITY]: Infinity,
  [NEG_INFINITY]: -Infinity,
  [NEG_ZERO]: -0,
};

/** Makes a signal for a revived signal prop (the page's own @preact/signals `signal`). */
export type SignalFactory = (value: unknown) => { value: unknown };

/** Parses the text of serialize(); `signal` is needed only when the data contains signals. */
export function revive(text: string, signal?: SignalFactory): unknown {
  const table = JSON.parse(text) as unknown[];
  const done = new Map<number, unknown>();

  const get = (i: number): unknown => {
    if (i < 0) return CONSTANTS[i];
    if (done.has(i)) return done.get(i);
    const entry = table[i];
    if (typeof entry !== "object" || entry === null) return entry;
    if (Array.isArray(entry)) {
      if (typeof entry[0] === "string") {
        const [tag, a] = entry as [string, unknown];
        let out: unknown;
        if (tag === "Date") out = new Date(a === null ? NaN : a as string);
        else if (tag === "BigInt") out = BigInt(a as string);
        else if (tag === "URL") out = new URL(a as string);
        else if (tag === "Signal") {
          if (!signal) throw new Error("Island props contain a signal but none can be made");
          const s = signal(undefined);
          done.set(i, s);
          s.value = get(a as number);
          return s;
        } else if (tag === "Map") {
          const map = new Map();
          done.set(i, map);
          for (let k = 1; k < entry.length; k += 2) {
            map.set(get(entry[k] as number), get(entry[k + 1] as number));
          }
          return map;
        } else if (tag === "Set") {
          const set = new Set();
          done.set(i, set);
          for (let k = 1; k < entry.length; k++) set.add(get(entry[k] as number));
          return set;
        } else throw new Error(`Unknown serialized type "${tag}"`);
        done.set(i, out);
        return out;
      }
      const arr: unknown[] = [];
      done.set(i, arr);
      for (const r of entry as number[]) arr.push(get(r));
      return arr;
    }
    const obj: Record<string, unknown> = {};
    done.set(i, obj);
    for (const [k, r] of Object.entries(entry as Record<string, number>)) {
      Object.defineProperty(obj, k, {
        value: get(r),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return obj;
  };
  return get(0);
}
