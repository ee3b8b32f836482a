/**
 * The browser boot module: finds every island's marked range in the page,
 * reads all islands' props from the one JSON script, and hydrates each island
 * into its range. The page's inline module script (the only inline script,
 * carrying the CSP nonce) imports this module and the islands it uses, then
 * calls {@link boot}.
 *
 * Preact 11 renders into a container node; an island is a range of siblings
 * between two comments, so {@link rangeRoot} gives Preact a small object that
 * behaves like a container whose children are exactly that range.
 *
 * @module
 */

import { type ComponentType, h, hydrate } from "preact";
import { closeMarker, parseOpenMarker, PROPS_SCRIPT_ID } from "./protocol.ts";

/**
 * A container-like view of the nodes between two comments: Preact reads
 * `firstChild`/`childNodes` to hydrate and calls `insertBefore`/`appendChild`
 * to add nodes, which land before the closing comment.
 */
function rangeRoot(start: Comment, end: Comment): Element {
  const parent = start.parentNode as Element;
  const children: ChildNode[] = [];
  for (let n = start.nextSibling; n && n !== end; n = n.nextSibling) children.push(n);
  const root = {
    nodeType: 1,
    parentNode: parent,
    ownerDocument: parent.ownerDocument,
    namespaceURI: parent.namespaceURI,
    firstChild: children[0] ?? null,
    childNodes: children,
    insertBefore(node: Node, ref: Node | null) {
      return parent.insertBefore(node, ref ?? end);
    },
    appendChild(node: Node) {
      return parent.insertBefore(node, end);
    },
    removeChild(node: Node) {
      return parent.removeChild(node);
    },
    contains(node: Node | null) {
      return node !== null && children.some((c) => c === node || c.contains(node));
    },
  };
  return root as unknown as Element;
}

/**
 * Hydrates every island of the page. `islands` maps island names (as in the
 * markers) to their components; an island whose component is missing, or
 * that throws, is left as server-rendered HTML and reported on the console.
 *
 * @example
 * ```ts
 * import { boot } from "/static/build/boot-1a2b3c.js";
 * import Chart from "/static/build/Chart-4d5e6f.js";
 * boot({ Chart });
 * ```
 */
export function boot(islands: Record<string, ComponentType<Record<string, unknown>>>): number {
  const script = document.getElementById(PROPS_SCRIPT_ID);
  const props = JSON.parse(script?.textContent || "[]") as Record<string, unknown>[];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT);
  const opened: { name: string; id: number; start: Comment }[] = [];
  const ranges: { name: string; id: number; start: Comment; end: Comment }[] = [];
  // Collect first: hydrating changes the DOM the walker is walking.
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const comment = node as Comment;
    const open = parseOpenMarker(comment.data);
    if (open) opened.push({ name: open[0], id: open[1], start: comment });
    const last = opened[opened.length - 1];
    if (last && comment.data === closeMarker(last.id)) {
      opened.pop();
      ranges.push({ ...last, end: comment });
    }
  }
  for (const r of ranges) mount(islands, r.name, props[r.id] ?? {}, r.start, r.end);
  document.documentElement.dataset.islands = "hydrated";
  return props.length;
}

function mount(
  islands: Record<string, ComponentType<Record<string, unknown>>>,
  name: string,
  props: Record<string, unknown>,
  start: Comment,
  end: Comment,
): void {
  const component = islands[name];
  if (!component) {
    console.error(`Island "${name}" has no component in this page's bundle`);
    return;
  }
  try {
    hydrate(h(component, props), rangeRoot(start, end));
  } catch (err) {
    console.error(`Island "${name}" failed to hydrate`, err);
  }
}
