// Public types of the islands core. Names and shapes follow Fresh (1.x names where the brief
// asks for them, Fresh 2 shapes where they differ) so that moving to @fresh/core is mostly an
// import change. See README.md for the mapping.
import type { ComponentType, VNode } from "preact";

/** Request-scoped state shared by middlewares, handlers, layouts and pages. */
export type DefaultState = Record<string, unknown>;

/** An error with an HTTP status. Throw it from a handler or middleware; `_error` receives it. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message?: string, options?: ErrorOptions) {
    super(message ?? defaultStatusText(status), options);
    this.name = "HttpError";
    this.status = status;
  }
}

function defaultStatusText(status: number): string {
  const texts: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    500: "Internal Server Error",
  };
  return texts[status] ?? `HTTP ${status}`;
}

/** What `page()` returns and what a handler may return instead of a `Response`. */
export interface PageResponse<Data = unknown> {
  data: Data;
  status?: number | undefined;
  headers?: HeadersInit | undefined;
}

/** The one argument every handler and middleware receives. (Fresh 2 calls it `Context`.) */
export interface RouteContext<Data = unknown, State = DefaultState> {
  readonly req: Request;
  readonly url: URL;
  /** Route parameters: `[id]` → `params.id`, `[...rest]` → `params.rest` ("a/b", may be ""). */
  readonly params: Record<string, string>;
  /** The matched route pattern, e.g. "/events/:id", or null for 404 and static files. */
  readonly route: string | null;
  readonly state: State;
  /** Connection info from `Deno.serve` when available. */
  readonly info: Deno.ServeHandlerInfo | undefined;
  /** The error being handled (set for `_error`). */
  readonly error: unknown;
  /** Runs the next middleware, or the route handler after the innermost middleware. */
  next(): Promise<Response>;
  /** Renders the route's page component with `data` (a VNode renders as the page instead). */
  render(data?: Data | VNode, init?: ResponseInit): Promise<Response>;
  /** A redirect; 303 by default (post-redirect-get). A leading "//" is collapsed to "/". */
  redirect(location: string, status?: number): Response;
}

/** Fresh 2 name for the context. */
export type FreshContext<Data = unknown, State = DefaultState> = RouteContext<Data, State>;

export type HandlerResult<Data> = Response | PageResponse<Data>;

export type HandlerFn<Data = unknown, State = DefaultState> = (
  ctx: RouteContext<Data, State>,
) => HandlerResult<Data> | Promise<HandlerResult<Data>>;

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** An object of per-method handlers. */
export type Handlers<Data = unknown, State = DefaultState> = {
  [M in Method]?: HandlerFn<Data, State>;
};

export type Handler<Data = unknown, State = DefaultState> =
  | HandlerFn<Data, State>
  | Handlers<Data, State>;

/** A middleware: `export const handler = (ctx) => ctx.next()` in `_middleware.ts`. */
export type Middleware<State = DefaultState> = (
  ctx: RouteContext<unknown, State>,
) => Response | Promise<Response>;

/** Props of a page component (the default export of a route file). */
export interface PageProps<Data = unknown, State = DefaultState> {
  data: Data;
  url: URL;
  params: Record<string, string>;
  state: State;
  route: string | null;
  /** The error being rendered (only in `_error`). */
  error?: unknown;
}

/** Props of `_layout` components: the page props plus the inner content as `Component`. */
export interface LayoutProps<Data = unknown, State = DefaultState> extends PageProps<Data, State> {
  Component: ComponentType<Record<string, never>>;
}

/** Props of `_app`, which renders the whole html document. */
export type AppProps<Data = unknown, State = DefaultState> = LayoutProps<Data, State>;

/** `export const config = {...}` in a route or layout file (Fresh 2's RouteConfig subset). */
export interface RouteConfig {
  /** Ignore the `_layout`s of parent folders. */
  skipInheritedLayouts?: boolean;
  /** Render without `_app` (the page must then render the html document itself). */
  skipAppWrapper?: boolean;
}
