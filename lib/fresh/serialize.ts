// Island props → JSON text. The format is a flat table (like devalue): the root is entry 0,
// objects and arrays hold indexes of other entries, so shared references (one signal passed to
// two islands) stay shared and cycles are fine. Tagged entries are arrays whose first element
// is a string: ["Date", iso], ["Signal", ref], ["BigInt", "12"], ["URL", href],
// ["Map", k, v, …], ["Set", v, …]. Negative references are constants (see client/revive.ts).
import { isValidElement } from "preact";
import { NAN, NEG_INFINITY, NEG_ZERO, POS_INFINITY, UNDEFINED } from "./client/revive.ts";

const SIGNAL_BRAND = Symbol.for("preact-signals");

/** Thrown for a value that cannot be sent to the browser; `path` locates it in the root. */
export class SerializeError extends Error {
  readonly path: (string | number)[];
  readonly reason: string;
  constructor(reason: string, path: (string | number)[]) {
    super(`${reason} (at ${formatPath(path)})`);
    this.name = "SerializeError";
    this.reason = reason;
    this.path = path;
  }
}

export function formatPath(path: (string | number)[]): string {
  return path.map((p, i) =>
    typeof p === "number"
      ? `[${p}]`
      : /^[A-Za-z_$][\w$]*$/.test(p)
      ? (i ? `.${p}` : p)
      : `[${JSON.stringify(p)}]`
  ).join("");
}

export function isSignal(value: unknown): value is { peek(): unknown; value: unknown } {
  return typeof value === "object" && value !== null &&
    (value as { brand?: unknown }).brand === SIGNAL_BRAND;
}

/** Serializes `root` to JSON text; throws SerializeError for functions and class instances. */
export function serialize(root: unknown): string {
  const table: unknown[] = [];
  const seen = new Map<object, number>();

  const ref = (value: unknown, path: (string | number)[]): number => {
    switch (typeof value) {
      case "undefined":
        return UNDEFINED;
      case "number":
        if (Number.isNaN(value)) return NAN;
        if (value === Infinity) return POS_INFINITY;
        if (value === -Infinity) return NEG_INFINITY;
        if (Object.is(value, -0)) return NEG_ZERO;
        return table.push(value) - 1;
      case "string":
      case "boolean":
        return table.push(value) - 1;
      case "bigint":
        return table.push(["BigInt", value.toString()]) - 1;
      case "function":
        throw new SerializeError("functions are not serializable", path);
      case "symbol":
        throw new SerializeError("symbols are not serializable", path);
    }
    if (value === null) return table.push(null) - 1;
    const obj = value as object;
    const known = seen.get(obj);
    if (known !== undefined) return known;
    const index = table.push(undefined) - 1;
    seen.set(obj, index);
    if (isSignal(obj)) {
      const entry: unknown[] = ["Signal"];
      table[index] = entry;
      entry.push(ref(obj.peek(), [...path, "value"]));
    } else if (Array.isArray(obj)) {
      const entry: number[] = [];
      table[index] = entry;
      for (let i = 0; i < obj.length; i++) entry.push(ref(obj[i], [...path, i]));
    } else if (obj instanceof Date) {
      table[index] = ["Date", Number.isNaN(obj.getTime()) ? null : obj.toISOString()];
    } else if (obj instanceof URL) {
      table[index] = ["URL", obj.href];
    } else if (obj instanceof Map) {
      const entry: unknown[] = ["Map"];
      table[index] = entry;
      let i = 0;
      for (const [k, v] of obj) {
        entry.push(ref(k, [...path, `<key ${i}>`]), ref(v, [...path, `<value ${i}>`]));
        i++;
      }
    } else if (obj instanceof Set) {
      const entry: unknown[] = ["Set"];
      table[index] = entry;
      let i = 0;
      for (const v of obj) entry.push(ref(v, [...path, `<item ${i++}>`]));
    } else if (isValidElement(obj) && "type" in obj && "props" in obj) {
      throw new SerializeError(
        "JSX is only supported as a top-level prop of an island (it becomes a slot)",
        path,
      );
    } else {
      const proto = Object.getPrototypeOf(obj);
      if (proto !== Object.prototype && proto !== null) {
        const name = (proto as { constructor?: { name?: string } }).constructor?.name || "unknown";
        throw new SerializeError(`instances of class "${name}" are not serializable`, path);
      }
      const entry: Record<string, number> = {};
      table[index] = entry;
      for (const key of Object.keys(obj)) {
        const v = ref((obj as Record<string, unknown>)[key], [...path, key]);
        if (key === "__proto__") {
          Object.defineProperty(entry, key, { value: v, enumerable: true, writable: true });
        } else entry[key] = v;
      }
    }
    return index;
  };

  ref(root, []);
  return JSON.stringify(table);
}

/** JSON text made safe to embed inside a <script> element. */
export function escapeScriptJson(json: string): string {
  return json.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
