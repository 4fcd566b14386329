// Island bundles: one esbuild run at startup, ESM with code splitting (preact and signals end
// up in shared chunks), one entry per island plus the boot runtime, minified, kept in memory.
// The build id is a hash of every output file, so URLs under /_frsh/<id>/ are immutable.
import * as esbuild from "esbuild";
import { etagOf, type StaticFile } from "./static.ts";

export interface Island {
  name: string;
  /** Absolute path of the island module. */
  path: string;
}

export interface Bundle {
  id: string;
  /** File name (e.g. "island-Counter.js") → content. */
  files: Map<string, StaticFile>;
  /** URL of the runtime entry. */
  runtime: string;
  /** Island name → URL of its entry. */
  islands: Map<string, string>;
  /** Entry URL → URLs of the chunks it imports statically (transitively), for modulepreload. */
  preloads: Map<string, string[]>;
}

export const BUNDLE_PREFIX = "/_frsh/";
const RUNTIME = new URL("./client/boot.ts", import.meta.url).pathname;

/** Finds deno.json from `dir` upwards and returns its import map (empty if none). */
async function importMapFor(
  dir: string,
): Promise<{ base: string; imports: Record<string, string> }> {
  for (let d = dir; d !== "/" && d !== ""; d = d.slice(0, d.lastIndexOf("/")) || "/") {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        const text = await Deno.readTextFile(`${d}/${name}`);
        const json = JSON.parse(text.replace(/^\s*\/\/.*$/gm, "")) as {
          imports?: Record<string, string>;
        };
        return { base: d, imports: json.imports ?? {} };
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
  }
  return { base: dir, imports: {} };
}

/**
 * Resolves bare specifiers through deno.json's import map: "npm:pkg@1/sub" → node_modules
 * "pkg/sub" (nodeModulesDir is "auto"), "./path" → file relative to deno.json.
 */
function importMapPlugin(base: string, imports: Record<string, string>): esbuild.Plugin {
  const map = (specifier: string): string | undefined => {
    const exact = imports[specifier];
    if (exact !== undefined) return exact;
    let best = "";
    for (const key of Object.keys(imports)) {
      if (key.endsWith("/") && specifier.startsWith(key) && key.length > best.length) best = key;
    }
    return best ? imports[best] + specifier.slice(best.length) : undefined;
  };
  return {
    name: "deno-import-map",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if ((args.pluginData as { mapped?: boolean } | undefined)?.mapped) return undefined;
        const target = map(args.path);
        if (target === undefined) return undefined;
        let path: string;
        if (target.startsWith("npm:")) {
          // npm:/preact@10/hooks, npm:preact@10/hooks, npm:@scope/pkg@1/sub → pkg/sub
          const m = /^npm:\/?((?:@[^/]+\/)?[^@/]+)(?:@[^/]*)?(\/.*)?$/.exec(target);
          if (!m) return { errors: [{ text: `Cannot map "${target}" to node_modules` }] };
          path = m[1]! + (m[2] ?? "");
        } else if (target.startsWith("./") || target.startsWith("../")) {
          return { path: new URL(target, `file://${base}/`).pathname };
        } else {
          return { errors: [{ text: `Islands cannot import "${target}" (only npm: and files)` }] };
        }
        const result = await build.resolve(path, {
          kind: args.kind,
          resolveDir: base,
          pluginData: { mapped: true },
        });
        if (result.errors.length) return { errors: result.errors };
        return { path: result.path, sideEffects: result.sideEffects };
      });
    },
  };
}

let queue: Promise<unknown> = Promise.resolve();

/** Builds the islands; null when there are none (such an app never ships JavaScript). */
export function buildIslands(
  islands: Island[],
  options: { root: string; dev: boolean },
): Promise<Bundle | null> {
  if (islands.length === 0) return Promise.resolve(null);
  // One build at a time; esbuild's service is stopped after each so the process can exit.
  const run = queue.then(() => build(islands, options));
  queue = run.catch(() => {});
  return run;
}

async function build(islands: Island[], options: { root: string; dev: boolean }): Promise<Bundle> {
  const { base, imports } = await importMapFor(options.root);
  const entryPoints: Record<string, string> = { "fresh-runtime": RUNTIME };
  for (const island of islands) entryPoints[`island-${island.name}`] = island.path;
  const outdir = `${options.root}/_build/islands`;
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints,
      outdir,
      write: false,
      metafile: true,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      target: ["es2020"],
      minify: !options.dev,
      sourcemap: options.dev ? "inline" : false,
      jsx: "automatic",
      jsxImportSource: "preact",
      entryNames: "[name]",
      chunkNames: "chunk-[hash]",
      absWorkingDir: options.root,
      logLevel: "silent",
      legalComments: "none",
      define: { "process.env.NODE_ENV": options.dev ? '"development"' : '"production"' },
      plugins: [importMapPlugin(base, imports)],
    });
  } finally {
    await esbuild.stop();
  }

  const files = new Map<string, StaticFile>();
  const contents: Uint8Array[] = [];
  const sorted = [...result.outputFiles].sort((a, b) => a.path < b.path ? -1 : 1);
  for (const out of sorted) {
    const name = out.path.slice(outdir.length + 1);
    contents.push(new TextEncoder().encode(name + "\0"), out.contents);
    files.set(name, {
      body: out.contents,
      etag: await etagOf(out.contents),
      contentType: "text/javascript; charset=utf-8",
    });
  }
  const all = new Uint8Array(contents.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of contents) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  const id = [...digest.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const url = (name: string) => `${BUNDLE_PREFIX}${id}/${name}`;

  // metafile output keys are relative to absWorkingDir.
  const outRel = outdir.slice(options.root.length + 1);
  const staticImports = (name: string, seen = new Set<string>()): string[] => {
    const meta = result.metafile.outputs[`${outRel}/${name}`];
    for (const imp of meta?.imports ?? []) {
      if (imp.kind !== "import-statement" || imp.external) continue;
      const dep = imp.path.slice(outRel.length + 1);
      if (!seen.has(dep)) {
        seen.add(dep);
        staticImports(dep, seen);
      }
    }
    return [...seen];
  };
  const preloads = new Map<string, string[]>();
  const islandUrls = new Map<string, string>();
  for (const entry of Object.keys(entryPoints)) {
    preloads.set(url(`${entry}.js`), staticImports(`${entry}.js`).map(url));
  }
  for (const island of islands) islandUrls.set(island.name, url(`island-${island.name}.js`));
  return { id, files, runtime: url("fresh-runtime.js"), islands: islandUrls, preloads };
}
