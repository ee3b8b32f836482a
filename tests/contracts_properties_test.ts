import fc from "fast-check";
import * as XLSX from "xlsx";
import {
  addDays,
  addIsoWeeks,
  bucketKind,
  bucketsOf,
  compareDecimals,
  dayOf,
  dayStartMs,
  excelSerialToDay,
  findForbiddenKey,
  fromScaled,
  isoWeekDiff,
  isoWeekOf,
  isoWeekOfMonday,
  lineValueCents,
  mondayOfIsoWeek,
  normaliseEvent,
  normaliseOrderRow,
  orderLineFingerprint,
  parseDecimal,
  parseInteger,
  parseTimestamp,
  REASON_CODES,
  roundHalfUp,
  roundHalfUpDiv,
  weekdayOf,
} from "../pipeline/contracts/mod.ts";
import { assert, assertEquals } from "./assert.ts";

const DAY = 86_400_000;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z. */
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** A decimal as bigint units at a scale of 0–4, with its canonical text built independently. */
const decimalArb = fc.record({
  units: fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }),
  scale: fc.integer({ min: 0, max: 4 }),
});

/** Canonical text of units/10^scale, by string slicing (not the code under test). */
function canonicalText(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, "0");
  let int = digits.slice(0, digits.length - scale);
  let frac = digits.slice(digits.length - scale);
  int = int.replace(/^0+(?=\d)/, "");
  frac = frac.replace(/0+$/, "");
  const body = frac ? `${int}.${frac}` : int;
  return neg && body !== "0" ? `-${body}` : body;
}

Deno.test("parseDecimal() returns canonical text unchanged (round trip)", () => {
  fc.assert(
    fc.property(decimalArb, ({ units, scale }) => {
      const text = canonicalText(units, scale);
      const r = parseDecimal(text, "x");
      assertEquals(r, { ok: true, value: text });
      assertEquals(fromScaled({ units, scale }), text);
    }),
    { numRuns: 500 },
  );
});

Deno.test("parseDecimal() reads every accepted spelling of a value as its canonical text", () => {
  const arb = fc.record({
    units: fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
    scale: fc.integer({ min: 0, max: 4 }),
    symbol: fc.constantFrom("", "$", "€", "£"),
    grouped: fc.boolean(),
    extraZeros: fc.integer({ min: 0, max: 4 }),
    leadingZeros: fc.integer({ min: 0, max: 3 }),
    negative: fc.boolean(),
    spaces: fc.constantFrom("", " ", "  \t"),
  });
  fc.assert(
    fc.property(arb, (g) => {
      const digits = g.units.toString().padStart(g.scale + 1, "0");
      let int = digits.slice(0, digits.length - g.scale);
      const frac = (digits.slice(digits.length - g.scale) + "0".repeat(g.extraZeros)).slice(0, 4);
      if (g.grouped) int = int.replace(/\B(?=(\d{3})+$)/g, ",");
      else int = "0".repeat(g.leadingZeros) + int;
      const sign = g.negative ? "-" : "";
      const text = `${g.spaces}${sign}${g.symbol}${int}${frac ? "." + frac : ""}${g.spaces}`;
      const expected = canonicalText(g.negative ? -g.units : g.units, g.scale);
      assertEquals(parseDecimal(text, "x"), { ok: true, value: expected }, text);
    }),
    { numRuns: 500 },
  );
});

Deno.test("parseDecimal() of a spreadsheet number is the exact decimal it shows", () => {
  const arb = fc.record({
    k: fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }),
    scale: fc.integer({ min: 0, max: 4 }),
  });
  fc.assert(
    fc.property(arb, ({ k, scale }) => {
      const n = k / 10 ** scale;
      assertEquals(parseDecimal(n, "x"), { ok: true, value: canonicalText(BigInt(k), scale) });
    }),
    { numRuns: 500 },
  );
});

Deno.test("compareDecimals() orders canonical texts like their values", () => {
  fc.assert(
    fc.property(decimalArb, decimalArb, (a, b) => {
      const x = a.units * 10n ** BigInt(4 - a.scale);
      const y = b.units * 10n ** BigInt(4 - b.scale);
      const expected = x < y ? -1 : x > y ? 1 : 0;
      assertEquals(
        compareDecimals(canonicalText(a.units, a.scale), canonicalText(b.units, b.scale)),
        expected,
      );
    }),
  );
});

Deno.test("parseInteger() reads every accepted spelling of a safe integer", () => {
  fc.assert(
    fc.property(
      fc.maxSafeInteger(),
      fc.integer({ min: 0, max: 4 }),
      fc.boolean(),
      (n, zeros, plus) => {
        const text = `${plus && n >= 0 ? "+" : ""}${n}${zeros ? "." + "0".repeat(zeros) : ""}`;
        assertEquals(parseInteger(text, "q"), { ok: true, value: n });
        assertEquals(parseInteger(n, "q"), { ok: true, value: n });
        assertEquals(parseInteger(`${n}.5`, "q").ok, false);
      },
    ),
    { numRuns: 500 },
  );
});

const msArb = fc.integer({ min: MIN_MS, max: MAX_MS });

/** Formats ms as local time at an offset, `YYYY-MM-DDTHH:MM:SS.fff±HH:MM`, via Date getters. */
function isoWithOffset(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.` +
    `${pad(d.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

Deno.test("parseTimestamp() reads back ISO, offset and space-separated renderings", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: MIN_MS + 2 * DAY, max: MAX_MS - 2 * DAY }),
      fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
      (ms, offset) => {
        const iso = new Date(ms).toISOString();
        assertEquals(parseTimestamp(iso, "t"), { ok: true, value: ms }, iso);
        assertEquals(parseTimestamp(iso.replace("T", " ").replace("Z", ""), "t"), {
          ok: true,
          value: ms,
        });
        const withOffset = isoWithOffset(ms, offset);
        assertEquals(parseTimestamp(withOffset, "t"), { ok: true, value: ms }, withOffset);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("parseTimestamp() of dayOf() is the start of that day", () => {
  fc.assert(
    fc.property(msArb, (ms) => {
      const day = dayOf(ms);
      const r = parseTimestamp(day, "t");
      assertEquals(r, { ok: true, value: dayStartMs(day) });
      assert(r.ok && r.value !== undefined && r.value <= ms && ms < r.value + DAY);
    }),
    { numRuns: 500 },
  );
});

Deno.test("parseTimestamp() reads 13-digit epoch ms and 10-digit epoch seconds", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 10 ** 12, max: 10 ** 13 - 1 }),
      fc.integer({ min: 10 ** 9, max: 10 ** 10 - 1 }),
      (ms, s) => {
        assertEquals(parseTimestamp(String(ms), "t"), { ok: true, value: ms });
        assertEquals(parseTimestamp(ms, "t"), { ok: true, value: ms });
        assertEquals(parseTimestamp(String(s), "t"), { ok: true, value: s * 1000 });
        assertEquals(parseTimestamp(s, "t"), { ok: true, value: s * 1000 });
      },
    ),
  );
});

/** ISO week by the textbook Date-based method, as an independent oracle. */
function oracleIsoWeek(ms: number): string {
  const d = new Date(Math.floor(ms / DAY) * DAY);
  d.setUTCDate(d.getUTCDate() + 4 - (d.getUTCDay() || 7));
  const yearStart = new Date(0);
  yearStart.setUTCFullYear(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart.getTime()) / DAY + 1) / 7);
  return `${pad(d.getUTCFullYear(), 4)}-W${pad(week)}`;
}

Deno.test("bucket functions agree with Date-based oracles", () => {
  fc.assert(
    fc.property(fc.integer({ min: MIN_MS + 7 * DAY, max: MAX_MS - 7 * DAY }), (ms) => {
      const [day, week, month, all] = bucketsOf(ms);
      assertEquals(day, new Date(ms).toISOString().slice(0, 10));
      assertEquals(week, oracleIsoWeek(ms));
      assertEquals(isoWeekOf(ms), week);
      assertEquals(month, day.slice(0, 7));
      assertEquals(
        [bucketKind(day), bucketKind(week), bucketKind(month), bucketKind(all)],
        ["day", "week", "month", "all"],
      );
      assertEquals(weekdayOf(day), new Date(ms).getUTCDay() || 7);
      const monday = mondayOfIsoWeek(week);
      assertEquals(weekdayOf(monday), 1);
      const offset = (dayStartMs(day) - dayStartMs(monday)) / DAY;
      assert(offset >= 0 && offset < 7, `${day} is not in ${week}`);
      assertEquals(isoWeekOfMonday(monday), week);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("addIsoWeeks() and isoWeekDiff() are inverse", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(1900, 0, 8), max: Date.UTC(2900, 0, 1) }),
      fc.integer({ min: -2000, max: 2000 }),
      (ms, k) => {
        const week = isoWeekOf(ms);
        const later = addIsoWeeks(week, k);
        assertEquals(isoWeekDiff(week, later), k);
        assertEquals(addIsoWeeks(later, -k), week);
      },
    ),
  );
});

Deno.test("addDays() agrees with millisecond arithmetic", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2900, 0, 1) }),
      fc.integer({ min: -100_000, max: 100_000 }),
      (ms, n) => {
        assertEquals(addDays(dayOf(ms), n), dayOf(ms + n * DAY));
      },
    ),
  );
});

Deno.test("roundHalfUp() is within half of the quotient, ties away from zero", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
      fc.bigInt({ min: 1n, max: 10n ** 15n }),
      (num, den) => {
        const r = roundHalfUp(num, den);
        const twice = 2n * num;
        if (num >= 0n) assert(den * (2n * r - 1n) <= twice && twice < den * (2n * r + 1n));
        else assert(den * (2n * r - 1n) < twice && twice <= den * (2n * r + 1n));
        assertEquals(roundHalfUp(-num, den), -r);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("roundHalfUpDiv() agrees with Math.round on small non-negative integers", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 26 }),
      fc.integer({ min: 1, max: 2 ** 20 }),
      (n, d) => {
        assertEquals(roundHalfUpDiv(n, d), Math.round(n / d));
      },
    ),
    { numRuns: 500 },
  );
});

/** Exact cents of quantity × price − discount at a rate, on a fixed 10^-12 grid. */
function oracleCents(q: number, price4: bigint, discount4: bigint, rate8: bigint): bigint {
  const amount4 = BigInt(q) * price4 - discount4;
  const x = amount4 * rate8 * 100n; // units of 10^-12 cents
  const unit = 10n ** 12n;
  return (x + unit / 2n) / unit;
}

Deno.test("lineValueCents() matches an exact fixed-grid computation", () => {
  const arb = fc.record({
    q: fc.integer({ min: 1, max: 100_000 }),
    price4: fc.bigInt({ min: 0n, max: 10n ** 9n }),
    discountShare: fc.integer({ min: 0, max: 1000 }),
    rate8: fc.bigInt({ min: 1n, max: 5n * 10n ** 8n }),
  });
  fc.assert(
    fc.property(arb, ({ q, price4, discountShare, rate8 }) => {
      const gross4 = BigInt(q) * price4;
      const discount4 = (gross4 * BigInt(discountShare)) / 1000n;
      const line = {
        quantity: q,
        unitPrice: canonicalText(price4, 4),
        discount: canonicalText(discount4, 4),
        currency: "XXX",
      };
      const cents = lineValueCents(line, { XXX: canonicalText(rate8, 8) });
      assertEquals(BigInt(cents), oracleCents(q, price4, discount4, rate8));
    }),
    { numRuns: 500 },
  );
});

Deno.test("excelSerialToDay() agrees with SheetJS date codes", () => {
  const ssf = XLSX.SSF as unknown as {
    parse_date_code(v: number, o?: { date1904?: boolean }): { y: number; m: number; d: number };
  };
  fc.assert(
    // 0 … 2,957,003: 1904-01-01 … 9999-12-31 in the 1904 system; +61 skips the 1900 leap bug.
    fc.property(fc.integer({ min: 0, max: 2_957_003 }), fc.boolean(), (n, date1904) => {
      const s = date1904 ? n : n + 61;
      const c = ssf.parse_date_code(s, { date1904 });
      assertEquals(excelSerialToDay(s, date1904), `${pad(c.y, 4)}-${pad(c.m)}-${pad(c.d)}`);
    }),
    { numRuns: 500 },
  );
});

Deno.test("normaliseOrderRow() gives the same line for every accepted spelling", () => {
  const arb = fc.record({
    q: fc.integer({ min: 1, max: 10_000 }),
    price4: fc.bigInt({ min: 0n, max: 10n ** 9n }),
    status: fc.constantFrom("placed", "shipped", "delivered", "cancelled", "refunded"),
    currency: fc.constantFrom("USD", "EUR", "GBP"),
    ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2026, 10, 25) }),
    upper: fc.boolean(),
    padding: fc.constantFrom("", " ", "  "),
  });
  const ctx = {
    receivedAt: Date.UTC(2026, 10, 26),
    fxRates: { USD: "1", EUR: "1.08", GBP: "1.27" },
  };
  fc.assert(
    fc.property(arb, (g) => {
      const price = canonicalText(g.price4, 4);
      const base = {
        order_id: "o-1",
        line_no: "1",
        customer_id: "c-1",
        order_ts: new Date(g.ms).toISOString(),
        sku: "SKU-1",
        quantity: String(g.q),
        unit_price: price,
        currency: g.currency,
        status: g.status,
      };
      const p = g.padding;
      const variant = {
        order_id: `${p}o-1${p}`,
        line_no: "1.0",
        customer_id: `${p}c-1`,
        order_ts: String(g.ms).length === 13 ? String(g.ms) : base.order_ts,
        sku: `${p}sku-1`,
        quantity: `+${g.q}.00`,
        unit_price: `${p}$${price.replace(/^(\d+)/, (m) => m.replace(/\B(?=(\d{3})+$)/g, ","))}`,
        currency: g.upper ? g.currency : g.currency.toLowerCase(),
        status: g.status === "cancelled" && g.upper ? "Canceled" : g.status.toUpperCase(),
        discount: "n/a",
      };
      const a = normaliseOrderRow(base, ctx);
      const b = normaliseOrderRow(variant, ctx);
      assert(a.ok && b.ok, JSON.stringify([a, b]));
      assertEquals(orderLineFingerprint(a.value), orderLineFingerprint(b.value));
      assertEquals(a.value.orderTs, g.ms);
      lineValueCents(a.value, ctx.fxRates);
    }),
    { numRuns: 300 },
  );
});

Deno.test("normaliseEvent() never throws and always gives a known reason", () => {
  const ctx = { id: "e", receivedAt: Date.UTC(2026, 10, 25), historical: false };
  const eventLike = fc.record(
    {
      type: fc.oneof(
        fc.constantFrom("track", "page", "identify", "alias", "TRACK", ""),
        fc.jsonValue(),
      ),
      messageId: fc.oneof(fc.string(), fc.jsonValue()),
      userId: fc.oneof(fc.string(), fc.integer()),
      anonymousId: fc.string(),
      event: fc.oneof(
        fc.constantFrom("Order Completed", "Product Viewed"),
        fc.string(),
        fc.jsonValue(),
      ),
      timestamp: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
        fc.integer(),
      ),
      sentAt: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.jsonValue(),
      ),
      properties: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
      context: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.oneof(eventLike, fc.jsonValue()), fc.boolean(), (raw, historical) => {
      const r = normaliseEvent(raw, { ...ctx, historical });
      if (r.ok) {
        assert(r.value.person.length > 0 && r.value.messageId.length > 0);
        assert(Number.isFinite(r.value.ts));
      } else {
        assert(REASON_CODES.includes(r.rejection.reason));
      }
    }),
    { numRuns: 1000 },
  );
});

Deno.test("findForbiddenKey() finds a forbidden key planted anywhere in JSON", () => {
  const key = fc.constantFrom("__proto__", "constructor", "prototype");
  fc.assert(
    fc.property(fc.jsonValue(), key, fc.array(fc.nat(), { maxLength: 6 }), (value, bad, path) => {
      // Wrap the value in nested objects/arrays chosen by `path`, then plant the key inside.
      let text = JSON.stringify({ [bad]: value });
      for (const step of path) text = step % 2 ? `[${text}]` : `{"k${step}":${text}}`;
      assertEquals(findForbiddenKey(JSON.parse(text)), bad);
    }),
  );
});
