// The server API of our Fresh-compatible islands core. See README.md; with @fresh/core these
// imports become "fresh" (server) and "fresh/runtime" (Head, IS_BROWSER).
import type { ComponentType } from "preact";
import type {
  DefaultState,
  Handler,
  LayoutProps,
  Middleware,
  PageProps,
  PageResponse,
} from "./types.ts";

export { type App, type AppOptions, createApp } from "./app.ts";
export { Head, IS_BROWSER } from "./runtime.ts";
export {
  type AppProps,
  type DefaultState,
  type FreshContext,
  type Handler,
  type HandlerFn,
  type Handlers,
  HttpError,
  type LayoutProps,
  type Middleware,
  type PageProps,
  type PageResponse,
  type RouteConfig,
  type RouteContext,
} from "./types.ts";

/**
 * A handler result that renders the route's page with `data` (Fresh 2's `page()`). The
 * pipeline treats any non-Response object a handler returns as `{ data, status, headers }`.
 */
export function page<Data>(
  data?: Data,
  init?: { status?: number; headers?: HeadersInit },
): PageResponse<Data> {
  return { data: data as Data, status: init?.status, headers: init?.headers };
}

/** Fresh 2's `createDefine<State>()`: identity helpers that only add types. */
export function createDefine<State = DefaultState>() {
  return {
    handlers<Data>(handlers: Handler<Data, State>): Handler<Data, State> {
      return handlers;
    },
    page<Data>(component: ComponentType<PageProps<Data, State>>) {
      return component;
    },
    layout(component: ComponentType<LayoutProps<unknown, State>>) {
      return component;
    },
    middleware(middleware: Middleware<State> | Middleware<State>[]) {
      return middleware;
    },
  };
}
