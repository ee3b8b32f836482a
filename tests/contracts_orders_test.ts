import {
  compareVersions,
  type LineVersion,
  matchOrderHeader,
  normaliseOrderRow,
  ORDER_COLUMNS,
  type OrderLine,
  orderLineFingerprint,
  orderRowFromCells,
} from "../pipeline/contracts/mod.ts";
import { assert, assertEquals, assertNotEquals } from "./assert.ts";

const HOUR = 3_600_000;
const RECEIVED = Date.UTC(2026, 10, 26, 6);
const DEFAULT_RATES = { USD: "1", EUR: "1.08", GBP: "1.27" };
const CTX = { receivedAt: RECEIVED, fxRates: DEFAULT_RATES };

type Row = Record<string, string | undefined>;

function row(extra: Row = {}): Row {
  return {
    order_id: "A-1",
    line_no: "1",
    customer_id: "c-1",
    order_ts: "2026-11-25 10:00:00",
    sku: "ab-1",
    quantity: "2",
    unit_price: "10.00",
    status: "placed",
    ...extra,
  };
}

function without(r: Row, ...keys: string[]): Row {
  const copy = { ...r };
  for (const k of keys) delete copy[k];
  return copy;
}

function accepted(r: Row, fxRates: Record<string, string> = DEFAULT_RATES) {
  const out = normaliseOrderRow(r, { receivedAt: RECEIVED, fxRates });
  if (!out.ok) throw new Error(`Expected acceptance, got ${JSON.stringify(out.rejection)}`);
  return out;
}

type RejectCase = [name: string, row: Row, reason: string, field: string];

const missingCases: RejectCase[] = ORDER_COLUMNS.required.flatMap((col): RejectCase[] => [
  [`no ${col} column`, without(row(), col), "missing_required", col],
  [`an empty ${col}`, row({ [col]: "  " }), "missing_required", col],
  [`a null-token ${col}`, row({ [col]: "NULL" }), "missing_required", col],
]);

const rejectCases: RejectCase[] = [
  ...missingCases,
  ["a fractional line_no", row({ line_no: "1.5" }), "invalid_type", "line_no"],
  ["a word line_no", row({ line_no: "one" }), "invalid_type", "line_no"],
  ["line_no 0", row({ line_no: "0" }), "invalid_value", "line_no"],
  ["a negative line_no", row({ line_no: "-1" }), "invalid_value", "line_no"],
  ["a fractional quantity", row({ quantity: "2.5" }), "invalid_type", "quantity"],
  ["a quantity with a thousands separator", row({ quantity: "1,000" }), "invalid_type", "quantity"],
  ["quantity 0", row({ quantity: "0" }), "invalid_value", "quantity"],
  ["a negative quantity", row({ quantity: "-3" }), "invalid_value", "quantity"],
  ["an ambiguous unit_price", row({ unit_price: "12,50" }), "invalid_type", "unit_price"],
  ["a unit_price with 5 decimals", row({ unit_price: "1.23456" }), "invalid_type", "unit_price"],
  ["a word unit_price", row({ unit_price: "free" }), "invalid_type", "unit_price"],
  ["a negative unit_price", row({ unit_price: "-1" }), "invalid_value", "unit_price"],
  [
    "a negative unit_price after the symbol",
    row({ unit_price: "$-0.01" }),
    "invalid_value",
    "unit_price",
  ],
  [
    "a line total over the limit",
    row({ quantity: "1000000", unit_price: "10000.0001" }),
    "invalid_value",
    "unit_price",
  ],
  ["a word discount", row({ discount: "some" }), "invalid_type", "discount"],
  ["a negative discount", row({ discount: "-0.01" }), "invalid_value", "discount"],
  ["a discount over the line total", row({ discount: "20.01" }), "invalid_value", "discount"],
  ["an order_id of 65 chars", row({ order_id: "o".repeat(65) }), "invalid_value", "order_id"],
  [
    "a customer_id of 65 chars",
    row({ customer_id: "c".repeat(65) }),
    "invalid_value",
    "customer_id",
  ],
  ["a sku with a space", row({ sku: "AB 1" }), "invalid_value", "sku"],
  ["a sku starting with a dash", row({ sku: "-AB1" }), "invalid_value", "sku"],
  ["a sku with a non-ASCII letter", row({ sku: "äb1" }), "invalid_value", "sku"],
  ["a sku of 65 chars", row({ sku: "A".repeat(65) }), "invalid_value", "sku"],
  ["an unknown status", row({ status: "pending" }), "invalid_value", "status"],
  ["a day-first date", row({ order_ts: "25/11/2026" }), "invalid_timestamp", "order_ts"],
  ["an impossible date", row({ order_ts: "2026-02-30" }), "invalid_timestamp", "order_ts"],
  [
    "an ISO time without zone",
    row({ order_ts: "2026-11-25T10:00:00" }),
    "invalid_timestamp",
    "order_ts",
  ],
  [
    "an order time 24 h and 1 s after receipt",
    row({ order_ts: "2026-11-27 06:00:01" }),
    "future_timestamp",
    "order_ts",
  ],
  ["a currency outside the table", row({ currency: "CAD" }), "unknown_currency", "currency"],
  ["a currency written with a symbol", row({ currency: "US$" }), "unknown_currency", "currency"],
  [
    "a currency that is an object key",
    row({ currency: "constructor" }),
    "unknown_currency",
    "currency",
  ],
  // Precedence: reason code first, then the column order of the spec.
  [
    "a missing status and a bad quantity",
    row({ status: "", quantity: "x" }),
    "missing_required",
    "status",
  ],
  [
    "missing line_no and customer_id",
    row({ line_no: "", customer_id: "" }),
    "missing_required",
    "line_no",
  ],
  [
    "a bad quantity and line_no 0",
    row({ quantity: "x", line_no: "0" }),
    "invalid_type",
    "quantity",
  ],
  ["a bad sku and a bad order_ts", row({ sku: "a b", order_ts: "x" }), "invalid_value", "sku"],
  [
    "a long order_id and a bad status",
    row({ order_id: "o".repeat(65), status: "x" }),
    "invalid_value",
    "order_id",
  ],
  [
    "a bad discount type and a bad status",
    row({ discount: "x", status: "x" }),
    "invalid_type",
    "discount",
  ],
  [
    "a bad order_ts and an unknown currency",
    row({ order_ts: "x", currency: "CAD" }),
    "invalid_timestamp",
    "order_ts",
  ],
  [
    "a future order_ts and an unknown currency",
    row({ order_ts: "2027-01-01", currency: "CAD" }),
    "future_timestamp",
    "order_ts",
  ],
  [
    "an unknown currency and a bad country",
    row({ currency: "XYZ", country: "Germany" }),
    "unknown_currency",
    "currency",
  ],
];

for (const [name, r, reason, field] of rejectCases) {
  Deno.test(`normaliseOrderRow() quarantines ${name} as ${reason}`, () => {
    const out = normaliseOrderRow(r, CTX);
    assert(!out.ok, "expected a rejection");
    assertEquals({ reason: out.rejection.reason, field: out.rejection.field }, { reason, field });
    assert(!out.rejection.message.endsWith("."), out.rejection.message);
  });
}

Deno.test("normaliseOrderRow() normalises every field of a full row", () => {
  const out = accepted(row({
    order_id: " A-1 ",
    line_no: "2.0",
    customer_id: " c-1 ",
    order_ts: "2026-11-25T10:00:00.500+01:00",
    sku: " ab_1-x ",
    quantity: "+3",
    unit_price: "€1,299.50",
    currency: " eur ",
    discount: "0.50",
    status: " Shipped ",
    country: " de ",
    channel: "APP",
  }));
  const expected: OrderLine = {
    orderId: "A-1",
    lineNo: 2,
    customerId: "c-1",
    orderTs: Date.UTC(2026, 10, 25, 9, 0, 0, 500),
    sku: "AB_1-X",
    quantity: 3,
    unitPrice: "1299.5",
    currency: "EUR",
    discount: "0.5",
    status: "shipped",
    country: "DE",
    channel: "app",
  };
  assertEquals(out, { ok: true, value: expected, warnings: [] });
});

Deno.test("normaliseOrderRow() defaults currency to USD and discount to 0", () => {
  const a = accepted(row()).value;
  assertEquals([a.currency, a.discount, a.country, a.channel], ["USD", "0", undefined, undefined]);
  const b = accepted(row({ currency: "N/A", discount: "" })).value;
  assertEquals([b.currency, b.discount], ["USD", "0"]);
});

Deno.test("normaliseOrderRow() accepts a discount equal to the line total", () => {
  assertEquals(accepted(row({ discount: "$20.00" })).value.discount, "20");
  assertEquals(accepted(row({ unit_price: "0", discount: "0" })).value.unitPrice, "0");
});

Deno.test("normaliseOrderRow() accepts an order time exactly 24 h after receipt", () => {
  assertEquals(
    accepted(row({ order_ts: "2026-11-27 06:00:00" })).value.orderTs,
    RECEIVED + 24 * HOUR,
  );
});

Deno.test("normaliseOrderRow() accepts a currency once it is in the rate table", () => {
  const r = row({ currency: "cad" });
  assertEquals(normaliseOrderRow(r, CTX).ok, false);
  assertEquals(accepted(r, { ...DEFAULT_RATES, CAD: "0.73" }).value.currency, "CAD");
});

const statusCases: Array<[string, string]> = [
  ["placed", "placed"],
  ["SHIPPED", "shipped"],
  ["Delivered", "delivered"],
  ["cancelled", "cancelled"],
  ["canceled", "cancelled"],
  [" Canceled ", "cancelled"],
  ["REFUNDED", "refunded"],
];
for (const [raw, status] of statusCases) {
  Deno.test(`normaliseOrderRow() reads status "${raw}" as ${status}`, () => {
    assertEquals(accepted(row({ status: raw })).value.status, status);
  });
}

type WarnCase = [
  country: string | undefined,
  channel: string | undefined,
  out: [string?, string?],
  warnings: string[],
];
const warnCases: WarnCase[] = [
  ["de", "web", ["DE", "web"], []],
  ["US", " Marketplace ", ["US", "marketplace"], []],
  ["DEU", "web", [undefined, "web"], ["country"]],
  ["1A", undefined, [undefined, undefined], ["country"]],
  ["Germany", "email", [undefined, undefined], ["country", "channel"]],
  ["", "n/a", [undefined, undefined], []],
  [undefined, "apps", [undefined, undefined], ["channel"]],
  ["-", "-", [undefined, undefined], []],
];
for (const [country, channel, [c, ch], warnings] of warnCases) {
  Deno.test(`normaliseOrderRow() reads country ${country} and channel ${channel} with warnings ${warnings}`, () => {
    const out = accepted(row({ country, channel }));
    assertEquals([out.value.country, out.value.channel, out.warnings], [c, ch, warnings]);
  });
}

Deno.test("normaliseOrderRow() reads epoch and date-only order times", () => {
  assertEquals(accepted(row({ order_ts: "1764065700" })).value.orderTs, 1_764_065_700_000);
  assertEquals(accepted(row({ order_ts: "2026-11-25" })).value.orderTs, Date.UTC(2026, 10, 25));
});

Deno.test("normaliseOrderRow() ignores columns it does not know", () => {
  assertEquals(accepted({ ...row(), note: "gift", __proto__x: "1" }).value, accepted(row()).value);
});

Deno.test("matchOrderHeader() matches names case-insensitively, trims, and drops a BOM", () => {
  const m = matchOrderHeader([
    "\uFEFFOrder_ID",
    " line_no ",
    "CUSTOMER_ID",
    "order_ts",
    "sku",
    "Quantity",
    "unit_price",
    "status",
    "Currency",
  ]);
  assertEquals(m, {
    index: {
      order_id: 0,
      line_no: 1,
      customer_id: 2,
      order_ts: 3,
      sku: 4,
      quantity: 5,
      unit_price: 6,
      status: 7,
      currency: 8,
    },
    unknown: [],
    missing: [],
    duplicate: [],
  });
});

Deno.test("matchOrderHeader() reports unknown, missing and repeated columns in any order", () => {
  const m = matchOrderHeader(["status", "note", "order_id", "ORDER_ID", "", "sku", "Gift Wrap"]);
  assertEquals(m.index, { status: 0, order_id: 2, sku: 5 });
  assertEquals(m.unknown, ["note", "ORDER_ID", "Gift Wrap"]);
  assertEquals(m.duplicate, ["order_id"]);
  assertEquals(m.missing, ["line_no", "customer_id", "order_ts", "quantity", "unit_price"]);
});

Deno.test("matchOrderHeader() reports every required column of an empty header", () => {
  assertEquals(matchOrderHeader([]).missing, [...ORDER_COLUMNS.required]);
});

Deno.test("orderRowFromCells() picks cells by the header index", () => {
  const { index } = matchOrderHeader(["note", "sku", "order_id", "line_no"]);
  assertEquals(orderRowFromCells(["x", "AB-1", "A-1"], index), {
    sku: "AB-1",
    order_id: "A-1",
    line_no: undefined,
  });
});

const LINE: OrderLine = accepted(row({ country: "DE", channel: "web", currency: "EUR" })).value;

Deno.test("orderLineFingerprint() is equal for equal lines whatever the key order", () => {
  const reordered = Object.fromEntries(Object.entries(LINE).reverse()) as unknown as OrderLine;
  assertEquals(orderLineFingerprint(reordered), orderLineFingerprint(LINE));
  assertEquals(
    orderLineFingerprint(accepted(row({ unit_price: "10.0000", sku: "AB-1" })).value),
    orderLineFingerprint(accepted(row({ unit_price: "$10", sku: " ab-1" })).value),
  );
});

const changes: Array<Partial<OrderLine>> = [
  { orderId: "A-2" },
  { lineNo: 2 },
  { customerId: "c-2" },
  { orderTs: LINE.orderTs + 1 },
  { sku: "AB-2" },
  { quantity: 3 },
  { unitPrice: "10.01" },
  { currency: "USD" },
  { discount: "1" },
  { status: "refunded" },
  { country: "FR" },
  { country: undefined },
  { channel: "app" },
  { channel: undefined },
];
for (const change of changes) {
  Deno.test(`orderLineFingerprint() changes when ${JSON.stringify(change) ?? "a field is dropped"}`, () => {
    const other = { ...LINE, ...change };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete (other as Record<string, unknown>)[k];
    }
    assertNotEquals(orderLineFingerprint(other), orderLineFingerprint(LINE));
  });
}

Deno.test("compareVersions() orders by business date, then upload, then row", () => {
  const v = (date: string, upload: number, row: number): LineVersion => ({ date, upload, row });
  const versions = [
    v("2026-11-26", 1, 5),
    v("2026-11-25", 9, 1),
    v("2026-11-25", 3, 7),
    v("2026-11-25", 3, 2),
    v("2026-11-26", 1, 4),
  ];
  assertEquals([...versions].sort(compareVersions), [
    v("2026-11-25", 3, 2),
    v("2026-11-25", 3, 7),
    v("2026-11-25", 9, 1),
    v("2026-11-26", 1, 4),
    v("2026-11-26", 1, 5),
  ]);
  assertEquals(compareVersions(v("2026-11-25", 1, 1), v("2026-11-25", 1, 1)), 0);
  assert(compareVersions(v("2026-11-26", 1, 1), v("2026-11-25", 99, 99)) > 0);
});
