/**
 * The contract between the server renderer (routes/pages/render.tsx) and the
 * browser boot module (islands/boot.ts): how islands are marked in the HTML
 * and where their props are.
 *
 * An island's server-rendered HTML sits between two comments,
 * `<!--island:Chart:3-->` … `<!--/island:3-->`, and its props are element 3 of
 * the JSON array in `<script type="application/json" id="__islands">`.
 *
 * @module
 */

/** `id` of the JSON script that holds every island's props, in island order. */
export const PROPS_SCRIPT_ID = "__islands";

/** Text of an island's opening marker comment. */
export function openMarker(name: string, id: number): string {
  return `island:${name}:${id}`;
}

/** Text of an island's closing marker comment. */
export function closeMarker(id: number): string {
  return `/island:${id}`;
}

/** Parses an opening marker's text: `[name, id]`, or `null` when it is not one. */
export function parseOpenMarker(text: string): [string, number] | null {
  const m = /^island:([A-Za-z][A-Za-z0-9_]*):(\d+)$/.exec(text);
  return m ? [m[1], Number(m[2])] : null;
}
