/**
 * An independent reader of the generator's files for its tests: its own CSV
 * parser and its own reading of the value rules of shared/spec/sources.md
 * (no code shared with the generator or the pipeline), so that the tests can
 * recompute figures from the bytes on disk and compare them with
 * `expected.json`. Values, CSV and orders here; events and workbooks in
 * generator_reading_events.ts.
 *
 * @module
 */

const ABSENT = new Set(["", "null", "NULL", "N/A", "n/a", "NaN", "-"]);

/** True when a raw value means *absent* under the generic rules. */
export function absent(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return typeof v === "string" && ABSENT.has(v.trim());
}

/**
 * Parses RFC 4180 CSV (BOM dropped, CRLF or LF, quoted fields with commas,
 * quotes and newlines) into records of fields.
 */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: string[][] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"') {
      quoted = true;
      i++;
    } else if (ch === ",") {
      fields.push(field);
      field = "";
      i++;
    } else if (ch === "\n" || ch === "\r") {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = "";
      i += ch === "\r" && s[i + 1] === "\n" ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== "" || fields.length > 0) {
    fields.push(field);
    records.push(fields);
  }
  return records;
}

const TS_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}))|(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?))?$/;

/** Epoch ms of a timestamp in an accepted format, else null. */
export function readTimestamp(v: unknown): number | null {
  if (typeof v === "number") {
    const digits = String(v).length;
    return Number.isInteger(v) && digits === 10 ? v * 1000 : digits === 13 ? v : null;
  }
  if (typeof v !== "string") return null;
  const t = v.trim();
  if (/^\d{10}$/.test(t)) return Number(t) * 1000;
  if (/^\d{13}$/.test(t)) return Number(t);
  const m = TS_RE.exec(t);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hh = Number(m[4] ?? m[9] ?? 0), mi = Number(m[5] ?? m[10] ?? 0);
  const ss = Number(m[6] ?? m[11] ?? 0);
  const ms = Number((m[7] ?? m[12] ?? "").padEnd(3, "0").slice(0, 3));
  const base = Date.UTC(y, mo - 1, d, hh, mi, ss, ms);
  const check = new Date(base);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1 || hh > 23 || mi > 59 || ss > 59) {
    return null;
  }
  const zone = m[8];
  if (!zone || zone === "Z") return base;
  const sign = zone[0] === "-" ? -1 : 1;
  return base - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}

/** A decimal in ten-thousandths, or null when not a valid decimal (`12,50`). */
export function readDecimal4(v: string): number | null {
  const m = /^[$€£]?(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,4}))?$/.exec(v.trim());
  if (!m) return null;
  const n = Number(m[2].replaceAll(",", "")) * 10_000 + Number((m[3] ?? "").padEnd(4, "0"));
  return m[1] === "-" ? -n : n;
}

/** An integer (`3`, `3.0`, `-2`), or null. */
export function readInteger(v: string): number | null {
  const m = /^([+-]?\d+)(?:\.0+)?$/.exec(v.trim());
  return m ? Number(m[1]) : null;
}

/** An order line as this reader understands it. */
export interface ReadLine {
  orderId: string;
  lineNo: number;
  customerId: string;
  orderTs: number;
  sku: string;
  quantity: number;
  price4: number;
  currency: string;
  discount4: number;
  status: string;
  country?: string;
  channel?: string;
}

/** The outcome of reading one data row. */
export type ReadResult<T> = { ok: T; warnings: string[] } | { ok: null; reason: string };

const REQUIRED = [
  "order_id",
  "line_no",
  "customer_id",
  "order_ts",
  "sku",
  "quantity",
  "unit_price",
  "status",
];
const RATES = new Set(["USD", "EUR", "GBP"]);
const STATUSES = new Set(["placed", "shipped", "delivered", "cancelled", "refunded"]);

/** Reads one orders row (by lower-case column name) under sources.md §2. */
export function readOrderRow(
  row: Record<string, string>,
  receivedAt: number,
): ReadResult<ReadLine> {
  const reasons: string[] = [];
  for (const c of REQUIRED) if (absent(row[c])) reasons.push("missing_required");
  const lineNo = absent(row.line_no) ? 1 : readInteger(row.line_no);
  const quantity = absent(row.quantity) ? 1 : readInteger(row.quantity);
  const price = absent(row.unit_price) ? 0 : readDecimal4(row.unit_price);
  const discount = absent(row.discount) ? 0 : readDecimal4(row.discount);
  if (lineNo === null || quantity === null || price === null || discount === null) {
    reasons.push("invalid_type");
  }
  if ((lineNo ?? 1) < 1 || (quantity ?? 1) < 1 || (price ?? 0) < 0 || (discount ?? 0) < 0) {
    reasons.push("invalid_value");
  }
  const sku = (row.sku ?? "").trim().toUpperCase();
  if (!absent(row.sku) && !/^[A-Z0-9][A-Z0-9_-]{0,63}$/.test(sku)) reasons.push("invalid_value");
  let status = (row.status ?? "").trim().toLowerCase();
  if (status === "canceled") status = "cancelled";
  if (!absent(row.status) && !STATUSES.has(status)) reasons.push("invalid_value");
  const ts = absent(row.order_ts) ? 0 : readTimestamp(row.order_ts);
  if (ts === null) reasons.push("invalid_timestamp");
  else if (ts > receivedAt + 86_400_000) reasons.push("future_timestamp");
  const currency = absent(row.currency) ? "USD" : row.currency.trim().toUpperCase();
  if (!RATES.has(currency)) reasons.push("unknown_currency");
  const order = [
    "missing_required",
    "invalid_type",
    "invalid_value",
    "invalid_timestamp",
    "future_timestamp",
    "unknown_currency",
  ];
  if (reasons.length > 0) {
    return { ok: null, reason: order.find((r) => reasons.includes(r))! };
  }
  const warnings: string[] = [];
  const line: ReadLine = {
    orderId: row.order_id.trim(),
    lineNo: lineNo!,
    customerId: row.customer_id.trim(),
    orderTs: ts!,
    sku,
    quantity: quantity!,
    price4: price!,
    currency,
    discount4: discount!,
    status,
  };
  if (!absent(row.country)) {
    if (/^[A-Za-z]{2}$/.test(row.country.trim())) line.country = row.country.trim().toUpperCase();
    else warnings.push("country");
  }
  if (!absent(row.channel)) {
    const c = row.channel.trim().toLowerCase();
    if (["web", "app", "marketplace"].includes(c)) line.channel = c;
    else warnings.push("channel");
  }
  return { ok: line, warnings };
}

/** Reads an orders CSV: one result per data record (wrong field count → malformed). */
export function readOrdersCsv(text: string, receivedAt: number): ReadResult<ReadLine>[] {
  const [header, ...records] = parseCsv(text);
  const names = header.map((h) => h.trim().toLowerCase());
  return records.map((cells) => {
    if (cells.length !== names.length) return { ok: null, reason: "malformed" };
    const row: Record<string, string> = {};
    names.forEach((n, i) => row[n] = cells[i]);
    return readOrderRow(row, receivedAt);
  });
}
