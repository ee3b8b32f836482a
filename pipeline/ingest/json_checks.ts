/**
 * Structural checks of parsed JSON that the contracts leave to the edge:
 * nesting depth (KV's serialiser overflows its stack on deep values) and
 * well-formed Unicode (a `\ud800` escape parses into a lone surrogate that no
 * UTF-8 export can represent).
 *
 * @module
 */

/** Deepest nesting of objects and arrays accepted in an event. */
export const MAX_JSON_DEPTH = 64;

/** What {@link inspectJson} found wrong, or `null`. */
export type JsonProblem =
  | { kind: "too_deep"; field: string }
  | { kind: "lone_surrogate"; field: string }
  | null;

/**
 * Walks a parsed JSON value iteratively and reports the first problem: nesting
 * deeper than `maxDepth`, or a string (value or key) with a lone surrogate.
 * `field` is the top-level key under which it was found.
 *
 * @example
 * ```ts
 * inspectJson(JSON.parse('{"a":"\\ud800"}')); // { kind: "lone_surrogate", field: "a" }
 * ```
 */
export function inspectJson(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem {
  const stack: Array<[unknown, number, string]> = [[value, 0, ""]];
  while (stack.length > 0) {
    const [node, depth, field] = stack.pop()!;
    if (typeof node === "string") {
      if (!node.isWellFormed()) return { kind: "lone_surrogate", field };
      continue;
    }
    if (typeof node !== "object" || node === null) continue;
    if (depth >= maxDepth) return { kind: "too_deep", field };
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, depth + 1, field]);
      continue;
    }
    for (const key of Object.keys(node)) {
      const f = depth === 0 ? key : field;
      if (!key.isWellFormed()) return { kind: "lone_surrogate", field: f };
      stack.push([(node as Record<string, unknown>)[key], depth + 1, f]);
    }
  }
  return null;
}
