// Server render: page → layouts → _app with preact-render-to-string. Islands are found by a
// preact `options.vnode` hook that swaps every registered island component for a wrapper; the
// wrapper records the island's props, renders JSX props as slots and surrounds the island's
// HTML with comment markers:
//   <!--frsh:island:Name:index:-->…<!--/frsh:island-->   (index into the serialized props)
//   <!--frsh:slot:index:prop-->…<!--/frsh:slot-->          (server-rendered JSX prop)
import {
  type ComponentChildren,
  type ComponentType,
  createContext,
  Fragment,
  h,
  isValidElement,
  options,
  type VNode,
} from "preact";
import { useContext } from "preact/hooks";
import { renderToString } from "preact-render-to-string";
import { HeadContext } from "./runtime.ts";
import { formatPath, isSignal, serialize, SerializeError } from "./serialize.ts";
import type { LayoutProps, PageProps } from "./types.ts";

type AnyProps = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type AnyVNode = VNode<any>;
type Layout = ComponentType<LayoutProps<unknown, AnyProps>>;

interface RenderState {
  islands: { name: string; props: AnyProps }[];
  head: ComponentChildren[];
}

/** The render in progress. renderToString is synchronous, so one global is enough. */
let current: RenderState | null = null;
/** Island component → island name, for every app created in this process. */
const registry = new Map<unknown, string>();
const wrappers = new Map<unknown, ComponentType<AnyProps>>();
const InIsland = createContext(false);
let bypass = false;

export function registerIsland(component: unknown, name: string): void {
  const known = registry.get(component);
  if (known !== undefined && known !== name) {
    throw new Error(`The component of island "${name}" is already the island "${known}"`);
  }
  registry.set(component, name);
}

const previousVnodeHook = options.vnode;
options.vnode = (vnode) => {
  if (!bypass && typeof vnode.type === "function") {
    const name = registry.get(vnode.type);
    if (name !== undefined) {
      (vnode as { type: unknown }).type = wrapperFor(vnode.type as ComponentType<AnyProps>, name);
    }
  }
  previousVnodeHook?.(vnode);
};

function comment(text: string): AnyVNode {
  const F = Fragment as unknown as ComponentType<{ UNSTABLE_comment: string }>;
  return h(F, { UNSTABLE_comment: text });
}

function original(component: ComponentType<AnyProps>, props: AnyProps): AnyVNode {
  bypass = true;
  try {
    return h(component, props);
  } finally {
    bypass = false;
  }
}

function Slot(props: { id: number; name: string; content: ComponentChildren }): AnyVNode {
  return h(
    Fragment,
    null,
    comment(`frsh:slot:${props.id}:${props.name}`),
    h(InIsland.Provider, { value: false }, props.content),
    comment("/frsh:slot"),
  );
}

function wrapperFor(component: ComponentType<AnyProps>, name: string): ComponentType<AnyProps> {
  let wrapper = wrappers.get(component);
  if (wrapper) return wrapper;
  wrapper = function Island(props: AnyProps): AnyVNode {
    const inIsland = useContext(InIsland);
    const state = current;
    // Inside another island it is part of that island's bundle and tree: no markers.
    if (inIsland || !state) return original(component, props);
    const id = state.islands.length;
    const data: AnyProps = {};
    const rendered: AnyProps = {};
    for (const [key, value] of Object.entries(props)) {
      // Signals pose as vnodes (to render as text), so check for them first.
      if (key === "children" ? value !== undefined : !isSignal(value) && isValidElement(value)) {
        rendered[key] = h(Slot, { id, name: key, content: value as ComponentChildren });
      } else {
        data[key] = value;
        rendered[key] = value;
      }
    }
    state.islands.push({ name, props: data });
    return h(
      Fragment,
      null,
      comment(`frsh:island:${name}:${id}:`),
      h(InIsland.Provider, { value: true }, original(component, rendered)),
      comment("/frsh:island"),
    );
  };
  wrappers.set(component, wrapper);
  return wrapper;
}

function DefaultApp(props: LayoutProps<unknown, AnyProps>): AnyVNode {
  return h(
    "html",
    { lang: "en" },
    h(
      "head",
      null,
      h("meta", { charset: "utf-8" }),
      h("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
    ),
    h("body", null, h(props.Component, {})),
  );
}

export interface RenderInput {
  /** The `_app` component; undefined for the default document, null for none. */
  app: Layout | undefined | null;
  layouts: Layout[];
  page: ComponentType<PageProps<unknown, AnyProps>>;
  props: PageProps<unknown, AnyProps>;
}

export interface RenderedPage {
  /** The document as rendered, without doctype, <Head> content or scripts. */
  html: string;
  /** Rendered children of every <Head>. */
  head: string;
  /** Names of the islands on the page, without duplicates, in order of appearance. */
  islands: string[];
  /** Serialized props of the islands (null when there is no island). */
  state: string | null;
}

/** Renders a page inside its layouts and app; throws if island props are not serializable. */
export function renderPage(input: RenderInput): RenderedPage {
  const { props } = input;
  let inner: AnyVNode = h(input.page, props);
  const wrap = (outer: Layout, child: AnyVNode) => h(outer, { ...props, Component: () => child });
  for (let i = input.layouts.length - 1; i >= 0; i--) inner = wrap(input.layouts[i]!, inner);
  if (input.app !== null) inner = wrap(input.app ?? DefaultApp, inner);

  const state: RenderState = { islands: [], head: [] };
  const previous = current;
  current = state;
  let html: string;
  let head = "";
  try {
    html = renderToString(h(HeadContext.Provider, { value: state.head }, inner));
    if (state.head.length) head = renderToString(h(Fragment, null, state.head));
  } finally {
    current = previous;
  }
  if (state.islands.length === 0) return { html, head, islands: [], state: null };

  let text: string;
  try {
    text = serialize(state.islands.map((i) => i.props));
  } catch (e) {
    if (!(e instanceof SerializeError)) throw e;
    const [index, prop, ...rest] = e.path;
    const island = state.islands[index as number]?.name ?? "?";
    const where = rest.length ? ` (at ${formatPath([String(prop), ...rest])})` : "";
    throw new Error(
      `Cannot serialize prop "${String(prop)}" of island "${island}": ${e.reason}${where}`,
    );
  }
  return { html, head, islands: [...new Set(state.islands.map((i) => i.name))], state: text };
}

/** Inserts `head` before </head> and `body` before </body>, and adds the doctype. */
export function assembleDocument(html: string, head: string, body: string): string {
  let out = html;
  if (head) {
    const at = out.indexOf("</head>");
    if (/<title[\s>]/.test(head) && at !== -1) {
      // A page's <Head><title> wins over the app's default title.
      const start = out.slice(0, at).replace(/<title[\s>][\s\S]*?<\/title>/, "");
      out = start + out.slice(at);
    }
    const end = out.indexOf("</head>");
    out = end === -1 ? head + out : out.slice(0, end) + head + out.slice(end);
  }
  if (body) {
    const end = out.lastIndexOf("</body>");
    out = end === -1 ? out + body : out.slice(0, end) + body + out.slice(end);
  }
  return /^<!doctype/i.test(out) ? out : "<!DOCTYPE html>" + out;
}
