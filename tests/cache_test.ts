import assert from "node:assert/strict";
import { TtlCache } from "../lib/cache.ts";

Deno.test("TtlCache loads once for concurrent callers and again after the TTL", async () => {
  const cache = new TtlCache<number>(30);
  let loads = 0;
  const load = () => Promise.resolve(++loads);
  const [a, b] = await Promise.all([cache.get("k", load), cache.get("k", load)]);
  assert.deepEqual([a, b, loads], [1, 1, 1]);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(await cache.get("k", load), 2);
});

Deno.test("TtlCache does not keep failures and evicts the oldest entry", async () => {
  const cache = new TtlCache<string>(10_000, 2);
  await assert.rejects(cache.get("bad", () => Promise.reject(new Error("down"))));
  assert.equal(await cache.get("bad", () => Promise.resolve("up")), "up");
  await cache.get("b", () => Promise.resolve("b"));
  await cache.get("c", () => Promise.resolve("c")); // evicts "bad", the oldest
  assert.equal(await cache.get("bad", () => Promise.resolve("reloaded")), "reloaded");
});
