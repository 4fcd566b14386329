// The browser runtime (bundled as /_frsh/<id>/fresh-runtime.js). The page's module script
// imports it and the islands it uses, then calls boot(). boot() reads the serialized props,
// walks the island comment markers and hydrates each island into its marked range; JSX props
// (slots) are rebuilt from the server-rendered DOM so hydration keeps them as they are.
import {
  type ComponentChildren,
  type ComponentType,
  Fragment,
  h,
  hydrate,
  type VNode,
} from "preact";
import { revive, type SignalFactory } from "./revive.ts";

type Islands = Record<string, ComponentType<Record<string, unknown>>>;
type Props = Record<string, unknown>;

const ISLAND = "frsh:island:";
const ISLAND_END = "/frsh:island";
const SLOT = "frsh:slot:";
const SLOT_END = "/frsh:slot";

const isComment = (n: Node | null): n is Comment => n?.nodeType === 8;

/** The sibling that closes `start` (same kind of marker, counting nested pairs). */
function closing(start: Comment, open: string, close: string): Comment | null {
  let depth = 0;
  for (let n = start.nextSibling; n; n = n.nextSibling) {
    if (!isComment(n)) continue;
    if (n.data.startsWith(open)) depth++;
    else if (n.data === close) {
      if (depth === 0) return n;
      depth--;
    }
  }
  return null;
}

function between(start: Node, end: Node): Node[] {
  const out: Node[] = [];
  for (let n = start.nextSibling; n && n !== end; n = n.nextSibling) out.push(n);
  return out;
}

/** A stand-in parent node that covers only the nodes between two markers. */
function rootFragment(start: Comment, end: Comment): Element {
  const parent = start.parentNode!;
  return {
    nodeType: 1,
    parentNode: parent,
    namespaceURI: (parent as Element).namespaceURI,
    get firstChild() {
      const n = start.nextSibling;
      return n === end ? null : n;
    },
    get childNodes() {
      return between(start, end);
    },
    insertBefore: (node: Node, ref: Node | null) => parent.insertBefore(node, ref ?? end),
    appendChild: (node: Node) => parent.insertBefore(node, end),
    removeChild: (node: Node) => parent.removeChild(node),
    contains: (node: Node) => between(start, end).some((n) => n === node || n.contains(node)),
  } as unknown as Element;
}

class Reviver {
  constructor(private islands: Islands, private props: unknown[]) {}

  /** The island vnode for the range start…end, with its slots rebuilt from the DOM. */
  island(start: Comment, end: Comment): VNode | null {
    const [name, index] = start.data.slice(ISLAND.length).split(":");
    const component = this.islands[name!];
    if (!component) return null;
    const props: Props = { ...(this.props[Number(index)] as Props) };
    this.findSlots(between(start, end), index!, props);
    return h(component, props);
  }

  private findSlots(nodes: Node[], id: string, props: Props): void {
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (isComment(n) && n.data.startsWith(`${SLOT}${id}:`)) {
        const end = closing(n, SLOT, SLOT_END);
        if (!end) continue;
        props[n.data.slice(SLOT.length + id.length + 1)] = h(
          Fragment,
          null,
          this.vnodes(between(n, end)),
        );
        i = nodes.indexOf(end);
      } else if (n.nodeType === 1) this.findSlots([...n.childNodes], id, props);
    }
  }

  /** Server-rendered DOM → equivalent vnodes (nested islands become island vnodes). */
  vnodes(nodes: Node[]): ComponentChildren[] {
    const out: ComponentChildren[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n.nodeType === 3) out.push((n as Text).data);
      else if (n.nodeType === 1) {
        const el = n as Element;
        const props: Props = {};
        for (const a of el.attributes) props[a.name] = a.value;
        out.push(h(el.localName, props, ...this.vnodes([...el.childNodes])));
      } else if (isComment(n) && n.data.startsWith(ISLAND)) {
        const end = closing(n, ISLAND, ISLAND_END);
        if (!end) continue;
        out.push(this.island(n, end));
        i = nodes.indexOf(end);
      }
    }
    return out;
  }
}

/** Hydrates every top-level island on the page. */
export async function boot(islands: Islands): Promise<void> {
  const text = document.getElementById("__FRSH_STATE")?.textContent ?? "[]";
  let signal: SignalFactory | undefined;
  if (text.includes('["Signal",')) signal = (await import("@preact/signals")).signal;
  const reviver = new Reviver(islands, revive(text, signal) as unknown[]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT);
  const ranges: [Comment, Comment][] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const c = n as Comment;
    if (!c.data.startsWith(ISLAND)) continue;
    const end = closing(c, ISLAND, ISLAND_END);
    if (!end) continue;
    ranges.push([c, end]);
    walker.currentNode = end; // islands inside slots are hydrated with their parent island
  }
  for (const [start, end] of ranges) {
    const vnode = reviver.island(start, end);
    if (vnode) hydrate(vnode, rootFragment(start, end));
  }
}
