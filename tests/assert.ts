/**
 * Tiny assertion helpers for the test suite (there is no @std/assert here).
 *
 * @module
 */

/** Thrown by every helper in this file. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

/** Renders a value as stable JSON, showing what JSON alone would hide. */
function show(value: unknown): string {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === "bigint") return `${v}n`;
      if (v === undefined) return "<undefined>";
      if (typeof v === "number" && !Number.isFinite(v)) return `<${v}>`;
      if (typeof v === "symbol") return `<${v.toString()}>`;
      if (typeof v === "function") return `<function ${v.name}>`;
      if (v instanceof Map) return { "<Map>": [...v.entries()] };
      if (v instanceof Set) return { "<Set>": [...v.values()] };
      if (v instanceof Uint8Array) return { "<Uint8Array>": [...v] };
      if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) {
        if (seen.has(v)) return "<circular>";
        seen.add(v);
        const sorted: Record<string, unknown> = {};
        for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
        return sorted;
      }
      return v;
    },
    2,
  );
  return text ?? String(value);
}

/** Line diff of two renderings: `-` lines only in actual, `+` lines only in expected. */
function lineDiff(actual: string, expected: string): string {
  const a = actual.split("\n");
  const b = expected.split("\n");
  // LCS table; the renderings are small in tests.
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return `actual:\n${actual}\nexpected:\n${expected}`;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push(`    ${a[i]}`);
      i++;
      j++;
    } else if (dp[i + 1][j] >= dp[i][j + 1]) {
      out.push(`-   ${a[i++]}`);
    } else {
      out.push(`+   ${b[j++]}`);
    }
  }
  while (i < n) out.push(`-   ${a[i++]}`);
  while (j < m) out.push(`+   ${b[j++]}`);
  return out.join("\n");
}

function isObjectLike(v: unknown): v is Record<PropertyKey, unknown> {
  return typeof v === "object" && v !== null;
}

/** Structural deep equality (own enumerable keys, arrays, Dates, Maps, Sets, typed arrays). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!isObjectLike(a) || !isObjectLike(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date && b instanceof Date) return Object.is(a.getTime(), b.getTime());
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (Array.isArray(a)) {
    const bb = b as unknown as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/**
 * Asserts deep equality; the failure message carries a line diff of the JSON renderings.
 * Keys whose value is `undefined` are treated as absent.
 */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (deepEqual(actual, expected)) return;
  const diff = lineDiff(show(actual), show(expected));
  throw new AssertionError(
    `${msg ? msg + ": " : ""}Values are not equal (- actual, + expected)\n${diff}`,
  );
}

/** Asserts that two values are not deeply equal. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!deepEqual(actual, expected)) return;
  throw new AssertionError(`${msg ? msg + ": " : ""}Values are equal: ${show(actual)}`);
}

/** Asserts that a condition is truthy. */
export function assert(condition: unknown, msg = "Assertion failed"): asserts condition {
  if (!condition) throw new AssertionError(msg);
}

type ErrorClass = abstract new (...args: never[]) => Error;

function checkError(
  err: unknown,
  ErrorType: ErrorClass | undefined,
  includes: string | undefined,
  msg: string | undefined,
): Error {
  const prefix = msg ? msg + ": " : "";
  if (!(err instanceof Error)) {
    throw new AssertionError(`${prefix}A non-Error value was thrown: ${show(err)}`);
  }
  const got = `"${err.constructor.name}": ${err.message}`;
  if (ErrorType && !(err instanceof ErrorType)) {
    throw new AssertionError(
      `${prefix}Expected error of type "${ErrorType.name}" but got ${got}`,
    );
  }
  if (includes !== undefined && !err.message.includes(includes)) {
    throw new AssertionError(
      `${prefix}Expected error message to include "${includes}" but got "${err.message}"`,
    );
  }
  return err;
}

/**
 * Asserts that `fn` throws (optionally an instance of `ErrorType` whose message includes
 * `includes`) and returns the error.
 *
 * @example
 * ```ts
 * assertThrows(() => JSON.parse("{"), SyntaxError);
 * ```
 */
export function assertThrows(
  fn: () => unknown,
  ErrorType?: ErrorClass,
  includes?: string,
  msg?: string,
): Error {
  try {
    fn();
  } catch (err) {
    return checkError(err, ErrorType, includes, msg);
  }
  throw new AssertionError(`${msg ? msg + ": " : ""}Expected function to throw`);
}

/** Asserts that `fn` rejects (optionally with `ErrorType` and a message part) and returns the error. */
export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  ErrorType?: ErrorClass,
  includes?: string,
  msg?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return checkError(err, ErrorType, includes, msg);
  }
  throw new AssertionError(`${msg ? msg + ": " : ""}Expected promise to reject`);
}
