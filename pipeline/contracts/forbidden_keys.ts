/**
 * The forbidden-key rule of shared/spec/sources.md ("Generic value rules"):
 * a record with `__proto__`, `constructor` or `prototype` as a key at any
 * depth is `invalid_value`.
 *
 * @module
 */

/** Object keys that make a record `invalid_value` at any depth. */
export const FORBIDDEN_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/**
 * The first forbidden key (`__proto__`, `constructor`, `prototype`) found among
 * the own keys of `value` and its nested objects and arrays, or `null`. Walks
 * iteratively (no recursion limit); containers deeper than `maxDepth` are not
 * inspected.
 *
 * @example
 * ```ts
 * findForbiddenKey(JSON.parse('{"a":[{"__proto__":{}}]}')); // "__proto__"
 * ```
 */
export function findForbiddenKey(value: unknown, maxDepth = Infinity): string | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null || seen.has(node) || depth > maxDepth) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.getOwnPropertyNames(node)) {
      if (FORBIDDEN_KEYS.includes(key)) return key;
      const desc = Object.getOwnPropertyDescriptor(node, key);
      if (desc && "value" in desc) stack.push([desc.value, depth + 1]);
    }
  }
  return null;
}
