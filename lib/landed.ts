// sql/landed.sha256: the checksums of the migrations that have landed, one "<sha256>  <file>"
// per line (lines starting with # are comments). A database that applied a file records its
// checksum and refuses the file once its text changes (lib/migrate.ts), so a landed file is
// never edited; tests/migrations_landed_test.ts checks the files against this list.
import { projectRoot } from "./config.ts";
import { migrationFiles } from "./migrate.ts";

export const landedFile = `${projectRoot}sql/landed.sha256`;

/** File name → checksum, as listed. */
export async function landedChecksums(path = landedFile): Promise<Map<string, string>> {
  const listed = new Map<string, string>();
  for (const line of (await Deno.readTextFile(path)).split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const match = /^([0-9a-f]{64}) {2}(\d{3}_[a-z0-9_]+\.sql)$/.exec(line);
    if (!match) throw new Error(`${path}: not "<sha256>  <file>": ${line}`);
    listed.set(match[2]!, match[1]!);
  }
  return listed;
}

/** The listed migrations whose file is missing or no longer has its listed checksum. */
export async function editedLandedFiles(
  sqlDir = `${projectRoot}sql`,
  path = landedFile,
): Promise<string[]> {
  const files = new Map((await migrationFiles(sqlDir)).map((f) => [f.name, f.checksum]));
  return [...await landedChecksums(path)]
    .filter(([name, checksum]) => files.get(name) !== checksum)
    .map(([name]) => name);
}
