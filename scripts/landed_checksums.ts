// Appends to sql/landed.sha256 the migrations not listed there yet (their checksums as
// lib/migrate.ts records them). Run it in the commit that lands new migration files; lines
// already there are never changed (tests/migrations_landed_test.ts holds the files to them).
//   deno run -A scripts/landed_checksums.ts
import { migrationFiles } from "../lib/migrate.ts";
import { landedChecksums, landedFile } from "../lib/landed.ts";

const listed = await landedChecksums();
const added = (await migrationFiles()).filter((f) => !listed.has(f.name));
if (added.length > 0) {
  await Deno.writeTextFile(landedFile, added.map((f) => `${f.checksum}  ${f.name}\n`).join(""), {
    append: true,
  });
}
console.log(added.length ? added.map((f) => `listed ${f.name}`).join("\n") : "nothing to add");
