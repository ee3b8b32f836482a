import {
  centsToDecimal,
  compareDecimals,
  fromScaled,
  lineAmount,
  lineValueCents,
  multiplyDecimal,
  roundHalfUp,
  roundHalfUpDiv,
  stockValueCents,
  toScaled,
} from "../pipeline/contracts/mod.ts";
import { assertEquals, assertThrows } from "./assert.ts";

const DEFAULT_RATES = { USD: "1", EUR: "1.08", GBP: "1.27" };
const CAD_RATES = { USD: "1", EUR: "1.08", GBP: "1.27", CAD: "0.73" };

const halfUpCases: Array<[bigint, bigint, bigint]> = [
  [0n, 1n, 0n],
  [5n, 2n, 3n],
  [3n, 2n, 2n],
  [1n, 2n, 1n],
  [1n, 3n, 0n],
  [2n, 3n, 1n],
  [7n, 7n, 1n],
  [149n, 100n, 1n],
  [150n, 100n, 2n],
  [-1n, 2n, -1n],
  [-5n, 2n, -3n],
  [-3n, 2n, -2n],
  [-149n, 100n, -1n],
  [-150n, 100n, -2n],
  [10n ** 30n + 5n, 10n, 10n ** 29n + 1n],
];
for (const [num, den, expected] of halfUpCases) {
  Deno.test(`roundHalfUp(${num}, ${den}) is ${expected}`, () => {
    assertEquals(roundHalfUp(num, den), expected);
  });
}

Deno.test("roundHalfUp() refuses a zero or negative denominator", () => {
  assertThrows(() => roundHalfUp(1n, 0n), RangeError);
  assertThrows(() => roundHalfUp(1n, -2n), RangeError);
});

const amountCases: Array<[number, string, string, string]> = [
  [3, "19.99", "5", "54.97"],
  [2, "0.1", "0.2", "0"],
  [1, "1", "0", "1"],
  [3, "0.1", "0", "0.3"],
  [10, "0.0001", "0.0005", "0.0005"],
  [1_000_000, "9999.9999", "0.0001", "9999999899.9999"],
  [4, "2.5", "0", "10"],
];
for (const [quantity, unitPrice, discount, expected] of amountCases) {
  Deno.test(`lineAmount() of ${quantity} × ${unitPrice} − ${discount} is ${expected}`, () => {
    assertEquals(lineAmount({ quantity, unitPrice, discount }), expected);
  });
}

type ValueCase = [
  currency: string,
  quantity: number,
  unitPrice: string,
  discount: string,
  cents: number,
];
const valueCases: ValueCase[] = [
  // USD = 1: half a cent rounds up, just under half rounds down.
  ["USD", 1, "0.005", "0", 1],
  ["USD", 1, "0.0049", "0", 0],
  ["USD", 1, "0.125", "0", 13],
  ["USD", 1, "0.115", "0", 12],
  ["USD", 3, "0.335", "0", 101], // 1.005 × 100: a float gives 100.49999…
  ["USD", 1, "1.005", "0", 101],
  ["USD", 2, "10.005", "0.01", 2000],
  ["USD", 1, "0", "0", 0],
  ["USD", 5, "20", "100", 0],
  ["USD", 1_000_000, "19.9999", "0", 1_999_990_000],
  ["USD", 1_000_000, "9999.9999", "0", 999_999_990_000],
  // EUR = 1.08: 0.125 × 1.08 = 0.135 → 13.5 cents.
  ["EUR", 1, "10.25", "0", 1107],
  ["EUR", 1, "0.125", "0", 14],
  ["EUR", 3, "0.125", "0", 41], // 0.375 × 1.08 = 0.405
  ["EUR", 1, "0.0125", "0", 1], // 1.35 cents
  ["EUR", 2, "0.5", "0.875", 14], // 0.125 after discount
  ["EUR", 1_000_000, "9999.9999", "0", 1_079_999_989_200],
  ["EUR", 7, "0.0463", "0", 35], // 0.3241 × 1.08 = 0.350028
  // GBP = 1.27: 0.5 × 1.27 = 0.635 → 63.5 cents.
  ["GBP", 1, "0.5", "0", 64],
  ["GBP", 3, "0.5", "0", 191], // 1.905
  ["GBP", 1, "0.4999", "0", 63], // 0.634873
  ["GBP", 10, "1.5", "14.5", 64], // 0.5 after discount
  ["GBP", 999_999, "0.01", "0", 1_269_999], // 9999.99 × 1.27 = 12699.9873
];
for (const [currency, quantity, unitPrice, discount, cents] of valueCases) {
  Deno.test(
    `lineValueCents() of ${quantity} × ${currency} ${unitPrice} − ${discount} is ${cents} cents`,
    () => {
      const line = { quantity, unitPrice, discount, currency };
      assertEquals(lineValueCents(line, DEFAULT_RATES), cents);
      // A table with more currencies values known currencies the same way.
      assertEquals(lineValueCents(line, CAD_RATES), cents);
    },
  );
}

const cadCases: Array<[number, string, string, number]> = [
  [1, "0.5", "0", 37], // 0.365 → 36.5 cents
  [5, "0.5", "0", 183], // 1.825 → 182.5 cents
  [1, "100", "0", 7300],
  [1, "0.0068", "0", 0], // 0.4964 cents
  [1, "0.0069", "0", 1], // 0.5037 cents
  [3, "33.3333", "0.0001", 7300], // 99.9998 × 0.73 = 72.999854
];
for (const [quantity, unitPrice, discount, cents] of cadCases) {
  Deno.test(`lineValueCents() of ${quantity} × CAD ${unitPrice} − ${discount} is ${cents} cents`, () => {
    assertEquals(
      lineValueCents({ quantity, unitPrice, discount, currency: "CAD" }, CAD_RATES),
      cents,
    );
  });
}

Deno.test("lineValueCents() throws for a currency outside the rate table", () => {
  const line = { quantity: 1, unitPrice: "1", discount: "0", currency: "CAD" };
  assertThrows(() => lineValueCents(line, DEFAULT_RATES), RangeError, '"CAD"');
  assertThrows(() => lineValueCents({ ...line, currency: "toString" }, DEFAULT_RATES), RangeError);
});

Deno.test("lineValueCents() reads rates with trailing zeros and many decimals", () => {
  const line = { quantity: 1, unitPrice: "100", discount: "0", currency: "JPY" };
  assertEquals(lineValueCents(line, { JPY: "0.00670000" }), 67);
  assertEquals(lineValueCents(line, { JPY: "0.00675" }), 68); // 67.5 cents
});

Deno.test("lineValueCents() refuses a result beyond the safe integer range", () => {
  const line = { quantity: 9_000_000, unitPrice: "999999999999", discount: "0", currency: "USD" };
  assertThrows(() => lineValueCents(line, DEFAULT_RATES), RangeError);
});

const stockCases: Array<[number, string, number]> = [
  [3, "0.125", 38],
  [1, "0.005", 1],
  [1, "0.0049", 0],
  [7, "1.0005", 700],
  [0, "5", 0],
  [12, "3.5", 4200],
  [1_000_000, "0.0001", 10_000],
  [999, "0.0005", 50], // 49.95 cents
];
for (const [onHand, unitCost, cents] of stockCases) {
  Deno.test(`stockValueCents(${onHand}, "${unitCost}") is ${cents}`, () => {
    assertEquals(stockValueCents(onHand, unitCost), cents);
  });
}

const compareCases: Array<[string, string, number]> = [
  ["1.50", "1.5", 0],
  ["0.1", "0.10000", 0],
  ["-1", "0.5", -1],
  ["10", "9.9999", 1],
  ["-0.25", "-0.2", -1],
  ["0", "-0", 0],
  ["123456789012345.0001", "123456789012345", 1],
];
for (const [a, b, expected] of compareCases) {
  Deno.test(`compareDecimals("${a}", "${b}") is ${expected}`, () => {
    assertEquals(compareDecimals(a, b), expected);
    assertEquals(compareDecimals(b, a), -expected || 0);
  });
}

const divCases: Array<[number, number, number]> = [
  [1001, 2, 501],
  [1000, 3, 333],
  [2000, 3, 667],
  [5, 0, 0],
  [0, 5, 0],
  [-5, 2, -3],
  [5, -2, -3],
  [9_007_199_254_740_991, 2, 4_503_599_627_370_496],
  [12_345, 100, 123],
  [12_350, 100, 124],
];
for (const [num, den, expected] of divCases) {
  Deno.test(`roundHalfUpDiv(${num}, ${den}) is ${expected}`, () => {
    assertEquals(roundHalfUpDiv(num, den), expected);
  });
}

Deno.test("roundHalfUpDiv() refuses non-integers", () => {
  assertThrows(() => roundHalfUpDiv(1.5, 2), RangeError);
  assertThrows(() => roundHalfUpDiv(1, 0.5), RangeError);
});

Deno.test("toScaled() and fromScaled() convert plain decimal text both ways", () => {
  assertEquals(toScaled("1.0800"), { units: 10800n, scale: 4 });
  assertEquals(toScaled("-0.25"), { units: -25n, scale: 2 });
  assertEquals(fromScaled({ units: 10800n, scale: 4 }), "1.08");
  assertEquals(fromScaled({ units: -5n, scale: 3 }), "-0.005");
  assertEquals(fromScaled({ units: 0n, scale: 2 }), "0");
  assertThrows(() => toScaled("$1"), RangeError);
  assertThrows(() => toScaled("1,000"), RangeError);
  assertThrows(() => toScaled("1e3"), RangeError);
});

Deno.test("multiplyDecimal() multiplies exactly", () => {
  assertEquals(multiplyDecimal(3, "0.1"), "0.3");
  assertEquals(multiplyDecimal(0, "12.5"), "0");
  assertEquals(multiplyDecimal(7, "1.4286"), "10.0002");
});

const centsCases: Array<[number, string]> = [
  [0, "0.00"],
  [5, "0.05"],
  [-1234, "-12.34"],
  [100, "1.00"],
  [123456789, "1234567.89"],
];
for (const [cents, text] of centsCases) {
  Deno.test(`centsToDecimal(${cents}) is "${text}"`, () => {
    assertEquals(centsToDecimal(cents), text);
  });
}
