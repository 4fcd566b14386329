// Runs every pgTAP file in tests/sql/ (one test step per file) with psql against the
// migrated test database. A step fails on a psql error, any "not ok" line, or a plan
// mismatch. Files starting with "_" are fixtures included by the others (\ir).
import { ensureTestDatabase, testAdminUrl } from "./support/db.ts";

const dir = new URL("./sql/", import.meta.url).pathname;

function files(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && entry.name.endsWith(".sql") && !entry.name.startsWith("_")) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

Deno.test("pgTAP", async (t) => {
  await ensureTestDatabase();
  const list = files();
  if (list.length === 0) throw new Error("No pgTAP files found in tests/sql/");
  for (const name of list) {
    await t.step(name, async () => {
      const { code, stdout, stderr } = await new Deno.Command("psql", {
        args: [
          "-X",
          "-q",
          "-t",
          "-A",
          "-v",
          "ON_ERROR_STOP=1",
          "-d",
          testAdminUrl(),
          "-f",
          `${dir}${name}`,
        ],
        stdout: "piped",
        stderr: "piped",
        env: { PGOPTIONS: "-c client_min_messages=warning" },
      }).output();
      const out = new TextDecoder().decode(stdout);
      const err = new TextDecoder().decode(stderr);
      const lines = out.split("\n").map((l) => l.trim());
      const failed = lines.filter((l) => /^not ok\b/.test(l));
      const planLine = lines.find((l) => /^1\.\.\d+$/.test(l));
      const ran = lines.filter((l) => /^(not )?ok \d+/.test(l)).length;
      const problems: string[] = [];
      if (code !== 0) problems.push(`psql exited with ${code}: ${err.trim()}`);
      if (failed.length) problems.push(`${failed.length} failed:\n${failed.join("\n")}`);
      if (!planLine) problems.push("no plan line (1..N) in the output");
      else if (Number(planLine.slice(3)) !== ran) {
        problems.push(`planned ${planLine.slice(3)} tests but ran ${ran}`);
      }
      if (lines.some((l) => l.startsWith("# Looks like"))) {
        problems.push(lines.filter((l) => l.startsWith("# Looks like")).join("\n"));
      }
      if (problems.length) {
        throw new Error(`${name}:\n${problems.join("\n")}\n--- output ---\n${out}\n${err}`);
      }
    });
  }
});
