/**
 * How raw values are shown in quarantine messages and measured by the
 * "n chars" rules.
 *
 * @module
 */

/**
 * Quotes a raw value for an error message, shortened to stay readable.
 *
 * @example
 * ```ts
 * quote("12,50"); // "\"12,50\""
 * ```
 */
export function quote(raw: unknown): string {
  let text: string;
  if (typeof raw === "string") text = raw;
  else if (typeof raw === "number" || typeof raw === "bigint" || typeof raw === "boolean") {
    text = String(raw);
  } else if (raw instanceof Date) {
    text = Number.isNaN(raw.getTime()) ? "Invalid Date" : raw.toISOString();
  } else if (typeof raw === "symbol") text = raw.description ?? "symbol";
  else {
    try {
      text = JSON.stringify(raw) ?? String(raw);
    } catch {
      text = Object.prototype.toString.call(raw);
    }
  }
  const chars = [...text];
  if (chars.length > 60) text = chars.slice(0, 57).join("") + "...";
  return JSON.stringify(text);
}

/** Describes a value's kind for messages: "a boolean", "an object", "an array". */
export function kindOf(raw: unknown): string {
  if (Array.isArray(raw)) return "an array";
  if (raw instanceof Date) return "a date";
  const t = typeof raw;
  return t === "object" || t === "undefined" ? `an ${t}` : `a ${t}`;
}

/** Length in Unicode code points, the unit of every "n chars" rule. */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
