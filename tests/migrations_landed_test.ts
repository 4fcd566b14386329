// Landed migrations are never edited (sql/landed.sha256, lib/landed.ts). CI migrates a fresh
// database, so an edit to a landed file passes there and fails only on the databases of people
// who upgrade: lib/migrate.ts refuses a file whose text no longer matches what it applied.
import assert from "node:assert/strict";
import { editedLandedFiles, landedChecksums } from "../lib/landed.ts";
import { migrationFiles } from "../lib/migrate.ts";

Deno.test("no landed migration was edited or removed", async () => {
  assert.deepEqual(
    await editedLandedFiles(),
    [],
    "a landed migration changed: undo the edit and put the change in a new numbered file",
  );
  assert((await landedChecksums()).size >= 39, "sql/landed.sha256 lists the landed files");
});

Deno.test("the check finds an edited landed file and a removed one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = (await migrationFiles()).slice(0, 3);
    for (const f of files) await Deno.copyFile(f.path, `${dir}/${f.name}`);
    const list = `${dir}/landed.sha256`;
    await Deno.writeTextFile(list, files.map((f) => `${f.checksum}  ${f.name}\n`).join(""));
    assert.deepEqual(await editedLandedFiles(dir, list), []);

    await Deno.writeTextFile(`${dir}/${files[1]!.name}`, "\n-- one more line", { append: true });
    await Deno.remove(`${dir}/${files[2]!.name}`);
    assert.deepEqual(await editedLandedFiles(dir, list), [files[1]!.name, files[2]!.name]);

    await Deno.writeTextFile(list, "not a checksum line\n");
    await assert.rejects(() => landedChecksums(list), /not "<sha256> {2}<file>"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
