// Runs every bench/*.ts file (except this one) in turn, passing the arguments on
// (e.g. `deno task bench -- --quick`). Exits non-zero when any bench fails.
const dir = new URL("./", import.meta.url).pathname;
const files = [...Deno.readDirSync(dir)]
  .filter((e) =>
    e.isFile && e.name.endsWith(".ts") && e.name !== "run_all.ts" && !e.name.startsWith("_")
  )
  .map((e) => e.name)
  .sort();
let failed = 0;
for (const name of files) {
  console.log(`\n=== bench/${name} ===`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${dir}${name}`, ...Deno.args],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    failed++;
    console.log(`bench/${name} exited with ${code}`);
  }
}
if (failed) Deno.exit(1);
