/**
 * Two independent readings must agree: the generator's answer key and the
 * pipeline's own contract normalisers (pipeline/contracts) applied to the
 * generated files. The answer key imports nothing from the pipeline; this test
 * is where the two meet, so a disagreement points at one of them.
 */
import * as XLSX from "xlsx";
import * as C from "../pipeline/contracts/mod.ts";
import { generate } from "../tasks/generate/mod.ts";
import { parseCsv } from "./generator_reading.ts";
import { assertEquals } from "./assert.ts";

const RECEIVED = Date.parse("2026-11-25T01:00:00Z");
const FX = { USD: "1", EUR: "1.08", GBP: "1.27" };
const dir = await Deno.makeTempDir({ prefix: "gen_contracts_" });
addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const { expected } = await generate({
  seed: 3,
  days: 10,
  persons: 300,
  dirty: 0.1,
  out: dir,
  end: "2026-11-24",
});

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

Deno.test("pipeline contracts read events.ndjson as the answer key does", async () => {
  const q = {
    received: 0,
    accepted: 0,
    quarantined: 0,
    duplicates: 0,
    by: {} as Record<string, number>,
  };
  const seen = new Set<string>();
  let i = 0;
  for (const line of (await Deno.readTextFile(`${dir}/events.ndjson`)).split("\n")) {
    if (line === "") continue;
    q.received++;
    let reason: string | null = null;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      reason = "malformed";
    }
    if (!reason && new TextEncoder().encode(line).length > C.MAX_EVENT_BYTES) reason = "too_large";
    if (!reason) {
      const r = C.normaliseEvent(raw, { id: String(i++), receivedAt: RECEIVED, historical: true });
      if (!r.ok) reason = r.rejection.reason;
      else if (seen.has(r.value.messageId)) {
        q.duplicates++;
        continue;
      } else {
        seen.add(r.value.messageId);
        q.accepted++;
        continue;
      }
    }
    q.quarantined++;
    bump(q.by, reason!);
  }
  const e = expected.quality.events;
  assertEquals(q, {
    received: e.received,
    accepted: e.accepted,
    quarantined: e.quarantined,
    duplicates: e.duplicates,
    by: e.quarantined_by_reason,
  });
});

Deno.test("pipeline contracts read every orders file and the revenue as the answer key does", async () => {
  const heads = new Map<string, { fp: string; line: C.OrderLine }>();
  const hashes = new Set<string>();
  for (const { file, date } of expected.meta.files.orders) {
    const bytes = await Deno.readFile(`${dir}/${file}`);
    const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].join();
    if (hashes.has(hash)) continue;
    hashes.add(hash);
    const [header, ...records] = parseCsv(new TextDecoder().decode(bytes));
    const match = C.matchOrderHeader(header);
    const q = {
      received: 0,
      accepted: 0,
      quarantined: 0,
      duplicates: 0,
      updates: 0,
      by: {} as Record<string, number>,
      warn: {} as Record<string, number>,
    };
    for (const cells of records) {
      q.received++;
      if (cells.length !== header.length) {
        q.quarantined++;
        bump(q.by, "malformed");
        continue;
      }
      const r = C.normaliseOrderRow(C.orderRowFromCells(cells, match.index), {
        receivedAt: RECEIVED,
        fxRates: FX,
      });
      if (!r.ok) {
        q.quarantined++;
        bump(q.by, r.rejection.reason);
        continue;
      }
      const key = `${r.value.orderId}\u0000${r.value.lineNo}`;
      const fp = C.orderLineFingerprint(r.value);
      const prev = heads.get(key);
      if (prev?.fp === fp) {
        q.duplicates++;
        continue;
      }
      q.accepted++;
      if (prev) q.updates++;
      heads.set(key, { fp, line: r.value });
      for (const w of r.warnings) bump(q.warn, w);
    }
    const e = expected.quality.orders[date];
    assertEquals(q, {
      received: e.received,
      accepted: e.accepted,
      quarantined: e.quarantined,
      duplicates: e.duplicates,
      updates: e.updates,
      by: e.quarantined_by_reason,
      warn: e.warnings_by_field,
    }, `File "${file}"`);
  }
  const revenue = new Map<string, number>();
  for (const { line } of heads.values()) {
    if (!C.REVENUE_STATUSES.includes(line.status)) continue;
    const day = C.dayOf(line.orderTs);
    revenue.set(day, (revenue.get(day) ?? 0) + C.lineValueCents(line, FX));
  }
  for (const d of expected.daily.days) {
    assertEquals(d.revenue_cents, revenue.get(d.date) ?? 0, d.date);
  }
});

Deno.test("pipeline contracts read every workbook as the answer key does", async () => {
  for (const { file, week } of expected.meta.files.inventory) {
    const wb = XLSX.read(await Deno.readFile(`${dir}/${file}`), { dense: true, cellFormula: true });
    const visible = wb.SheetNames.filter((_, i) => !wb.Workbook?.Sheets?.[i]?.Hidden);
    const name = visible.find((n) => n.toLowerCase() === "inventory") ?? visible[0];
    const data = wb.Sheets[name]["!data"] as (XLSX.CellObject | undefined)[][];
    const match = C.matchInventoryHeader(data[0].map((c) => c?.v));
    const q = {
      received: 0,
      accepted: 0,
      quarantined: 0,
      duplicates: 0,
      by: {} as Record<string, number>,
    };
    const rows = new Map<string, C.InventoryRow>();
    for (let r = 1; r < data.length; r++) {
      q.received++;
      const row: Record<string, unknown> = {};
      for (const [k, idx] of Object.entries(match.index)) {
        const c = data[r]?.[idx];
        row[k] = c === undefined ? undefined : c.t === "e" && c.f ? C.NO_CACHED_VALUE : c.v;
      }
      const res = C.normaliseInventoryRow(row);
      if (!res.ok) {
        q.quarantined++;
        bump(q.by, res.rejection.reason);
        continue;
      }
      const key = `${res.value.sku}\u0000${res.value.warehouse}`;
      if (rows.has(key)) q.duplicates++;
      rows.set(key, res.value);
    }
    q.accepted = rows.size;
    const e = expected.quality.inventory[week];
    assertEquals(q, {
      received: e.received,
      accepted: e.accepted,
      quarantined: e.quarantined,
      duplicates: e.duplicates,
      by: e.quarantined_by_reason,
    }, `Workbook "${file}"`);
    let value = 0;
    for (const r of rows.values()) {
      if (r.unitCost !== undefined) value += C.stockValueCents(r.onHand, r.unitCost);
    }
    assertEquals(expected.inventory[week].stock_value_cents, value, `Stock value of "${week}"`);
  }
});
