/**
 * The dirt of sources.md is really in the files, in the requested share:
 * counted by the generator (expected.json `dirt`) and found again in the bytes.
 */
import * as XLSX from "xlsx";
import { generate } from "../tasks/generate/mod.ts";
import { EVENT_DIRT, INVENTORY_DIRT, ORDER_DIRT } from "../tasks/generate/dirt.ts";
import { parseCsv, readTimestamp } from "./generator_reading.ts";
import { assert, assertEquals } from "./assert.ts";

const RATE = 0.2;
const dir = await Deno.makeTempDir({ prefix: "gen_dirt_" });
addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const { expected } = await generate({
  seed: 5,
  days: 16,
  persons: 600,
  dirty: RATE,
  out: dir,
  end: "2026-11-24",
});
const dirt = expected.dirt;
const names: string[] = [];
for await (const e of Deno.readDir(dir)) names.push(e.name);
names.sort();

Deno.test("generate() injects every kind of dirt the spec names", () => {
  const want = {
    events: Object.keys(EVENT_DIRT),
    orders: [
      ...Object.keys(ORDER_DIRT),
      "unknown_sku",
      "duplicate_file",
      "file_bom",
      "file_crlf",
      "file_shuffled_header",
      "file_notes_column",
    ],
    inventory: [
      ...Object.keys(INVENTORY_DIRT),
      "hidden_sheet",
      "extra_sheet",
      "sheet_not_named_inventory",
      "date_serial_1900",
      "date_serial_1904",
    ],
  };
  for (const [source, kinds] of Object.entries(want)) {
    const got = dirt[source as keyof typeof dirt].kinds;
    const missing = kinds.filter((k) => !(got[k] > 0));
    assertEquals(missing, [], `Dirt kinds missing from ${source}`);
  }
});

Deno.test("generate() dirties records in the requested proportion", () => {
  for (const [source, tally] of Object.entries(dirt)) {
    const share = tally.dirtied / tally.records;
    assert(
      Math.abs(share - RATE) < RATE * 0.25,
      `${source}: ${tally.dirtied} of ${tally.records} records dirtied (${
        share.toFixed(3)
      }), asked ${RATE}`,
    );
  }
});

Deno.test("events.ndjson holds the counted malformed, oversized, future, retried and late lines", async () => {
  const lines = (await Deno.readTextFile(`${dir}/events.ndjson`)).split("\n").filter((l) =>
    l !== ""
  );
  let malformed = 0, large = 0, future = 0, unsupported = 0, retries = 0, late = 0, maxDay = 0;
  const ids = new Set<string>();
  for (const line of lines) {
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line);
    } catch {
      malformed++;
      continue;
    }
    if (line.length > 32 * 1024) large++;
    if (String(ev.timestamp).startsWith("2099-")) future++;
    if (["alias", "screen", "group"].includes(String(ev.type))) unsupported++;
    if (
      typeof ev.messageId === "string" && !["alias", "screen", "group"].includes(String(ev.type))
    ) {
      if (ids.has(ev.messageId)) retries++;
      ids.add(ev.messageId);
    }
    const ts = readTimestamp(ev.timestamp);
    if (ts !== null && ts < 4e12) {
      const day = Math.floor(ts / 86_400_000);
      if (day < maxDay) late++;
      maxDay = Math.max(maxDay, day);
    }
  }
  const k = dirt.events.kinds;
  assertEquals([malformed, large, future, unsupported, retries], [
    k.malformed,
    k.too_large,
    k.future_timestamp,
    k.unsupported_type,
    k.retry,
  ]);
  assert(late >= k.late * 0.8 && late <= k.late, `${late} late lines found, ${k.late} written`);
  assertEquals(lines.length, expected.quality.events.received);
});

Deno.test("orders files hold the counted invalid rows, broken rows and one duplicate file", async () => {
  let comma = 0, xyz = 0, negative = 0, broken = 0, future = 0;
  for (const name of names.filter((n) => n.startsWith("orders_") && !n.includes("_resend"))) {
    const [header, ...rows] = parseCsv(await Deno.readTextFile(`${dir}/${name}`));
    const cols = header.map((h) => h.trim().toLowerCase());
    for (const cells of rows) {
      if (cells.length !== cols.length) {
        broken++;
        continue;
      }
      const cell = (c: string) => cells[cols.indexOf(c)];
      if (/^\d+,\d{2}$/.test(cell("unit_price"))) comma++;
      if (cell("currency") === "XYZ") xyz++;
      if (cell("quantity").startsWith("-")) negative++;
      if (cell("order_ts").startsWith("2099-")) future++;
    }
  }
  const k = dirt.orders.kinds;
  assertEquals([comma, xyz, negative, broken, future], [
    k.comma_decimal_price,
    k.unknown_currency,
    k.negative_quantity,
    k.broken_row,
    k.future_timestamp,
  ]);
  const resend = names.filter((n) => n.endsWith("_resend.csv"));
  assertEquals(resend.length, 1);
  const original = resend[0].replace("_resend", "");
  assertEquals(
    await Deno.readFile(`${dir}/${resend[0]}`),
    await Deno.readFile(`${dir}/${original}`),
  );
});

Deno.test("workbooks hold hidden and extra sheets, date serials of both systems and formulas", async () => {
  let hidden = 0, notInventory = 0, date1904 = 0, serials = 0, formulas = 0, uncached = 0;
  for (const name of names.filter((n) => n.endsWith(".xlsx"))) {
    const wb = XLSX.read(await Deno.readFile(`${dir}/${name}`), { dense: true, cellFormula: true });
    const flags = wb.Workbook?.Sheets ?? [];
    hidden += flags.filter((s) => s.Hidden).length;
    const visible = wb.SheetNames.filter((_, i) => !flags[i]?.Hidden);
    assert(visible.length >= 2, `Workbook "${name}" has no extra sheet`);
    if (!visible.some((n) => n.toLowerCase() === "inventory")) notInventory++;
    if (wb.Workbook?.WBProps?.date1904) date1904++;
    const data = visible.find((n) => n.toLowerCase() === "inventory") ?? visible[0];
    for (const row of (wb.Sheets[data]["!data"] ?? []) as (XLSX.CellObject | undefined)[][]) {
      if (row?.[7]?.t === "n") serials++;
      if (row?.[4]?.f && row[4].t === "n") formulas++;
      if (row?.[4]?.f && row[4].t === "e") uncached++;
    }
  }
  const k = dirt.inventory.kinds;
  assertEquals([hidden, notInventory, date1904], [
    k.hidden_sheet,
    k.sheet_not_named_inventory,
    k.date_serial_1904,
  ]);
  assert(serials > 0, "No snapshot_date cell is a date serial");
  assertEquals([formulas, uncached], [k.formula, k.formula_no_cache]);
});
