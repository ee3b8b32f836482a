/**
 * Server rendering of dashboard pages, Fresh style.
 *
 * A page is a Preact tree rendered to a string. Interactive parts are
 * islands: components from `islands/registry.ts` placed with `<Island>`,
 * which renders the component's HTML between two marker comments and
 * records its props. After rendering, the page gets
 *
 * - one `<script type="application/json" id="__islands">` with every
 *   island's props (escaped so that no `</script>` or `<!--` can appear),
 * - `<link rel="modulepreload">` for the boot module, the islands used and
 *   their chunks, and
 * - one inline module script, carrying the request's CSP nonce, that imports
 *   the boot module and those islands and calls `boot()`.
 *
 * A page without islands gets none of these: no JavaScript at all.
 *
 * @module
 */

import {
  type ComponentChildren,
  type ComponentType,
  createContext,
  Fragment,
  h,
  type VNode,
} from "preact";
import { useContext } from "preact/hooks";
import { renderToString } from "preact-render-to-string";
import { closeMarker, openMarker, PROPS_SCRIPT_ID } from "../../islands/protocol.ts";
import { islandNameOf } from "../../islands/registry.ts";
import type { IslandManifest } from "../../tasks/build.ts";

/** URL prefix of build files. */
export const BUILD_PREFIX = "/static/build/";

/** URL of the stylesheet when there is no build (served from source). */
export const FALLBACK_CSS = "/static/dashboard.css";

/** A small SVG icon as a data URL (allowed by `img-src data:`), so browsers do not ask for /favicon.ico. */
const FAVICON = "data:image/svg+xml," + encodeURIComponent(
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2f6fde"/><path d="M3 12l3-4 3 2 4-6" stroke="#fff" stroke-width="1.6" fill="none"/></svg>`,
);

/** The islands placed while rendering one page, in document order. */
export interface IslandCollector {
  islands: { name: string; props: unknown }[];
}

const IslandContext = createContext<IslandCollector | null>(null);

/** A marker comment (preact-render-to-string renders `UNSTABLE_comment` fragments as comments). */
function comment(text: string) {
  return h(Fragment, { UNSTABLE_comment: text } as Record<string, unknown>);
}

/**
 * Places an island: its server-rendered HTML between markers, its props
 * recorded for the boot script. Props must be plain JSON data.
 *
 * @example
 * ```tsx
 * <Island of={Chart} props={{ id: "revenue", labels, series, unit: "cents", summary: "Revenue per day" }} />
 * ```
 */
export function Island<P extends object>(
  { of, props }: { of: ComponentType<P>; props: P },
) {
  const collector = useContext(IslandContext);
  const name = islandNameOf(of as ComponentType<never>);
  if (!name) throw new Error(`Component "${of.name}" is not a registered island`);
  if (!collector) throw new Error(`Island "${name}" rendered outside renderPage()`);
  assertPlainData(props, name);
  const id = collector.islands.length;
  collector.islands.push({ name, props });
  return h(Fragment, null, comment(openMarker(name, id)), h(of, props), comment(closeMarker(id)));
}

/**
 * `<Island of={of} props={props} />` for code without JSX.
 *
 * @example
 * ```ts
 * const vnode = island(LiveCount, { url: "/live/events-today", initial: 3, asOf, intervalMs: 5000 });
 * ```
 */
export function island<P extends object>(of: ComponentType<P>, props: NoInfer<P>): VNode {
  return h(Island as ComponentType<{ of: ComponentType<P>; props: P }>, { of, props }) as VNode;
}

/** Throws unless `value` survives a JSON round trip unchanged (no functions, dates, classes). */
function assertPlainData(value: unknown, island: string, path = "props"): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`Island "${island}" ${path} is not finite`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertPlainData(v, island, `${path}[${i}]`));
    return;
  }
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new Error(`Island "${island}" ${path} is not plain data`);
    }
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) assertPlainData(v, island, `${path}.${k}`);
    }
    return;
  }
  throw new Error(`Island "${island}" ${path} is a ${typeof value}, not plain data`);
}

/**
 * JSON for an inline `<script>`: `<`, `>` and `&` become `\u003c` etc., so
 * the text can never close the script (`</script>`) or open a comment
 * (`<!--`), and the line separators U+2028/U+2029 are escaped too.
 *
 * @example
 * ```ts
 * serialiseProps([{ name: "</script>" }]); // '[{"name":"\\u003c/script\\u003e"}]'
 * ```
 */
export function serialiseProps(props: unknown[]): string {
  return JSON.stringify(props).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Every build file a set of entry files needs, entries first, each once. */
function closure(manifest: IslandManifest, entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dep of manifest.imports[file] ?? []) visit(dep);
  };
  entries.forEach(visit);
  return [...seen];
}

const SAFE_FILE = /^[\w.-]+\.js$/;
const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The boot script and preloads of a page's islands; empty when it has none. */
function islandScripts(
  manifest: IslandManifest | null,
  collector: IslandCollector,
  nonce: string,
): { head: string; tail: string } {
  if (collector.islands.length === 0 || !manifest) return { head: "", tail: "" };
  const names = [...new Set(collector.islands.map((i) => i.name))]
    .filter((n) => SAFE_NAME.test(n) && SAFE_FILE.test(manifest.islands[n] ?? ""));
  if (!SAFE_FILE.test(manifest.boot)) return { head: "", tail: "" };
  const imports = [`import{boot}from"${BUILD_PREFIX}${manifest.boot}";`];
  names.forEach((n, i) =>
    imports.push(`import i${i} from"${BUILD_PREFIX}${manifest.islands[n]}";`)
  );
  const call = `boot({${names.map((n, i) => `${n}:i${i}`).join(",")}});`;
  const files = closure(manifest, [...names.map((n) => manifest.islands[n]), manifest.boot]);
  const head = files.filter((f) => SAFE_FILE.test(f))
    .map((f) => `<link rel="modulepreload" href="${BUILD_PREFIX}${f}">`).join("");
  const tail = `<script type="application/json" id="${PROPS_SCRIPT_ID}">${
    serialiseProps(collector.islands.map((i) => i.props))
  }</script><script type="module" nonce="${escapeHtml(nonce)}">${imports.join("")}${call}</script>`;
  return { head, tail };
}

/** What {@link renderPage} needs. */
export interface PageInput {
  /** Document title (plain text). */
  title: string;
  /** This request's CSP nonce. */
  nonce: string;
  /** The island build, or `null` to render without JavaScript. */
  manifest: IslandManifest | null;
  /** The `<body>` content. */
  body: ComponentChildren;
}

/** What {@link renderPage} produced. */
export interface RenderedPage {
  html: string;
  /** Names of the islands placed, in document order (one entry per placement). */
  islands: string[];
}

/**
 * Renders a whole HTML document.
 *
 * @example
 * ```tsx
 * const { html } = renderPage({ title: "Overview", nonce, manifest, body: <Overview data={data} /> });
 * ```
 */
export function renderPage(input: PageInput): RenderedPage {
  const collector: IslandCollector = { islands: [] };
  const body = renderToString(h(IslandContext.Provider, { value: collector }, input.body));
  const { head, tail } = islandScripts(input.manifest, collector, input.nonce);
  const css = input.manifest ? `${BUILD_PREFIX}${input.manifest.css}` : FALLBACK_CSS;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light dark">` +
    `<link rel="icon" href="${FAVICON}">` +
    `<title>${escapeHtml(input.title)}</title>` +
    `<link rel="stylesheet" href="${escapeHtml(css)}">${head}</head>` +
    `<body>${body}${tail}</body></html>`;
  return { html, islands: collector.islands.map((i) => i.name) };
}
