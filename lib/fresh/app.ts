// createApp: scans routes/, islands/ and static/ once, builds the island bundles, and returns
// a request handler. Per request: bundle or static file → route match → middlewares (outer to
// inner) → handler → render (page in layouts in _app) → twind CSS → island scripts.
import { type ComponentType, isValidElement, type VNode } from "preact";
import { buildIslands, type Bundle, BUNDLE_PREFIX, type Island } from "./bundle.ts";
import { assembleDocument, registerIsland, renderPage } from "./render.ts";
import { fileUrl, listModules, loadRoutes, type Route } from "./router.ts";
import { escapeScriptJson } from "./serialize.ts";
import { loadStatic, serveFile, type StaticFile } from "./static.ts";
import { createCssExtractor, type TwindConfig } from "./twind.ts";
import {
  HttpError,
  type LayoutProps,
  type Middleware,
  type PageProps,
  type PageResponse,
  type RouteConfig,
  type RouteContext,
} from "./types.ts";

type AnyProps = Record<string, unknown>;

export interface AppOptions {
  /** Absolute directory holding routes/, islands/ and static/ (each optional). */
  root: string;
  /** Unminified bundles with inline source maps, and `Cache-Control: no-cache` on static/. */
  dev?: boolean;
  /** twind configuration (default: the Tailwind preset), or false for no CSS extraction. */
  twind?: TwindConfig | false;
  /** Called with every error that becomes a 5xx response (default: console.error). */
  onError?: (error: unknown, req: Request) => void;
}

export interface App {
  /** The request handler, for `Deno.serve` or for tests (Request in, Response out). */
  handler: (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;
  /** Id of the island bundle (null when the app has no island). */
  buildId: string | null;
  /** The route patterns, in matching order. */
  routes: string[];
}

/** What a context renders: a route, or the _404/_error page. */
interface Target {
  route: Route | undefined;
  layouts: ComponentType<LayoutProps<unknown, AnyProps>>[];
  defaultStatus: number;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const HTML = "text/html; charset=utf-8";

class Context implements RouteContext<unknown, AnyProps> {
  state: AnyProps;
  error: unknown = undefined;
  next: () => Promise<Response>;
  constructor(
    readonly req: Request,
    readonly url: URL,
    readonly params: Record<string, string>,
    readonly route: string | null,
    readonly info: Deno.ServeHandlerInfo | undefined,
    readonly target: Target,
    private readonly renderer: (
      ctx: Context,
      data: unknown,
      init?: ResponseInit,
    ) => Promise<Response>,
    state: AnyProps = {},
  ) {
    this.state = state;
    this.next = () => Promise.reject(new HttpError(404));
  }
  render(data?: unknown, init?: ResponseInit): Promise<Response> {
    return this.renderer(this, data, init);
  }
  redirect(location: string, status = 303): Response {
    const safe = location.startsWith("//") ? "/" + location.replace(/^\/+/, "") : location;
    return new Response(null, { status, headers: { location: safe } });
  }
}

/** Runs middlewares outer to inner; the innermost `ctx.next()` runs `last`. */
function runChain(
  middlewares: Middleware[],
  ctx: Context,
  last: () => Promise<Response>,
): Promise<Response> {
  let called = -1;
  const dispatch = async (i: number): Promise<Response> => {
    if (i <= called) throw new Error("ctx.next() was called more than once");
    called = i;
    const mw = middlewares[i];
    if (!mw) {
      ctx.next = () => Promise.reject(new HttpError(404));
      return await last();
    }
    ctx.next = () => dispatch(i + 1);
    return await mw(ctx as unknown as RouteContext<unknown, AnyProps>);
  };
  return dispatch(0);
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === "function" && fn.constructor.name === "AsyncFunction";
}

export async function createApp(options: AppOptions): Promise<App> {
  const root = options.root.replace(/\/+$/, "");
  const dev = options.dev ?? false;
  const onError = options.onError ?? ((e: unknown) => console.error(e));

  const islands: Island[] = [];
  for (const rel of await listModules(`${root}/islands`)) {
    const name = rel.slice(rel.lastIndexOf("/") + 1).replace(/\.(tsx|ts|jsx|js)$/, "");
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
      throw new Error(`Island file names must be identifiers, found "${rel}"`);
    }
    if (islands.some((i) => i.name === name)) throw new Error(`Two islands are named "${name}"`);
    const path = `${root}/islands/${rel}`;
    const mod = await import(fileUrl(path)) as { default?: unknown };
    if (typeof mod.default !== "function") {
      throw new Error(`Island "${rel}" must default-export a component`);
    }
    registerIsland(mod.default, name);
    islands.push({ name, path });
  }

  const [routes, files, bundle] = await Promise.all([
    loadRoutes(`${root}/routes`),
    loadStatic(`${root}/static`),
    buildIslands(islands, { root, dev }),
  ]);
  const css = options.twind === false ? null : createCssExtractor(options.twind);
  const staticCache = dev ? "no-cache" : "public, max-age=3600";

  const targetOf = (route: Route | undefined, status: number, layouts?: Target["layouts"]) => ({
    route,
    layouts: layouts ?? route?.layouts ?? routes.rootLayouts,
    defaultStatus: status,
  });

  const renderer = async (ctx: Context, data: unknown, init?: ResponseInit) => {
    const target = ctx.target;
    const module = target.route?.module;
    let page: ComponentType<PageProps<unknown, AnyProps>> | undefined = module?.default;
    let pageData = data;
    if (isValidElement(data)) {
      // Fresh 2 style: ctx.render(<jsx/>) renders that JSX as the page.
      const vnode = data as VNode;
      page = () => vnode;
      pageData = undefined;
    }
    if (!page) throw new Error(`Route "${ctx.route}" has no page component to render`);
    const props: PageProps<unknown, AnyProps> = {
      data: pageData,
      url: ctx.url,
      params: ctx.params,
      state: ctx.state,
      route: ctx.route,
    };
    if (ctx.error !== undefined) props.error = ctx.error;
    if (isAsyncFunction(page)) {
      const vnode = await (page as (p: unknown) => Promise<VNode>)(props);
      page = () => vnode;
    }
    const config: RouteConfig | undefined = module?.config;
    const rendered = renderPage({
      app: config?.skipAppWrapper ? null : routes.app,
      layouts: target.layouts,
      page,
      props,
    });
    let html = rendered.html;
    let head = rendered.head;
    if (css) {
      const extracted = css.extract(html);
      html = extracted.html;
      if (extracted.css) {
        head += `<style id="__FRSH_TWIND">${extracted.css.replace(/<\//g, "<\\/")}</style>`;
      }
    }
    let body = "";
    if (rendered.state !== null) {
      body = islandScripts(bundle, rendered.islands, rendered.state, (links) => head += links);
    }
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", HTML);
    return new Response(assembleDocument(html, head, body), {
      status: init?.status ?? target.defaultStatus,
      headers,
    });
  };

  const runRoute = async (ctx: Context, anyMethod: boolean): Promise<Response> => {
    const route = ctx.target.route;
    const method = ctx.req.method;
    const handler = route?.module.handler;
    let fn: ((ctx: Context) => unknown) | undefined;
    if (typeof handler === "function") fn = handler as (ctx: Context) => unknown;
    else if (handler) {
      const table = handler as Record<string, ((ctx: Context) => unknown) | undefined>;
      fn = table[method] ?? (method === "HEAD" || anyMethod ? table.GET : undefined);
      if (!fn) {
        const allowed = METHODS.filter((m) => table[m] || (m === "HEAD" && table.GET));
        return methodNotAllowed(allowed);
      }
    } else if (method === "GET" || method === "HEAD" || anyMethod) {
      return await ctx.render();
    } else return methodNotAllowed(["GET", "HEAD"]);

    const result = await fn(ctx);
    if (result instanceof Response) return result;
    if (typeof result === "object" && result !== null) {
      const { data, status, headers } = result as PageResponse;
      const init: ResponseInit = {};
      if (status !== undefined) init.status = status;
      if (headers !== undefined) init.headers = headers;
      return await ctx.render(data, init);
    }
    throw new Error(
      `The handler of "${ctx.route}" returned ${String(result)}: return a Response or page(data)`,
    );
  };

  const notFound = async (ctx: Context): Promise<Response> => {
    if (!routes.notFound) {
      if (routes.error) return await renderError(new HttpError(404), ctx);
      return new Response("Not Found", { status: 404 });
    }
    const nf = new Context(
      ctx.req,
      ctx.url,
      {},
      null,
      ctx.info,
      targetOf(routes.notFound, 404),
      renderer,
      ctx.state,
    );
    return await runRoute(nf, true);
  };

  const renderError = async (error: unknown, ctx: Context): Promise<Response> => {
    const status = error instanceof HttpError ? error.status : 500;
    if (status >= 500) onError(error, ctx.req);
    try {
      if (status === 404 && routes.notFound && ctx.target.route !== routes.notFound) {
        return await notFound(ctx);
      }
      if (routes.error && ctx.target.route !== routes.error) {
        const ec = new Context(
          ctx.req,
          ctx.url,
          ctx.params,
          ctx.route,
          ctx.info,
          targetOf(routes.error, status),
          renderer,
          ctx.state,
        );
        ec.error = error;
        return await runRoute(ec, true);
      }
    } catch (inner) {
      onError(inner, ctx.req);
    }
    const text = error instanceof HttpError ? error.message : "Internal Server Error";
    return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
  };

  const dispatch = async (req: Request, info?: Deno.ServeHandlerInfo): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    const isGet = req.method === "GET" || req.method === "HEAD";
    if (isGet && path.startsWith(BUNDLE_PREFIX)) {
      const [id, name] = path.slice(BUNDLE_PREFIX.length).split("/", 2);
      const file = bundle && id === bundle.id && name ? bundle.files.get(name) : undefined;
      if (file) return serveFile(req, file, "public, max-age=31536000, immutable");
      return new Response("Not Found", { status: 404 });
    }
    if (isGet) {
      let file: StaticFile | undefined;
      try {
        file = files.get(decodeURIComponent(path));
      } catch {
        file = undefined;
      }
      if (file) return serveFile(req, file, staticCache);
    }

    const match = routes.match(path);
    const ctx = match
      ? new Context(
        req,
        url,
        match.params,
        match.route.pattern,
        info,
        targetOf(match.route, 200),
        renderer,
      )
      : new Context(req, url, {}, null, info, targetOf(undefined, 404), renderer);
    try {
      if (!match) return await runChain(routes.rootMiddlewares, ctx, () => notFound(ctx));
      return await runChain(match.route.middlewares, ctx, () => runRoute(ctx, false));
    } catch (error) {
      return await renderError(error, ctx);
    }
  };

  return {
    buildId: bundle?.id ?? null,
    routes: routes.list.map((r) => r.pattern),
    handler: async (req, info) => {
      const res = await dispatch(req, info);
      if (req.method !== "HEAD" || res.body === null) return res;
      await res.body.cancel();
      return new Response(null, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    },
  };
}

function methodNotAllowed(allowed: string[]): Response {
  return new Response("Method Not Allowed", {
    status: 405,
    headers: { allow: allowed.join(", "), "content-type": "text/plain; charset=utf-8" },
  });
}

/** The JSON props script, modulepreload links and the one module script of an island page. */
function islandScripts(
  bundle: Bundle | null,
  names: string[],
  state: string,
  addHead: (html: string) => void,
): string {
  if (!bundle) throw new Error("The page renders islands but the app has no island bundle");
  const imports: string[] = [];
  const keys: string[] = [];
  const preload = new Set<string>([bundle.runtime, ...bundle.preloads.get(bundle.runtime) ?? []]);
  names.forEach((name, i) => {
    const url = bundle.islands.get(name);
    if (!url) throw new Error(`Island "${name}" is not part of this app's bundle`);
    imports.push(`import I${i} from"${url}";`);
    keys.push(`${JSON.stringify(name)}:I${i}`);
    preload.add(url);
    for (const dep of bundle.preloads.get(url) ?? []) preload.add(dep);
  });
  addHead([...preload].map((u) => `<link rel="modulepreload" href="${u}">`).join(""));
  return `<script id="__FRSH_STATE" type="application/json">${escapeScriptJson(state)}</script>` +
    `<script type="module">import{boot}from"${bundle.runtime}";${imports.join("")}boot({${
      keys.join(",")
    }});</script>`;
}
