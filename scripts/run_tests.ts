// deno task test: a fresh test database, every test (SQL via pgTAP, server, browser), and a
// closing summary line "Summary: N passed, N failed".
import postgres from "postgres";
import { adminDatabaseUrl } from "../lib/config.ts";
import { migrate } from "../lib/migrate.ts";

const testDb = Deno.env.get("MUTAMBO_TEST_DB") ?? "mutambo_test";
const junitPath = new URL("../.data/junit.xml", import.meta.url).pathname;

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
const run = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--no-check=remote", `--junit-path=${junitPath}`, ...filters],
  env: { MUTAMBO_TEST_DB: testDb },
  stdout: "inherit",
  stderr: "inherit",
});
const { code } = await run.output();

let passed = 0;
let failed = 0;
try {
  const xml = await Deno.readTextFile(junitPath);
  // Count top-level tests and their steps alike: each <testcase> is one check that ran.
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[2] ?? "";
    if (/<failure\b|<error\b/.test(body)) failed++;
    else if (!/<skipped\b/.test(body)) passed++;
  }
} catch {
  failed = Math.max(failed, 1);
}
if (code !== 0 && failed === 0) failed = 1; // a crash or type error before any test ran
console.log(`\nSummary: ${passed} passed, ${failed} failed`);
Deno.exit(code === 0 && failed === 0 ? 0 : 1);
