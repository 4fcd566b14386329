// What pages, components and islands import (Fresh: "fresh/runtime"). Safe in the browser:
// it must never import server-only modules, because islands bundle it.
import { type ComponentChildren, createContext } from "preact";
import { useContext } from "preact/hooks";

/** True in the browser, false during the server render. */
export const IS_BROWSER = typeof document !== "undefined";

/** Collects <Head> children during a server render (set by the render pipeline). */
export const HeadContext = createContext<ComponentChildren[] | null>(null);

/**
 * Puts its children into the document's <head> (e.g. <title>, <meta>). A <title> here
 * replaces the one rendered by `_app`. Does nothing in the browser.
 */
export function Head(props: { children?: ComponentChildren }): null {
  const list = useContext(HeadContext);
  if (list) list.push(props.children);
  return null;
}
