// File-system routing: scan `routes/` once, import every module, and precompile the routes
// into a map of static paths plus an ordered list of dynamic patterns.
import type { ComponentType } from "preact";
import type { Handler, LayoutProps, Middleware, PageProps, RouteConfig } from "./types.ts";

export interface RouteModule {
  handler?: Handler<unknown, Record<string, unknown>>;
  default?: ComponentType<PageProps<unknown, Record<string, unknown>>>;
  config?: RouteConfig;
}

interface SpecialModule {
  handler?: Middleware | Middleware[];
  default?: ComponentType<LayoutProps<unknown, Record<string, unknown>>>;
  config?: RouteConfig;
}

type Segment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string }
  | { kind: "rest"; name: string };

export interface Route {
  /** URL pattern, e.g. "/events/:id" or "/docs/:path*". */
  pattern: string;
  file: string;
  module: RouteModule;
  segments: Segment[];
  layouts: ComponentType<LayoutProps<unknown, Record<string, unknown>>>[];
  middlewares: Middleware[];
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export interface Routes {
  app: ComponentType<LayoutProps<unknown, Record<string, unknown>>> | undefined;
  notFound: Route | undefined;
  error: Route | undefined;
  /** Middlewares and layouts of the routes/ folder itself (used for 404 and errors). */
  rootMiddlewares: Middleware[];
  rootLayouts: ComponentType<LayoutProps<unknown, Record<string, unknown>>>[];
  list: Route[];
  match(pathname: string): RouteMatch | undefined;
}

const EXTENSIONS = /\.(tsx|ts|jsx|js)$/;
const IGNORED = /(_test|\.test|\.d)\.(tsx|ts|jsx|js)$/;

/** Turns an absolute path into a file: URL usable by `import()`. */
export function fileUrl(path: string): string {
  const url = new URL("file:///");
  url.pathname = path;
  return url.href;
}

/** Files under `dir` (recursively) with a route extension, as paths relative to `dir`. */
export async function listModules(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir + (prefix ? `/${prefix}` : "")));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw e;
  }
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) {
      if (entry.name.startsWith("(_") || entry.name.startsWith(".")) continue;
      out.push(...await listModules(dir, rel));
    } else if (EXTENSIONS.test(entry.name) && !IGNORED.test(entry.name)) {
      out.push(rel);
    }
  }
  return out;
}

function parseSegments(relNoExt: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of relNoExt.split("/")) {
    if (part === "index" || (part.startsWith("(") && part.endsWith(")"))) continue;
    const rest = /^\[\.\.\.([A-Za-z_$][\w$]*)\]$/.exec(part);
    const param = /^\[([A-Za-z_$][\w$]*)\]$/.exec(part);
    if (rest?.[1]) segments.push({ kind: "rest", name: rest[1] });
    else if (param?.[1]) segments.push({ kind: "param", name: param[1] });
    else if (part.includes("[")) {
      throw new Error(`Unsupported route segment "${part}" in "${relNoExt}"`);
    } else segments.push({ kind: "static", value: part });
  }
  const restAt = segments.findIndex((s) => s.kind === "rest");
  if (restAt !== -1 && restAt !== segments.length - 1) {
    throw new Error(`A catch-all must be the last segment, found "${relNoExt}"`);
  }
  return segments;
}

function patternOf(segments: Segment[]): string {
  return "/" +
    segments.map((s) =>
      s.kind === "static" ? s.value : s.kind === "param" ? `:${s.name}` : `:${s.name}*`
    ).join("/");
}

const RANK = { static: 0, param: 1, rest: 2 } as const;

/** Static segments before parameters before catch-alls, compared segment by segment. */
function compareRoutes(a: Route, b: Route): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const sa = a.segments[i];
    const sb = b.segments[i];
    if (!sa || !sb) {
      // The shorter one only competes with a catch-all of the longer: prefer the longer.
      return sa ? -1 : 1;
    }
    const d = RANK[sa.kind] - RANK[sb.kind];
    if (d !== 0) return d;
  }
  return 0;
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.kind === "rest") {
      params[seg.name] = parts.slice(i).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.kind === "static") {
      if (seg.value !== part) return undefined;
    } else params[seg.name] = part;
  }
  return parts.length === segments.length ? params : undefined;
}

/** Splits and decodes a pathname; undefined when it is not valid percent-encoding. */
function splitPath(pathname: string): string[] | undefined {
  try {
    return pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function asMiddlewares(mod: SpecialModule, file: string): Middleware[] {
  const h = mod.handler;
  if (h === undefined) return [];
  const list = Array.isArray(h) ? h : [h];
  for (const fn of list) {
    if (typeof fn !== "function") {
      throw new Error(`"${file}" must export "handler" as a function or an array of functions`);
    }
  }
  return list;
}

/** Scans `dir`, imports every route module and compiles the router. */
export async function loadRoutes(dir: string): Promise<Routes> {
  const files = await listModules(dir);
  const modules = new Map<string, unknown>();
  await Promise.all(files.map(async (rel) => {
    modules.set(rel, await import(fileUrl(`${dir}/${rel}`)));
  }));

  const folderOf = (rel: string) => rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
  const baseOf = (rel: string) => rel.slice(rel.lastIndexOf("/") + 1).replace(EXTENSIONS, "");
  const layouts = new Map<string, SpecialModule>();
  const middlewares = new Map<string, Middleware[]>();
  let app: SpecialModule | undefined;
  let notFound: Route | undefined;
  let error: Route | undefined;
  const pages: [string, RouteModule][] = [];

  for (const rel of files) {
    const mod = modules.get(rel) as SpecialModule & RouteModule;
    const base = baseOf(rel);
    const folder = folderOf(rel);
    if (base === "_layout") layouts.set(folder, mod);
    else if (base === "_middleware") middlewares.set(folder, asMiddlewares(mod, rel));
    else if (base === "_app" && folder === "") app = mod;
    else if ((base === "_404" || base === "_error") && folder === "") pages.push([rel, mod]);
    else if (base.startsWith("_")) {
      throw new Error(`Unknown special route file "${rel}"`);
    } else pages.push([rel, mod]);
  }

  /** Folders from the root to `folder`, e.g. ["", "(shop)", "(shop)/events"]. */
  const chain = (folder: string) => {
    const out = [""];
    if (folder === "") return out;
    const parts = folder.split("/");
    for (let i = 1; i <= parts.length; i++) out.push(parts.slice(0, i).join("/"));
    return out;
  };
  const layoutsFor = (folder: string, config: RouteConfig | undefined) => {
    let list: ComponentType<LayoutProps<unknown, Record<string, unknown>>>[] = [];
    if (config?.skipInheritedLayouts) return list;
    for (const f of chain(folder)) {
      const layout = layouts.get(f);
      if (!layout?.default) continue;
      if (layout.config?.skipInheritedLayouts) list = [];
      list.push(layout.default);
    }
    return list;
  };
  const middlewaresFor = (folder: string) => chain(folder).flatMap((f) => middlewares.get(f) ?? []);

  const list: Route[] = [];
  for (const [rel, mod] of pages) {
    const handler = mod.handler;
    if (handler !== undefined && typeof handler !== "function" && typeof handler !== "object") {
      throw new Error(`"${rel}" exports "handler" that is neither a function nor an object`);
    }
    if (handler === undefined && typeof mod.default !== "function") {
      throw new Error(`"${rel}" exports neither "handler" nor a default page component`);
    }
    const folder = folderOf(rel);
    const segments = parseSegments(rel.replace(EXTENSIONS, ""));
    const route: Route = {
      pattern: patternOf(segments),
      file: `${dir}/${rel}`,
      module: mod,
      segments,
      layouts: layoutsFor(folder, mod.config),
      middlewares: middlewaresFor(folder),
    };
    const base = baseOf(rel);
    if (base === "_404") notFound = { ...route, pattern: "/_404" };
    else if (base === "_error") error = { ...route, pattern: "/_error" };
    else list.push(route);
  }

  list.sort(compareRoutes);
  const statics = new Map<string, Route>();
  const dynamics: Route[] = [];
  for (const route of list) {
    if (route.segments.every((s) => s.kind === "static")) {
      const other = statics.get(route.pattern);
      if (other) {
        throw new Error(`Routes "${other.file}" and "${route.file}" both match "${route.pattern}"`);
      }
      statics.set(route.pattern, route);
    } else dynamics.push(route);
  }

  return {
    app: app?.default,
    notFound,
    error,
    rootMiddlewares: middlewares.get("") ?? [],
    rootLayouts: layoutsFor("", undefined),
    list,
    match(pathname) {
      const parts = splitPath(pathname);
      if (!parts) return undefined;
      const route = statics.get("/" + parts.join("/"));
      if (route) return { route, params: {} };
      for (const route of dynamics) {
        const params = matchSegments(route.segments, parts);
        if (params) return { route, params };
      }
      return undefined;
    },
  };
}
