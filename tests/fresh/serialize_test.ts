// serialize() on the server and revive() in the browser are inverses.
import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { revive } from "../../lib/fresh/client/revive.ts";
import { serialize } from "../../lib/fresh/serialize.ts";

Deno.test("round trip of every supported type, with shared references and cycles", () => {
  const shared = signal(5);
  const list: unknown[] = [1, "two", null, undefined, true];
  const value = {
    a: shared,
    b: shared,
    n: [NaN, Infinity, -Infinity, -0, 0, 1.5],
    d: new Date("2024-05-06T07:08:09.000Z"),
    big: 12345678901234567890n,
    url: new URL("https://example.com/x?y=1"),
    map: new Map<string, number>([["k", 1]]),
    set: new Set(["s"]),
    nested: { list, again: list },
    nil: Object.assign(Object.create(null), { x: 1 }),
  };
  Object.defineProperty(value, "__proto__", { value: { polluted: true }, enumerable: true });
  const made: unknown[] = [];
  const back = revive(serialize(value), (v) => {
    const s = signal(v);
    made.push(s);
    return s;
  }) as Record<string, unknown>;
  assert.equal(made.length, 1);
  assert.equal(back.a, back.b);
  assert.equal((back.a as typeof shared).value, 5);
  assert.deepEqual(back.n, [NaN, Infinity, -Infinity, -0, 0, 1.5]);
  assert.ok(Object.is((back.n as number[])[3], -0));
  assert.deepEqual(back.d, value.d);
  assert.equal(back.big, value.big);
  assert.equal((back.url as URL).href, value.url.href);
  assert.deepEqual(back.map, value.map);
  assert.deepEqual(back.set, value.set);
  const nested = back.nested as { list: unknown[]; again: unknown[] };
  assert.equal(nested.list, nested.again);
  assert.deepEqual(nested.list, list);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, { polluted: true });

  const cyclic: Record<string, unknown> = { name: "c" };
  cyclic.self = cyclic;
  const c = revive(serialize(cyclic)) as Record<string, unknown>;
  assert.equal(c.self, c);
});

Deno.test("functions, symbols, class instances and nested JSX are refused with a path", () => {
  class Money {
    constructor(public cents: number) {}
  }
  assert.throws(
    () => serialize({ a: [{ f: () => 1 }] }),
    /functions are not serializable \(at a\[0\]\.f\)/,
  );
  assert.throws(
    () => serialize({ m: new Money(1) }),
    /class "Money" are not serializable \(at m\)/,
  );
  assert.throws(() => serialize({ s: Symbol("x") }), /symbols/);
  assert.throws(() => serialize({ x: [{ type: "p", props: {}, constructor: undefined }] }), /JSX/);
});
