import {
  findForbiddenKey,
  isAbsent,
  numberToDecimalText,
  parseDecimal,
  parseInteger,
  parseText,
  parseTimestamp,
} from "../pipeline/contracts/mod.ts";
import { assert, assertEquals } from "./assert.ts";

/** A readable test-name label for any raw value. */
function label(raw: unknown): string {
  if (typeof raw === "bigint") return `${raw}n`;
  if (typeof raw === "number" || raw === undefined) return String(raw);
  if (raw instanceof Date) return `Date(${raw.getTime()})`;
  return JSON.stringify(raw);
}

const absentCases: Array<[unknown, boolean]> = [
  [undefined, true],
  [null, true],
  ["", true],
  ["   ", true],
  ["null", true],
  ["NULL", true],
  [" N/A ", true],
  ["n/a", true],
  ["NaN", true],
  ["-", true],
  [Number.NaN, true],
  ["\t-\n", true],
  ["0", false],
  [0, false],
  ["--", false],
  ["none", false],
  ["Null", false],
  ["N/A2", false],
  [false, false],
  [{}, false],
];
for (const [raw, expected] of absentCases) {
  Deno.test(`isAbsent(${label(raw)}) is ${expected}`, () => {
    assertEquals(isAbsent(raw), expected);
  });
}

const textOpts = { field: "order_id", min: 1, max: 5 };
const textCases: Array<[unknown, string | undefined | string[]]> = [
  ["  abc ", "abc"],
  ["abcde", "abcde"],
  ["NULL", undefined],
  ["", undefined],
  [12345, "12345"],
  [1.5, "1.5"],
  [12n, "12"],
  ["ééééé", "ééééé"],
  ["😀😀😀😀😀", "😀😀😀😀😀"],
  ["abcdef", ["invalid_value"]],
  [123456, ["invalid_value"]],
  [true, ["invalid_type"]],
  [{ a: 1 }, ["invalid_type"]],
  [[1], ["invalid_type"]],
  [new Date(0), ["invalid_type"]],
  [Infinity, ["invalid_type"]],
];
for (const [raw, expected] of textCases) {
  Deno.test(`parseText() reads ${label(raw)} as ${JSON.stringify(expected)}`, () => {
    const r = parseText(raw, textOpts);
    if (Array.isArray(expected)) {
      assert(!r.ok, "expected a failure");
      assertEquals(r.reason, expected[0]);
      assert(r.message.includes('"order_id"'), r.message);
    } else {
      assertEquals(r, { ok: true, value: expected });
    }
  });
}

Deno.test("parseText() enforces a minimum length above 1", () => {
  const r = parseText("ab", { field: "x", min: 3, max: 10 });
  assertEquals(r.ok ? "ok" : r.reason, "invalid_value");
});

const integerCases: Array<[unknown, number | undefined | string]> = [
  ["3", 3],
  ["3.0", 3],
  ["3.00", 3],
  ["+3", 3],
  ["-2", -2],
  [" 42 ", 42],
  ["007", 7],
  ["-0", 0],
  ["0.000", 0],
  [3, 3],
  [-4, -4],
  [3.0, 3],
  ["9007199254740991", 9007199254740991],
  ["", undefined],
  ["N/A", undefined],
  [null, undefined],
  ["3.5", "invalid_type"],
  ["3.", "invalid_type"],
  [".0", "invalid_type"],
  ["1e3", "invalid_type"],
  ["1,000", "invalid_type"],
  ["0x10", "invalid_type"],
  ["three", "invalid_type"],
  ["+-3", "invalid_type"],
  ["3 4", "invalid_type"],
  [3.5, "invalid_type"],
  [Infinity, "invalid_type"],
  [true, "invalid_type"],
  [{}, "invalid_type"],
  ["9007199254740992", "invalid_value"],
  ["123456789012345678901234", "invalid_value"],
  [2 ** 60, "invalid_value"],
];
for (const [raw, expected] of integerCases) {
  Deno.test(`parseInteger() reads ${label(raw)} as ${String(expected)}`, () => {
    const r = parseInteger(raw, "quantity");
    if (typeof expected === "string") {
      assert(!r.ok, "expected a failure");
      assertEquals(r.reason, expected);
      assert(r.message.includes('"quantity"'), r.message);
    } else {
      assertEquals(r, { ok: true, value: expected });
      if (r.ok && r.value === 0) assert(Object.is(r.value, 0), "negative zero leaked");
    }
  });
}

const decimalCases: Array<[unknown, string | undefined | { reason: string }]> = [
  ["1,299.50", "1299.5"],
  ["$1,299.50", "1299.5"],
  ["€3", "3"],
  ["£0.25", "0.25"],
  ["$ 12.00", "12"],
  ["-0.25", "-0.25"],
  ["-$0.25", "-0.25"],
  ["$-0.25", "-0.25"],
  ["+5", "5"],
  ["0", "0"],
  ["0.0000", "0"],
  ["-0", "0"],
  ["00012.3400", "12.34"],
  ["1,000,000", "1000000"],
  ["12.3456", "12.3456"],
  ["999999999999999.9999", "999999999999999.9999"],
  [" 7.5 ", "7.5"],
  [12.5, "12.5"],
  [0.1, "0.1"],
  [3, "3"],
  [-0, "0"],
  [1e-4, "0.0001"],
  [123456789.1234, "123456789.1234"],
  ["", undefined],
  ["n/a", undefined],
  [undefined, undefined],
  ["12,50", { reason: "invalid_type" }],
  ["1,2345", { reason: "invalid_type" }],
  ["1,23", { reason: "invalid_type" }],
  ["12,345,67", { reason: "invalid_type" }],
  [",123", { reason: "invalid_type" }],
  ["1234,567", { reason: "invalid_type" }],
  ["1.23456", { reason: "invalid_type" }],
  ["1.00000", { reason: "invalid_type" }],
  [".5", { reason: "invalid_type" }],
  ["5.", { reason: "invalid_type" }],
  ["1.2.3", { reason: "invalid_type" }],
  ["12 50", { reason: "invalid_type" }],
  ["USD 12", { reason: "invalid_type" }],
  ["12$", { reason: "invalid_type" }],
  ["¥12", { reason: "invalid_type" }],
  ["1e3", { reason: "invalid_type" }],
  ["--1", { reason: "invalid_type" }],
  ["-$-1", { reason: "invalid_type" }],
  ["abc", { reason: "invalid_type" }],
  [0.00001, { reason: "invalid_type" }],
  [13.200000000000001, { reason: "invalid_type" }],
  [Infinity, { reason: "invalid_type" }],
  [true, { reason: "invalid_type" }],
  [{}, { reason: "invalid_type" }],
  ["1234567890123456", { reason: "invalid_value" }],
  [1e21, { reason: "invalid_value" }],
];
for (const [raw, expected] of decimalCases) {
  Deno.test(`parseDecimal() reads ${label(raw)} as ${JSON.stringify(expected)}`, () => {
    const r = parseDecimal(raw, "unit_price");
    if (typeof expected === "object") {
      assert(!r.ok, "expected a failure");
      assertEquals(r.reason, expected.reason);
      assert(r.message.includes('"unit_price"'), r.message);
    } else {
      assertEquals(r, { ok: true, value: expected });
    }
  });
}

const numberTextCases: Array<[number, string]> = [
  [0, "0"],
  [-0, "0"],
  [1e21, "1000000000000000000000"],
  [1.5e-7, "0.00000015"],
  [-2.5, "-2.5"],
  [123.456, "123.456"],
];
for (const [n, text] of numberTextCases) {
  Deno.test(`numberToDecimalText(${n}) is "${text}"`, () => {
    assertEquals(numberToDecimalText(n), text);
  });
}

const ts = Date.UTC;
const timestampCases: Array<[unknown, number | undefined | null]> = [
  ["2026-11-25T10:15:00.123+01:00", ts(2026, 10, 25, 9, 15, 0, 123)],
  ["2026-11-25T10:15:00Z", ts(2026, 10, 25, 10, 15)],
  ["2026-11-25T10:15Z", ts(2026, 10, 25, 10, 15)],
  ["2026-11-25T00:30:00-05:30", ts(2026, 10, 25, 6, 0)],
  ["2026-11-25T23:59:59.999999999Z", ts(2026, 10, 25, 23, 59, 59, 999)],
  ["2026-11-25T10:15:00.1Z", ts(2026, 10, 25, 10, 15, 0, 100)],
  ["2026-01-01T00:30:00+01:00", ts(2025, 11, 31, 23, 30)],
  ["2026-11-25 10:15:00", ts(2026, 10, 25, 10, 15)],
  ["2026-11-25 10:15:00.5", ts(2026, 10, 25, 10, 15, 0, 500)],
  ["2026-11-25 10:15:00+02:00", ts(2026, 10, 25, 8, 15)],
  ["2026-11-25", ts(2026, 10, 25)],
  ["2028-02-29", ts(2028, 1, 29)],
  [" 2026-11-25 ", ts(2026, 10, 25)],
  ["1764065700", 1764065700000],
  ["1764065700123", 1764065700123],
  [1764065700, 1764065700000],
  [1764065700123, 1764065700123],
  ["0000000000", 0],
  ["", undefined],
  ["null", undefined],
  [null, undefined],
  ["2026-02-30", null],
  ["2027-02-29", null],
  ["2100-02-29", null],
  ["2026-13-01", null],
  ["2026-00-10", null],
  ["2026-11-25T24:00:00Z", null],
  ["2026-11-25T23:60:00Z", null],
  ["2026-11-25T23:59:60Z", null],
  ["2026-11-25T10:15:00", null],
  ["2026-11-25T10:15:00+0100", null],
  ["2026-11-25T10:15:00+01", null],
  ["2026-11-25T10:15:00+24:00", null],
  ["2026-11-25t10:15:00z", null],
  ["2026-11-25T10:15:00.1234567890Z", null],
  ["2026-11-25 10", null],
  ["2026/11/25", null],
  ["25.11.2026", null],
  ["11/25/2026", null],
  ["Nov 25 2026", null],
  ["Wed, 25 Nov 2026 10:15:00 GMT", null],
  ["20261125", null],
  ["176406570", null],
  ["17640657001", null],
  ["176406570012", null],
  ["17640657001234", null],
  ["-1764065700", null],
  [1764065700.5, null],
  [123, null],
  [-1764065700, null],
  [true, null],
  [{}, null],
  [["2026-11-25"], null],
];
for (const [raw, expected] of timestampCases) {
  Deno.test(`parseTimestamp() reads ${label(raw)} as ${expected}`, () => {
    const r = parseTimestamp(raw, "timestamp");
    if (expected === null) {
      assert(!r.ok, "expected a failure");
      assertEquals(r.reason, "invalid_timestamp");
      assert(r.message.includes('"timestamp"'), r.message);
    } else {
      assertEquals(r, { ok: true, value: expected });
    }
  });
}

Deno.test("parseTimestamp() reads a valid Date as its time", () => {
  assertEquals(parseTimestamp(new Date(86_400_000), "t"), { ok: true, value: 86_400_000 });
  assertEquals(parseTimestamp(new Date(Number.NaN), "t").ok, false);
});

const forbiddenCases: Array<[string, unknown, string | null]> = [
  ["a plain object", { a: 1, b: [1, { c: 2 }] }, null],
  ["a top-level __proto__ from JSON", JSON.parse('{"__proto__": {"x": 1}}'), "__proto__"],
  ["a nested __proto__ from JSON", JSON.parse('{"a": {"b": [{"__proto__": 1}]}}'), "__proto__"],
  ["constructor", { properties: { constructor: "x" } }, "constructor"],
  ["prototype in an array", [{ ok: 1 }, { prototype: {} }], "prototype"],
  ["a value named constructor", { a: "constructor" }, null],
  ["a primitive", "__proto__", null],
  ["null", null, null],
];
for (const [name, value, expected] of forbiddenCases) {
  Deno.test(`findForbiddenKey() on ${name} gives ${expected}`, () => {
    assertEquals(findForbiddenKey(value), expected);
  });
}

Deno.test("findForbiddenKey() walks very deep nesting without overflowing the stack", () => {
  let deep: unknown = { prototype: 1 };
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assertEquals(findForbiddenKey(deep), "prototype");
  assertEquals(findForbiddenKey(deep, 10), null);
});

Deno.test("findForbiddenKey() terminates on cycles", () => {
  const a: Record<string, unknown> = { x: 1 };
  a.self = a;
  assertEquals(findForbiddenKey(a), null);
});
