// deno task test: a fresh test database, every test (SQL via pgTAP, server, browser), and a
// closing summary line "Summary: N passed, N failed".
import postgres from "postgres";
import { adminDatabaseUrl } from "../lib/config.ts";
import { migrate } from "../lib/migrate.ts";

const testDb = Deno.env.get("MUTAMBO_TEST_DB") ?? "mutambo_test";

// Recreate the test database so every run starts from the migrations alone.
const admin = postgres(adminDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
await admin.unsafe(`drop database if exists "${testDb}" with (force)`);
await admin.unsafe(`create database "${testDb}"`);
await admin.end();
try {
  await migrate(adminDatabaseUrl(testDb));
} catch (error) {
  console.error((error as Error).message);
  console.log("Summary: 0 passed, 1 failed");
  Deno.exit(1);
}

const filters = Deno.args.length ? Deno.args : ["tests/"];
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--no-check=remote", ...filters],
  env: { MUTAMBO_TEST_DB: testDb },
  stdout: "piped",
  stderr: "inherit",
}).spawn();

// Stream deno test's output through, keeping its tail to read the totals from.
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4000);
}
const { code } = await child.status;

// deno test closes with e.g. "ok | 97 passed (12 steps) | 0 failed (3s)".
// deno-lint-ignore no-control-regex
const plain = tail.replace(/\x1b\[[0-9;]*m/g, "");
const totals = [...plain.matchAll(/(\d+) passed[^|\n]*\|\s*(\d+) failed/g)].at(-1);
const passed = Number(totals?.[1] ?? 0);
let failed = Number(totals?.[2] ?? 0);
if (code !== 0 && failed === 0) failed = 1; // a type error or crash before any test ran
console.log(`\nSummary: ${passed} passed, ${failed} failed`);
Deno.exit(code === 0 && failed === 0 ? 0 : 1);
