import {
  categoryKey,
  excelSerialToDay,
  INVENTORY_COLUMNS,
  type InventoryRow,
  matchInventoryHeader,
  NO_CACHED_VALUE,
  normaliseInventoryRow,
  parseSnapshotDay,
} from "../pipeline/contracts/mod.ts";
import { assert, assertEquals, assertThrows } from "./assert.ts";

type Cells = Record<string, unknown>;

function row(extra: Cells = {}): Cells {
  return {
    sku: "ab-1",
    product_name: "Enamel mug",
    category: "Kitchen",
    warehouse: "BER-1",
    on_hand: 12,
    ...extra,
  };
}

function without(r: Cells, ...keys: string[]): Cells {
  const copy = { ...r };
  for (const k of keys) delete copy[k];
  return copy;
}

function accepted(r: Cells): InventoryRow {
  const out = normaliseInventoryRow(r);
  if (!out.ok) throw new Error(`Expected acceptance, got ${JSON.stringify(out.rejection)}`);
  assertEquals(out.warnings, []);
  return out.value;
}

type RejectCase = [name: string, row: Cells, reason: string, field: string];

const missingCases: RejectCase[] = INVENTORY_COLUMNS.required.flatMap((col): RejectCase[] => [
  [`no ${col} cell`, without(row(), col), "missing_required", col],
  [`an empty ${col}`, row({ [col]: "" }), "missing_required", col],
  [`a null-token ${col}`, row({ [col]: "N/A" }), "missing_required", col],
]);

const rejectCases: RejectCase[] = [
  ...missingCases,
  ["a boolean sku", row({ sku: true }), "invalid_type", "sku"],
  ["a date product_name", row({ product_name: new Date(0) }), "invalid_type", "product_name"],
  ["a boolean category", row({ category: false }), "invalid_type", "category"],
  ["a fractional on_hand number", row({ on_hand: 2.5 }), "invalid_type", "on_hand"],
  ["a fractional on_hand text", row({ on_hand: "2.5" }), "invalid_type", "on_hand"],
  ["a word on_hand", row({ on_hand: "many" }), "invalid_type", "on_hand"],
  ["a boolean on_hand", row({ on_hand: true }), "invalid_type", "on_hand"],
  ["a date on_hand", row({ on_hand: new Date(0) }), "invalid_type", "on_hand"],
  ["a fractional reorder_point", row({ reorder_point: 1.5 }), "invalid_type", "reorder_point"],
  ["an ambiguous unit_cost", row({ unit_cost: "12,50" }), "invalid_type", "unit_cost"],
  ["a unit_cost with 5 decimals", row({ unit_cost: 0.12345 }), "invalid_type", "unit_cost"],
  ["a float-noise unit_cost", row({ unit_cost: 0.1 + 0.2 }), "invalid_type", "unit_cost"],
  ["a boolean unit_cost", row({ unit_cost: true }), "invalid_type", "unit_cost"],
  ["a negative on_hand", row({ on_hand: -1 }), "invalid_value", "on_hand"],
  ["a negative reorder_point", row({ reorder_point: "-2" }), "invalid_value", "reorder_point"],
  ["a negative unit_cost", row({ unit_cost: -0.01 }), "invalid_value", "unit_cost"],
  [
    "a stock value over the limit",
    row({ on_hand: 2_000_000, unit_cost: 5000.5 }),
    "invalid_value",
    "unit_cost",
  ],
  ["a sku with a slash", row({ sku: "AB/1" }), "invalid_value", "sku"],
  ["a sku of 65 chars", row({ sku: "A".repeat(65) }), "invalid_value", "sku"],
  [
    "a product_name of 201 chars",
    row({ product_name: "p".repeat(201) }),
    "invalid_value",
    "product_name",
  ],
  ["a category of 101 chars", row({ category: "c".repeat(101) }), "invalid_value", "category"],
  ["a warehouse of 65 chars", row({ warehouse: "w".repeat(65) }), "invalid_value", "warehouse"],
  [
    "a formula without cached value in on_hand",
    row({ on_hand: NO_CACHED_VALUE }),
    "invalid_value",
    "on_hand",
  ],
  ["a formula without cached value in sku", row({ sku: NO_CACHED_VALUE }), "invalid_value", "sku"],
  [
    "a formula without cached value in unit_cost",
    row({ unit_cost: NO_CACHED_VALUE }),
    "invalid_value",
    "unit_cost",
  ],
  // Precedence: reason code first, then the column order of the spec.
  [
    "a missing warehouse and an uncached on_hand",
    without(row({ on_hand: NO_CACHED_VALUE }), "warehouse"),
    "missing_required",
    "warehouse",
  ],
  [
    "a bad unit_cost type and a bad sku",
    row({ unit_cost: "x", sku: "a b" }),
    "invalid_type",
    "unit_cost",
  ],
  [
    "an uncached category and a negative on_hand",
    row({ category: NO_CACHED_VALUE, on_hand: -1 }),
    "invalid_value",
    "category",
  ],
  ["missing sku and missing on_hand", without(row(), "sku", "on_hand"), "missing_required", "sku"],
];

for (const [name, r, reason, field] of rejectCases) {
  Deno.test(`normaliseInventoryRow() quarantines ${name} as ${reason}`, () => {
    const out = normaliseInventoryRow(r);
    assert(!out.ok, "expected a rejection");
    assertEquals({ reason: out.rejection.reason, field: out.rejection.field }, { reason, field });
    assert(!out.rejection.message.endsWith("."), out.rejection.message);
  });
}

Deno.test("normaliseInventoryRow() normalises a row of text cells", () => {
  assertEquals(
    accepted(row({
      sku: " ab-1 ",
      product_name: " Enamel mug ",
      category: "  Kitchen ",
      warehouse: " BER-1",
      on_hand: "12.0",
      reorder_point: "+3",
      unit_cost: "$1,250.50",
    })),
    {
      sku: "AB-1",
      productName: "Enamel mug",
      category: "Kitchen",
      warehouse: "BER-1",
      onHand: 12,
      reorderPoint: 3,
      unitCost: "1250.5",
    },
  );
});

Deno.test("normaliseInventoryRow() reads numeric cells as text and numbers", () => {
  assertEquals(
    accepted(row({ sku: 12345, warehouse: 7, product_name: 3.5, on_hand: 0, unit_cost: 2.25 })),
    {
      sku: "12345",
      productName: "3.5",
      category: "Kitchen",
      warehouse: "7",
      onHand: 0,
      reorderPoint: 0,
      unitCost: "2.25",
    },
  );
});

Deno.test("normaliseInventoryRow() defaults reorder_point to 0 and leaves unit_cost absent", () => {
  const a = accepted(row({ reorder_point: undefined, unit_cost: "" }));
  assertEquals([a.reorderPoint, a.unitCost, "unitCost" in a], [0, undefined, false]);
  assertEquals(accepted(row({ reorder_point: "NULL", unit_cost: "-" })).reorderPoint, 0);
});

Deno.test("normaliseInventoryRow() accepts limits: 200-char name, 100-char category, 64-char warehouse", () => {
  const a = accepted(
    row({ product_name: "p".repeat(200), category: "c".repeat(100), warehouse: "w".repeat(64) }),
  );
  assertEquals([a.productName.length, a.category.length, a.warehouse.length], [200, 100, 64]);
  assertEquals(accepted(row({ unit_cost: 0 })).unitCost, "0");
});

Deno.test("normaliseInventoryRow() ignores snapshot_date and unknown columns", () => {
  assertEquals(accepted(row({ snapshot_date: "garbage", note: true })), accepted(row()));
});

Deno.test("normaliseInventoryRow() ignores an uncached formula in a column it does not read", () => {
  assertEquals(accepted(row({ note: NO_CACHED_VALUE })), accepted(row()));
});

Deno.test("matchInventoryHeader() matches names and reports the rest", () => {
  const m = matchInventoryHeader([
    "\uFEFFSKU",
    " Product_Name ",
    "CATEGORY",
    "warehouse",
    "on_hand",
    "Snapshot_Date",
    42,
    undefined,
    null,
    "sku",
  ]);
  assertEquals(m.index, {
    sku: 0,
    product_name: 1,
    category: 2,
    warehouse: 3,
    on_hand: 4,
    snapshot_date: 5,
  });
  assertEquals(m.unknown, ["42", "sku"]);
  assertEquals(m.duplicate, ["sku"]);
  assertEquals(m.missing, []);
  assertEquals(matchInventoryHeader(["sku", "on_hand"]).missing, [
    "product_name",
    "category",
    "warehouse",
  ]);
});

const categoryCases: Array<[string, string]> = [
  ["Kitchen", "kitchen"],
  ["  KITCHEN ", "kitchen"],
  ["Home & Garden", "home & garden"],
  ["Électronique", "électronique"],
];
for (const [category, key] of categoryCases) {
  Deno.test(`categoryKey("${category}") is "${key}"`, () => {
    assertEquals(categoryKey(category), key);
  });
}

const serialCases: Array<[number, boolean, string]> = [
  [1, false, "1900-01-01"],
  [59, false, "1900-02-28"],
  [61, false, "1900-03-01"],
  [25569, false, "1970-01-01"],
  [46351, false, "2026-11-25"],
  [46351.75, false, "2026-11-25"],
  [47177, false, "2029-02-28"],
  [0, true, "1904-01-01"],
  [1, true, "1904-01-02"],
  [59, true, "1904-02-29"],
  [24107, true, "1970-01-01"],
  [44889, true, "2026-11-25"],
];
for (const [serial, date1904, day] of serialCases) {
  Deno.test(`excelSerialToDay(${serial}, ${date1904}) is ${day}`, () => {
    assertEquals(excelSerialToDay(serial, date1904), day);
  });
}

Deno.test("excelSerialToDay() refuses serials with no real day", () => {
  assertThrows(() => excelSerialToDay(60, false), RangeError, "1900-02-29");
  assertThrows(() => excelSerialToDay(0, false), RangeError);
  assertThrows(() => excelSerialToDay(-1, true), RangeError);
  assertThrows(() => excelSerialToDay(Number.NaN, false), RangeError);
});

const snapshotCases: Array<[unknown, boolean, string | undefined | null]> = [
  ["2026-11-23", false, "2026-11-23"],
  ["2026-11-23T23:30:00-02:00", false, "2026-11-24"],
  [46349, false, "2026-11-23"],
  [44887, true, "2026-11-23"],
  [new Date(Date.UTC(2026, 10, 23, 15)), false, "2026-11-23"],
  ["", false, undefined],
  [undefined, false, undefined],
  ["23/11/2026", false, null],
  [true, false, null],
  [60, false, null],
  [new Date(Number.NaN), false, null],
];
for (const [raw, date1904, expected] of snapshotCases) {
  Deno.test(`parseSnapshotDay(${raw instanceof Date ? "a Date" : JSON.stringify(raw)}) is ${expected}`, () => {
    const r = parseSnapshotDay(raw, date1904);
    if (expected === null) {
      assert(!r.ok);
      assertEquals(r.reason, "invalid_timestamp");
    } else {
      assertEquals(r, { ok: true, value: expected });
    }
  });
}
